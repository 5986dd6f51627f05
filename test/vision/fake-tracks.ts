import v8 from 'node:v8';
import vm from 'node:vm';
import type { TrackView } from '../../edge/vision/track-view.js';

/** A hand-driven track table with the tracker's field names, for feeding monitors without images. */
export class FakeTracks implements TrackView {
  readonly active: Uint8Array;
  readonly id: Int32Array;
  readonly cx: Float64Array;
  readonly cy: Float64Array;
  readonly w: Float64Array;
  readonly h: Float64Array;
  readonly vx: Float64Array;
  readonly vy: Float64Array;
  readonly observed: Uint8Array;
  /** 1 after set() or a measured move; step() (pure extrapolation, as inside a merged blob) clears it. */
  readonly measured: Uint8Array;
  readonly hits: Int32Array;

  constructor(readonly capacity: number) {
    this.active = new Uint8Array(capacity);
    this.id = new Int32Array(capacity);
    this.cx = new Float64Array(capacity);
    this.cy = new Float64Array(capacity);
    this.w = new Float64Array(capacity);
    this.h = new Float64Array(capacity);
    this.vx = new Float64Array(capacity);
    this.vy = new Float64Array(capacity);
    this.observed = new Uint8Array(capacity);
    this.measured = new Uint8Array(capacity);
    this.hits = new Int32Array(capacity);
  }

  isActive(t: number): boolean {
    return this.active[t] === 1;
  }

  /** Puts a confirmed, observed track in slot t; velocity in working px per ms. */
  set(t: number, id: number, cx: number, cy: number, vx = 0, vy = 0, w = 4, h = 4): void {
    this.active[t] = 1;
    this.observed[t] = 1;
    this.measured[t] = 1;
    this.hits[t] = 10;
    this.id[t] = id;
    this.cx[t] = cx;
    this.cy[t] = cy;
    this.vx[t] = vx;
    this.vy[t] = vy;
    this.w[t] = w;
    this.h[t] = h;
  }

  /** Moves slot t on by its velocity over dtMs, as the tracker extrapolates a track inside a merged blob. */
  step(t: number, dtMs: number): void {
    this.cx[t]! += this.vx[t]! * dtMs;
    this.cy[t]! += this.vy[t]! * dtMs;
    this.measured[t] = 0;
  }

  remove(t: number): void {
    this.active[t] = 0;
    this.observed[t] = 0;
    this.measured[t] = 0;
  }
}

/**
 * Heap growth over `calls` calls of fn, bytes, measured in rounds after a full collection each: the least
 * of them. Rounds go on (up to maxRounds) until one grows by less than 4 bytes a call, because the first
 * rounds can still include the optimising compiler's work and unoptimised code boxing doubles; an
 * allocation in every call (16 bytes at the least) never gets below that, in any round.
 */
export function heapGrowth(fn: (i: number) => void, calls = 10_000, maxRounds = 12): number {
  let i = 0;
  for (; i < 3 * calls; i += BATCH) runBatch(fn, i);
  let least = Infinity;
  for (let round = 0; round < maxRounds && least >= 4 * calls; round++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (const end = i + calls; i < end; i += BATCH) runBatch(fn, i);
    least = Math.min(least, process.memoryUsage().heapUsed - before);
  }
  return least;
}

// Calls run in short batches from their own small function, so fn and the code under test tier up as
// they would in a frame loop; one long loop would be compiled on-stack, inlining fn, and every deopt of
// that at the end of a round would drop fn back to the interpreter, which boxes doubles on the heap.
const BATCH = 100;
function runBatch(fn: (i: number) => void, from: number): void {
  for (let i = from; i < from + BATCH; i++) fn(i);
}

// A full collection before measuring, so a collection during the measured calls is unlikely to hide
// allocations; V8 hands out its gc function to a fresh context once the flag is set.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
