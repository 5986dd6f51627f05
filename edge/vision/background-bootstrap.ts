import { FRAME_TS, type FrameClock } from './frame-clock.js';

export interface BackgroundBootstrapOptions {
  /** Frames sampled, evenly over the span (odd, so the median is one of them). */
  samples?: number;
  /** The span the samples cover, ms. */
  spanMs?: number;
}

export const BOOTSTRAP_DEFAULTS = { samples: 15, spanMs: 20_000 } as const;

/**
 * The background a camera starts with, built from the per-pixel median of frames sampled over its first
 * seconds. A node starts (or relearns after a sudden change) with traffic in view: the fast warm-up
 * learning burns every vehicle there into the background, and each leaves a ghost for minutes when it
 * drives off (at the slow foreground rate), into which the vehicles passing that place merge. A vehicle
 * passing a pixel in under half the span is not in the median; one standing there longer still is.
 *
 * The pipeline offers it frames; at a third of the samples, and again at all of them, the median is ready
 * to be installed as the background. Memory: `samples` working frames. Nothing is allocated after the
 * constructor.
 */
export class BackgroundBootstrap {
  readonly median: Uint8Array;
  private readonly stack: Uint8Array;
  private readonly column: Uint8Array;
  private readonly samples: number;
  private readonly intervalMs: number;
  private readonly firstInstall: number;
  private taken = 0;
  private nextSampleMs = Number.NaN;

  constructor(
    private readonly pixels: number,
    options: BackgroundBootstrapOptions = {},
  ) {
    const { samples, spanMs } = { ...BOOTSTRAP_DEFAULTS, ...options };
    if (!(Number.isInteger(samples) && samples >= 3 && samples % 2 === 1)) throw new RangeError('bootstrap samples: an odd integer, at least 3');
    if (!(spanMs > 0)) throw new RangeError('bootstrap spanMs: a positive number');
    this.samples = samples;
    this.intervalMs = spanMs / (samples - 1);
    this.firstInstall = Math.ceil(samples / 3) | 1;
    this.stack = new Uint8Array(samples * pixels);
    this.column = new Uint8Array(samples);
    this.median = new Uint8Array(pixels);
  }

  /** Whether sampling is over (until restart()). */
  get done(): boolean {
    return this.taken >= this.samples;
  }

  /** Starts over, e.g. after the motion stage relearned from one frame after a sudden change. */
  restart(): void {
    this.taken = 0;
    this.nextSampleMs = Number.NaN;
  }

  /** Whether the frame the clock holds is to be sampled (call take() with it then). */
  wants(clock: FrameClock): boolean {
    if (this.taken >= this.samples) return false;
    const tsMs = clock[FRAME_TS]!;
    if (Number.isNaN(this.nextSampleMs)) this.nextSampleMs = tsMs;
    return tsMs >= this.nextSampleMs;
  }

  /**
   * Samples a working frame (pixels bytes). Returns true when `median` was just computed and should be
   * installed as the background: at a third of the samples (a better start than the warm-up's), then at
   * all of them.
   */
  take(frame: Uint8Array): boolean {
    this.stack.set(frame.length === this.pixels ? frame : frame.subarray(0, this.pixels), this.taken * this.pixels);
    this.taken++;
    this.nextSampleMs += this.intervalMs;
    if (this.taken !== this.firstInstall && this.taken !== this.samples) return false;
    this.computeMedian(this.taken);
    return true;
  }

  /** Per pixel, the median of the first n samples (n odd): an insertion sort of n bytes. */
  private computeMedian(n: number): void {
    const { stack, column, median, pixels } = this;
    const middle = n >> 1;
    for (let i = 0; i < pixels; i++) {
      for (let k = 0; k < n; k++) {
        const value = stack[k * pixels + i]!;
        let j = k;
        while (j > 0 && column[j - 1]! > value) {
          column[j] = column[j - 1]!;
          j--;
        }
        column[j] = value;
      }
      median[i] = column[middle]!;
    }
  }
}
