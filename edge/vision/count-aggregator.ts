import type { CountsMessage } from '../../protocol/index.js';

/** The body of a `counts` message: the message without its envelope. */
export type CountsPeriod = Omit<CountsMessage, 'v' | 'node' | 'boot' | 'ts' | 'seq'>;

/** Running line totals, as `LineCounter` keeps them. */
export interface LineTotalsView {
  readonly lr: Int32Array;
  readonly rl: Int32Array;
}

/** Current zone values, as `ZoneMonitor` keeps them. */
export interface ZoneStatsView {
  /** Fraction 0..1 in the last frame. */
  readonly occupancy: Float64Array;
  /** Running visit totals. */
  readonly volume: Int32Array;
  /** Current queue, metres; NaN when not measured. */
  readonly queueM: Float64Array;
}

export interface CountAggregatorOptions {
  /** Camera id the counts belong to. */
  camera: string;
  lineNames: readonly string[];
  zoneNames?: readonly string[];
  /** Period length, s; periods start at multiples of it since the Unix epoch. */
  periodS?: number;
  /** Wall clock, ms since the Unix epoch. */
  now: () => number;
}

export type PeriodListener = (period: CountsPeriod) => void;

/**
 * Turns the running totals of the line counter and zone monitor into per-period counts aligned to the
 * wall clock (a 60 s period starts on the minute). Call sample() once per processed frame; it returns the
 * finished period when the clock has moved into a new one (and hands it to the onPeriod listeners). Call
 * poll() from a timer too, so a period is closed on time even when frames stop.
 *
 * A sample belongs to the period in which it is taken. The first period after construction is partial: it
 * starts at the first sample, and its periodS is its true length rounded up to whole seconds, so
 * [periodStart, periodStart + periodS) covers what was counted. Zone occupancy is the mean over the
 * period's samples, volume the visits that started in it, queueM the longest queue seen (only when the
 * zone measures one in metres). A period without any sample (no frames) is not reported: zeros would
 * claim traffic was counted. sample() allocates nothing unless a period ends.
 */
export class CountAggregator {
  readonly periodMs: number;
  private readonly camera: string;
  private readonly lineNames: readonly string[];
  private readonly zoneNames: readonly string[];
  private readonly now: () => number;
  private readonly lastLr: Int32Array;
  private readonly lastRl: Int32Array;
  private readonly lr: Int32Array;
  private readonly rl: Int32Array;
  private readonly lastVolume: Int32Array;
  private readonly volume: Int32Array;
  private readonly occupancySum: Float64Array;
  private readonly maxQueueM: Float64Array;
  private readonly listeners: PeriodListener[] = [];
  /** Start of the current period's aligned slot, ms; NaN before the first sample. */
  private slotStartMs = Number.NaN;
  /** When counting in the current period began: the slot start, or later for the first period. */
  private startMs = Number.NaN;
  private samples = 0;

  constructor(options: CountAggregatorOptions) {
    const periodS = options.periodS ?? 60;
    if (!Number.isInteger(periodS) || periodS < 1) throw new Error(`periodS: must be an integer >= 1, got ${periodS}`);
    this.periodMs = periodS * 1000;
    this.camera = options.camera;
    this.lineNames = options.lineNames;
    this.zoneNames = options.zoneNames ?? [];
    this.now = options.now;
    const lines = this.lineNames.length;
    const zones = this.zoneNames.length;
    this.lastLr = new Int32Array(lines);
    this.lastRl = new Int32Array(lines);
    this.lr = new Int32Array(lines);
    this.rl = new Int32Array(lines);
    this.lastVolume = new Int32Array(zones);
    this.volume = new Int32Array(zones);
    this.occupancySum = new Float64Array(zones);
    this.maxQueueM = new Float64Array(zones).fill(Number.NaN);
  }

