import type { SignalState } from './scene-types.js';

export interface FixedTimePlan {
  greenMs: number;
  amberMs: number;
  redMs: number;
  /** Where in the cycle time 0 falls (ms). */
  offsetMs: number;
}

export const DEFAULT_PLAN: Omit<FixedTimePlan, 'offsetMs'> = { greenMs: 30_000, amberMs: 3_000, redMs: 27_000 };

/** The approach's own fixed-time signal: green, amber, red, repeating; defined for negative times too (warm-up). */
export class FixedTimeSignal {
  private readonly plan: FixedTimePlan;
  private readonly cycleMs: number;

  constructor(plan: FixedTimePlan) {
    this.plan = plan;
    this.cycleMs = plan.greenMs + plan.amberMs + plan.redMs;
  }

  private cyclePosition(tMs: number): number {
    return (((tMs + this.plan.offsetMs) % this.cycleMs) + this.cycleMs) % this.cycleMs;
  }

  stateAt(tMs: number): SignalState {
    const position = this.cyclePosition(tMs);
    if (position < this.plan.greenMs) return 'green';
    if (position < this.plan.greenMs + this.plan.amberMs) return 'amber';
    return 'red';
  }

  /** How long the current red lasts from tMs (0 when not red). */
  redRemainingMs(tMs: number): number {
    const position = this.cyclePosition(tMs);
    return position >= this.plan.greenMs + this.plan.amberMs ? this.cycleMs - position : 0;
  }
}
