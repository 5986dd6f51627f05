import type { GroundPlane } from './ground-plane.js';

/** Speeds are measured between the two lines of a pair, by the name the config gives the pair. */
export interface SpeedPair {
  name: string;
  /** Indices of the two count lines, in either order of travel. */
  lines: readonly [number, number];
}

/** One period's speeds on a pair: how many vehicles, their mean and 85th percentile (the design speed measure), the slowest and fastest; km/h. */
export interface SpeedStats {
  vehicles: number;
  meanKmh: number | null;
  p85Kmh: number | null;
  minKmh: number | null;
  maxKmh: number | null;
}

export interface SpeedMeterOptions {
  /** A track that reaches the second line later than this after the first was stopped between them (a queue): no speed. */
  maxIntervalMs?: number;
  /** Speeds outside this range are measurement faults (a track that jumped), not vehicles. */
  minKmh?: number;
  maxKmh?: number;
}

interface Pending {
  line: number;
  tsMs: number;
  x: number;
  y: number;
}

/**
 * Spot speeds from count-line crossings: a track that crosses one line of a pair and then the other
 * travelled the ground distance between its two crossing points (through the camera's GroundPlane) in
 * the time between them. Main-thread bookkeeping on crossings, which are rare: it may allocate.
 */
export class SpeedMeter {
  private readonly pending: Array<Map<number, Pending>>;
  private readonly samples: number[][];
  private readonly options: Required<SpeedMeterOptions>;
  /** Speeds dropped as outside [minKmh, maxKmh]. */
  rejected = 0;

  constructor(
    private readonly pairs: readonly SpeedPair[],
    private readonly ground: GroundPlane,
    options: SpeedMeterOptions = {},
  ) {
    this.options = { maxIntervalMs: 20_000, minKmh: 2, maxKmh: 200, ...options };
    this.pending = pairs.map(() => new Map());
    this.samples = pairs.map(() => []);
  }

  /** A counted crossing of line `line` by track `trackId` at tsMs, at (x, y) in source pixels. */
  crossing(line: number, trackId: number, tsMs: number, x: number, y: number): void {
    this.pairs.forEach((pair, p) => {
      if (pair.lines[0] !== line && pair.lines[1] !== line) return;
      const pending = this.pending[p]!;
      for (const [id, entry] of pending) if (tsMs - entry.tsMs > this.options.maxIntervalMs) pending.delete(id);
      const first = pending.get(trackId);
      if (first === undefined || first.line === line) {
        pending.set(trackId, { line, tsMs, x, y });
        return;
      }
      pending.delete(trackId);
      const seconds = (tsMs - first.tsMs) / 1000;
      if (!(seconds > 0)) return;
      const kmh = (this.ground.distanceM(first, { x, y }) / seconds) * 3.6;
      if (kmh < this.options.minKmh || kmh > this.options.maxKmh) this.rejected++;
      else this.samples[p]!.push(kmh);
    });
  }

  /** The speeds measured since the last call, per pair name; then starts a new period. */
  takePeriod(): Record<string, SpeedStats> {
    const result: Record<string, SpeedStats> = {};
    this.pairs.forEach((pair, p) => {
      const speeds = this.samples[p]!.sort((a, b) => a - b);
      this.samples[p] = [];
      const n = speeds.length;
      const round = (kmh: number) => Math.round(kmh * 10) / 10;
      result[pair.name] =
        n === 0
          ? { vehicles: 0, meanKmh: null, p85Kmh: null, minKmh: null, maxKmh: null }
          : {
              vehicles: n,
              meanKmh: round(speeds.reduce((sum, kmh) => sum + kmh, 0) / n),
              p85Kmh: round(speeds[Math.ceil(0.85 * n) - 1]!),
              minKmh: round(speeds[0]!),
              maxKmh: round(speeds[n - 1]!),
            };
    });
    return result;
  }
}
