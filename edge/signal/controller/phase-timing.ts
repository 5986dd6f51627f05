import type { Config } from '../../config/index.js';
import type { SignalOperation } from '../../config/signal-schema-parts.js';
import type { GroupKind } from './aspects.js';

type SignalConfig = Config['signal'];
export type Recall = SignalConfig['phases'][number]['recall'];

/** One phase's timings in whole ms, as they apply to one service of it (plan overrides included). */
export interface PhaseTiming {
  readonly id: string;
  readonly vehicleGroups: readonly string[];
  readonly pedestrianGroups: readonly string[];
  readonly minGreenMs: number;
  readonly maxGreenMs: number;
  readonly passageMs: number;
  readonly yellowMs: number;
  readonly redClearanceMs: number;
  /** 0 on a phase without a crosswalk. */
  readonly walkMs: number;
  readonly pedClearanceMs: number;
  readonly recall: Recall;
}

/** A set of timings for every phase and the way they run; the base plan is signal.phases itself. */
export interface TimingPlan {
  /** null for the base plan (no schedule entry applies). */
  readonly id: string | null;
  readonly mode: SignalOperation;
  readonly phases: ReadonlyMap<string, PhaseTiming>;
}

/** Seconds to ms, rounded up: a configured interval is never shortened by the conversion. */
export function toMs(seconds: number): number {
  return Math.ceil(seconds * 1000 - 1e-6);
}

export function groupKinds(signal: SignalConfig): Map<string, GroupKind> {
  return new Map(signal.groups.map((group) => [group.id, group.kind]));
}

/** The base plan and every configured plan, keyed by plan id (base under null). */
export function buildPlans(signal: SignalConfig): Map<string | null, TimingPlan> {
  const kinds = groupKinds(signal);
  const base = new Map<string, PhaseTiming>();
  for (const phase of signal.phases) {
    base.set(phase.id, {
      id: phase.id,
      vehicleGroups: phase.groups.filter((id) => kinds.get(id) === 'vehicle'),
      pedestrianGroups: phase.groups.filter((id) => kinds.get(id) === 'pedestrian'),
      minGreenMs: toMs(phase.minGreen),
      maxGreenMs: toMs(Math.max(phase.maxGreen, phase.minGreen)),
      passageMs: toMs(phase.passage),
      yellowMs: toMs(phase.yellow),
      redClearanceMs: toMs(phase.redClearance),
      walkMs: toMs(phase.walk ?? 0),
      pedClearanceMs: toMs(phase.pedClearance ?? 0),
      recall: phase.recall,
    });
  }
  const plans = new Map<string | null, TimingPlan>([[null, { id: null, mode: signal.mode, phases: base }]]);
  for (const plan of signal.plans) {
    const phases = new Map(base);
    for (const timing of plan.timings) {
      const original = base.get(timing.phase);
      if (!original) continue; // cross-checked; a stale reference must not break the controller
      const minGreenMs = timing.minGreen === undefined ? original.minGreenMs : toMs(timing.minGreen);
      const maxGreenMs = timing.maxGreen === undefined ? original.maxGreenMs : toMs(timing.maxGreen);
      phases.set(timing.phase, {
        ...original,
        minGreenMs,
        maxGreenMs: Math.max(maxGreenMs, minGreenMs),
        passageMs: timing.passage === undefined ? original.passageMs : toMs(timing.passage),
        recall: timing.recall ?? original.recall,
      });
    }
    plans.set(plan.id, { id: plan.id, mode: plan.mode ?? signal.mode, phases });
  }
  return plans;
}
