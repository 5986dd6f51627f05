/**
 * The signal messages a fleet node publishes: the example intersection's ring run as a fixed-time plan
 * (each green halfway between minGreen and maxGreen, long enough for its walk and pedestrian clearance),
 * one message per step, with the aspects the node's signal service reports (protocol names).
 */
import type { Config } from '../../edge/config/index.js';
import type { SignalBody } from '../../edge/telemetry/publisher.js';

export interface PlanStep {
  durationMs: number;
  state: SignalBody;
}

type Groups = SignalBody['groups'];

/** Startup (flash, then all red) as the node's controller runs it, then the ring. */
export function startupSteps(signal: Config['signal']): PlanStep[] {
  const flash: Groups = {};
  const allRed: Groups = {};
  for (const group of signal.groups) {
    flash[group.id] = group.kind === 'vehicle' ? signal.flashAspect : 'dark';
    allRed[group.id] = group.kind === 'vehicle' ? 'red' : 'dont-walk';
  }
  const steps: PlanStep[] = [
    { durationMs: signal.startup.flashS * 1000, state: { mode: 'startup', groups: flash, phase: null, reason: 'power-up flash' } },
    { durationMs: signal.startup.allRedS * 1000, state: { mode: 'startup', groups: allRed, phase: null, reason: 'power-up all red' } },
  ];
  return steps.filter((step) => step.durationMs > 0);
}

/** One cycle of the ring, step by step. */
export function cycleSteps(signal: Config['signal']): PlanStep[] {
  const kinds = new Map(signal.groups.map((group) => [group.id, group.kind]));
  const stop = (): Groups => {
    const groups: Groups = {};
    for (const [id, kind] of kinds) groups[id] = kind === 'vehicle' ? 'red' : 'dont-walk';
    return groups;
  };
  const steps: PlanStep[] = [];
  for (const phaseId of signal.ring) {
    const phase = signal.phases.find((candidate) => candidate.id === phaseId);
    if (!phase) throw new Error(`signal.ring: phase '${phaseId}' is not in signal.phases`);
    const vehicles = phase.groups.filter((id) => kinds.get(id) === 'vehicle');
    const pedestrians = phase.groups.filter((id) => kinds.get(id) === 'pedestrian');
    const walkMs = (phase.walk ?? 0) * 1000;
    const pedClearMs = (phase.pedClearance ?? 0) * 1000;
    const greenMs = Math.max(((phase.minGreen + phase.maxGreen) / 2) * 1000, pedestrians.length > 0 ? walkMs + pedClearMs : 0);
    const during = (vehicleAspect: Groups[string], pedestrianAspect: Groups[string]): SignalBody => {
      const groups = stop();
      for (const id of vehicles) groups[id] = vehicleAspect;
      for (const id of pedestrians) groups[id] = pedestrianAspect;
      return { mode: 'normal', groups, phase: phase.id };
    };
    if (pedestrians.length > 0) {
      steps.push({ durationMs: walkMs, state: during('green', 'walk') });
      steps.push({ durationMs: pedClearMs, state: during('green', 'flashing-dont-walk') });
      if (greenMs > walkMs + pedClearMs) steps.push({ durationMs: greenMs - walkMs - pedClearMs, state: during('green', 'dont-walk') });
    } else {
      steps.push({ durationMs: greenMs, state: during('green', 'dont-walk') });
    }
    steps.push({ durationMs: phase.yellow * 1000, state: during('amber', 'dont-walk') });
    if (phase.redClearance > 0) steps.push({ durationMs: phase.redClearance * 1000, state: { mode: 'normal', groups: stop(), phase: phase.id } });
  }
  return steps;
}

export function cycleLengthMs(steps: readonly PlanStep[]): number {
  return steps.reduce((sum, step) => sum + step.durationMs, 0);
}