  onPeriod(listener: PeriodListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Adds the counts since the previous sample. The first call only takes the baseline totals: what the
   * counters held before counting started does not belong to any period.
   */
  sample(lines: LineTotalsView, zones?: ZoneStatsView): CountsPeriod | undefined {
    const nowMs = this.now();
    const first = Number.isNaN(this.slotStartMs);
    const finished = first ? undefined : this.poll(nowMs);
    if (first) {
      this.slotStartMs = this.slotOf(nowMs);
      this.startMs = nowMs;
    }
    for (let l = 0; l < this.lineNames.length; l++) {
      const lr = lines.lr[l]!;
      const rl = lines.rl[l]!;
      if (!first) {
        this.lr[l]! += increase(this.lastLr[l]!, lr);
        this.rl[l]! += increase(this.lastRl[l]!, rl);
      }
      this.lastLr[l] = lr;
      this.lastRl[l] = rl;
    }
    if (zones !== undefined) {
      for (let z = 0; z < this.zoneNames.length; z++) {
        const volume = zones.volume[z]!;
        if (!first) this.volume[z]! += increase(this.lastVolume[z]!, volume);
        this.lastVolume[z] = volume;
        this.occupancySum[z]! += zones.occupancy[z]!;
        const queue = zones.queueM[z]!;
        if (!Number.isNaN(queue) && !(queue <= this.maxQueueM[z]!)) this.maxQueueM[z] = queue;
      }
    }
    this.samples++;
    return finished;
  }

  /** Closes the current period if the clock has left it; returns it when it had samples. */
  poll(nowMs: number = this.now()): CountsPeriod | undefined {
    if (Number.isNaN(this.slotStartMs)) return undefined;
    const slot = this.slotOf(nowMs);
    if (slot === this.slotStartMs) return undefined;
    // Forward: the period ran to its end. Backward (the wall clock was stepped back): it ends now.
    const endMs = slot > this.slotStartMs ? this.slotStartMs + this.periodMs : Math.max(nowMs, this.startMs);
    const period = this.close(endMs, slot);
    this.slotStartMs = slot;
    return period;
  }

  /**
   * Ends the current period now, partial (a stop, a camera reconfigured), reporting it if it had samples.
   * Counting then continues in the rest of the current slot.
   */
  flush(nowMs: number = this.now()): CountsPeriod | undefined {
    if (Number.isNaN(this.slotStartMs)) return undefined;
    return this.close(Math.max(nowMs, this.startMs), nowMs);
  }

  /** Reports the period so far as ending at endMs (if it had samples) and starts the next at nextStartMs. */
  private close(endMs: number, nextStartMs: number): CountsPeriod | undefined {
    const period = this.samples > 0 ? this.report(endMs) : undefined;
    this.startMs = nextStartMs;
    this.samples = 0;
    this.lr.fill(0);
    this.rl.fill(0);
    this.volume.fill(0);
    this.occupancySum.fill(0);
    this.maxQueueM.fill(Number.NaN);
    if (period !== undefined) for (const listener of [...this.listeners]) listener(period);
    return period;
  }

  private slotOf(ms: number): number {
    return Math.floor(ms / this.periodMs) * this.periodMs;
  }

  private report(endMs: number): CountsPeriod {
    const periodStart = Math.floor(this.startMs);
    const full = periodStart === this.slotStartMs && endMs === this.slotStartMs + this.periodMs;
    const periodS = full ? this.periodMs / 1000 : Math.max(1, Math.ceil((endMs - periodStart) / 1000));
    const lines: CountsPeriod['lines'] = {};
    this.lineNames.forEach((name, l) => {
      lines[name] = { lr: this.lr[l]!, rl: this.rl[l]! };
    });
    const period: CountsPeriod = { camera: this.camera, periodStart, periodS, lines };
    if (this.zoneNames.length > 0) {
      const zones: NonNullable<CountsPeriod['zones']> = {};
      this.zoneNames.forEach((name, z) => {
        const occupancyPct = Math.min(100, Math.max(0, round1((100 * this.occupancySum[z]!) / this.samples)));
        const queue = this.maxQueueM[z]!;
        zones[name] = Number.isNaN(queue) ? { occupancyPct, volume: this.volume[z]! } : { occupancyPct, volume: this.volume[z]!, queueM: round1(queue) };
      });
      period.zones = zones;
    }
    return period;
  }
}

/** Growth of a running total; a total that went down was restarted from zero, so all of it is new. */
function increase(previous: number, current: number): number {
  return current >= previous ? current - previous : current;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
