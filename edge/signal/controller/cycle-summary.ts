import type { GreenEndReason } from './controller-events.js';

/** One pass through the ring: published when the ring wraps to a phase at or before the last one served. */
export interface CycleSummary {
  startedMs: number;
  cycleMs: number;
  /** Phases served, in order. */
  phases: string[];
  greenMs: Record<string, number>;
  /** Services that answered a detector or pedestrian call (recalls alone do not count). */
  callsServed: Record<string, number>;
  pedServices: number;
  gapOuts: number;
  maxOuts: number;
}

/** Accumulates green times and terminations between ring wraps. */
export class CycleAccumulator {
  private current: CycleSummary | null = null;
  private lastRingIndex = -1;

  constructor(private readonly ringIndexOf: (phase: string) => number) {}

  /** Called at every green start; returns the finished cycle when this green begins a new one. */
  greenStarted(phase: string, atMs: number, answeredCall: boolean, pedService: boolean): CycleSummary | null {
    const index = this.ringIndexOf(phase);
    let finished: CycleSummary | null = null;
    if (this.current !== null && index <= this.lastRingIndex) {
      finished = { ...this.current, cycleMs: atMs - this.current.startedMs };
      this.current = null;
    }
    this.current ??= { startedMs: atMs, cycleMs: 0, phases: [], greenMs: {}, callsServed: {}, pedServices: 0, gapOuts: 0, maxOuts: 0 };
    this.lastRingIndex = index;
    this.current.phases.push(phase);
    if (answeredCall) this.current.callsServed[phase] = (this.current.callsServed[phase] ?? 0) + 1;
    if (pedService) this.current.pedServices++;
    return finished;
  }

  greenEnded(phase: string, greenMs: number, reason: GreenEndReason): void {
    if (this.current === null) return;
    this.current.greenMs[phase] = (this.current.greenMs[phase] ?? 0) + greenMs;
    if (reason === 'gap-out') this.current.gapOuts++;
    if (reason === 'max-out') this.current.maxOuts++;
  }

  /** Flash, all red and startup interrupt the ring: the partial cycle is not a cycle. */
  reset(): void {
    this.current = null;
    this.lastRingIndex = -1;
  }
}
