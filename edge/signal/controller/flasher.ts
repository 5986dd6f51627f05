/**
 * The flashing lamps' rhythm, derived from the clock rather than toggled by a timer, so every flashing
 * head is in step and a late tick cannot leave a lamp lit for a whole extra period.
 */
export class Flasher {
  constructor(private readonly halfPeriodMs = 500) {
    if (!(halfPeriodMs > 0)) throw new RangeError(`Flasher: halfPeriodMs must be > 0, got ${halfPeriodMs}`);
  }

  /** Whether flashing lamps are lit at this monotonic time (lit during the first half of each period). */
  isOn(monotonicMs: number): boolean {
    return Math.floor(monotonicMs / this.halfPeriodMs) % 2 === 0;
  }
}
