import type { Clock } from '../../edge/hal/clock.js';
import { LAMP_ORDER, type LampSensor } from '../../edge/hal/lamp-sensor.js';
import type { SimGpioBinding } from '../sim-gpio.js';

/** Bit 0 is the stop lamp (red, don't walk); the top bit the right-of-way lamp (green, walk). */
const STOP_BIT = 1;

export interface LampConflictTotals {
  /**
   * Total ms during which two conflicting groups both showed something other than their stop lamp, one of
   * them green or walk. Two ambers together are the controller's flash (all approaches flash amber), so
   * they do not count on their own.
   */
  conflictMs: number;
  /** Separate conflict intervals. */
  conflicts: number;
  /** Monotonic ms of the first conflicting instant, or null. */
  firstConflictAtMs: number | null;
}

/**
 * Measures, at the lamps, how long conflicting groups were lit together: what road users would have
 * seen. It follows every output change of the simulated GPIO and reads the lamps' current sensing, so
 * burnt-out lamps and stuck outputs count as they light, not as commanded. While the flash-transfer relay
 * is released the cabinet's flasher drives the lamps, which is never a conflict.
 */
export class LampConflictMeter {
  private readonly pairs: Array<[string, string]>;
  private readonly kinds: Map<string, 'vehicle' | 'pedestrian'>;
  private conflictSinceMs: number | null = null;
  private totals: LampConflictTotals = { conflictMs: 0, conflicts: 0, firstConflictAtMs: null };
  private readonly detach: () => void;

  constructor(
    private readonly lamps: LampSensor,
    gpio: SimGpioBinding,
    conflicts: ReadonlyArray<readonly [string, string]>,
    private readonly clock: Clock,
  ) {
    this.kinds = new Map(lamps.groups.map((group) => [group.id, group.kind]));
    this.pairs = conflicts.map(([a, b]) => [a, b]);
    this.detach = gpio.onOutputChange(() => this.sample());
    this.sample();
  }

  /** Re-reads the lamps (call after a lamp fault that changes no pin, such as a burnt-out lamp). */
  sample(): void {
    const now = this.clock.monotonic();
    const conflicting = this.conflictingNow();
    if (conflicting && this.conflictSinceMs === null) {
      this.conflictSinceMs = now;
      this.totals.conflicts++;
      this.totals.firstConflictAtMs ??= now;
    } else if (!conflicting && this.conflictSinceMs !== null) {
      this.totals.conflictMs += now - this.conflictSinceMs;
      this.conflictSinceMs = null;
    }
  }

  /** Totals up to now (an interval still open is counted up to now). */
  read(): LampConflictTotals {
    const open = this.conflictSinceMs === null ? 0 : this.clock.monotonic() - this.conflictSinceMs;
    return { ...this.totals, conflictMs: this.totals.conflictMs + open };
  }

  stop(): void {
    this.sample();
    this.detach();
  }

  private conflictingNow(): boolean {
    let reading;
    try {
      reading = this.lamps.read();
    } catch {
      return this.conflictSinceMs !== null; // sensing failed: the lamps are as they were
    }
    if (reading.flashRelayEnergised === false) return false;
    for (const [a, b] of this.pairs) {
      const maskA = reading.lit[a] ?? 0;
      const maskB = reading.lit[b] ?? 0;
      if (this.shows(a, maskA, 'go') && this.shows(b, maskB, 'go') && (this.shows(a, maskA, 'right-of-way') || this.shows(b, maskB, 'right-of-way'))) return true;
    }
    return false;
  }

  /** 'go': any lamp but the stop lamp; 'right-of-way': the green or walk lamp. */
  private shows(group: string, mask: number, what: 'go' | 'right-of-way'): boolean {
    const kind = this.kinds.get(group);
    if (kind === undefined) return false;
    const lamps = LAMP_ORDER[kind].length;
    const bits = what === 'go' ? ((1 << lamps) - 1) & ~STOP_BIT : 1 << (lamps - 1);
    return (mask & bits) !== 0;
  }
}
