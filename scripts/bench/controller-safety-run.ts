/**
 * Runs the phase controller core on a random valid intersection under random traffic, buttons,
 * preempts, operator mode changes and manual steps, with the SafetyObserver watching every aspect, and
 * counts the rules broken. Deterministic for a seed, so a failure is replayed by its seed.
 */
import type { Config } from '../../edge/config/index.js';
import { ControllerCore } from '../../edge/signal/controller/controller-core.js';
import { CONTROLLER_MODES, type ControllerMode } from '../../edge/signal/controller/controller-events.js';
import { SafetyObserver, type SafetyViolation, type ViolationCounts } from '../../edge/signal/controller/safety-observer.js';
import { seededRandom } from '../../sim/seeded-random.js';
import { randomSignalConfig } from './random-signal-config.js';

export interface ControllerSafetyRunOptions {
  seed: number;
  seconds: number;
  /** The intersection; default a random one from the seed. */
  signal?: Config['signal'];
  /** Ticks are this far apart on average, jittered ±, as a busy event loop delivers them. Default 100 ms. */
  meanTickMs?: number;
  /** The time of day runs this much faster than the controller's clock, so plan boundaries come often. Default 30. */
  scheduleSpeedup?: number;
}

export interface ControllerSafetyRun {
  seed: number;
  simulatedS: number;
  ticks: number;
  groups: number;
  phases: number;
  violations: ViolationCounts;
  totalViolations: number;
  first: SafetyViolation[];
  /** How much happened, so a clean run is known to have exercised the controller. */
  activity: Record<'greens' | 'gapOuts' | 'maxOuts' | 'pedServices' | 'preempts' | 'modeChanges' | 'manualSteps' | 'planChanges' | 'cycles', number>;
}

const WEEK_MS = 7 * 86_400_000;

export function runControllerSafety(options: ControllerSafetyRunOptions): ControllerSafetyRun {
  const random = seededRandom(options.seed);
  const signal = options.signal ?? randomSignalConfig(random);
  const meanTickMs = options.meanTickMs ?? 100;
  const speedup = options.scheduleSpeedup ?? 30;
  const wallOrigin = Date.UTC(2026, 0, 4) + Math.floor(random() * WEEK_MS);
  const wall = (monotonicMs: number) => wallOrigin + monotonicMs * speedup;

  const core = new ControllerCore(signal, 0, wall(0));
  const observer = new SafetyObserver(signal);
  const activity: ControllerSafetyRun['activity'] = { greens: 0, gapOuts: 0, maxOuts: 0, pedServices: 0, preempts: 0, modeChanges: 0, manualSteps: 0, planChanges: 0, cycles: 0 };
  core.events.on((event) => {
    if (event.type === 'phase') activity.greens++;
    else if (event.type === 'gap-out') activity.gapOuts++;
    else if (event.type === 'max-out') activity.maxOuts++;
    else if (event.type === 'ped-service') activity.pedServices++;
    else if (event.type === 'preempt-start') activity.preempts++;
    else if (event.type === 'mode') activity.modeChanges++;
    else if (event.type === 'plan') activity.planChanges++;
    else if (event.type === 'cycle') activity.cycles++;
  });

  const phaseIds = signal.phases.map((phase) => phase.id);
  const pedPhases = signal.phases.filter((phase) => phase.walk !== undefined).map((phase) => phase.id);
  const occupied = new Set<string>();
  let preempt = false;
  let now = 0;
  let ticks = 0;
  const endMs = options.seconds * 1000;
  observer.observe(0, core.aspects(), false);
  while (now < endMs) {
    const stepMs = Math.max(1, Math.round(meanTickMs * (0.2 + 1.6 * random())));
    const perTick = stepMs / 100;
    now += stepMs;
    ticks++;
    for (const phase of phaseIds) {
      if (occupied.has(phase) ? random() < 0.05 * perTick : random() < 0.01 * perTick) {
        if (occupied.has(phase)) occupied.delete(phase);
        else occupied.add(phase);
        core.placeCall(phase, occupied.has(phase), 'loop');
      }
      if (random() < 0.005 * perTick) core.call(phase);
    }
    for (const phase of pedPhases) if (random() < 0.003 * perTick) core.pedCall(phase);
    if (signal.preempt && random() < (preempt ? 1 / 200 : 1 / 3000) * perTick) {
      preempt = !preempt;
      core.setPreempt(preempt);
    }
    const mode = core.currentMode();
    if (random() < (mode === 'normal' ? 1 / 6000 : 1 / 600) * perTick) {
      core.setMode(mode === 'normal' ? pickMode(random) : 'normal');
    }
    if (mode === 'manual' && random() < 0.02 * perTick) {
      core.step();
      activity.manualSteps++;
    }
    core.advance(now, wall(now));
    observer.observe(now, core.aspects(), preempt);
  }
  return {
    seed: options.seed,
    simulatedS: now / 1000,
    ticks,
    groups: signal.groups.length,
    phases: signal.phases.length,
    violations: { ...observer.counts },
    totalViolations: observer.total(),
    first: observer.first,
    activity,
  };
}

function pickMode(random: () => number): ControllerMode {
  const others = CONTROLLER_MODES.filter((mode) => mode !== 'normal');
  return others[Math.floor(random() * others.length)]!;
}
