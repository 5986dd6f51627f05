import type { BlobList } from './blob-list.js';
import type { LineCounter } from './line-counter.js';
import type { VehicleSizeModel } from './vehicle-size-model.js';

export interface TrackerOptions {
  /** Most vehicles tracked at once. */
  capacity?: number;
  /** A track not seen for this long is lost (kept for relinking), ms. */
  maxCoastMs?: number;
  /** A lost track can be picked up again by a blob near where it was lost within this time, ms. */
  relinkMs?: number;
  /** Detections before a track may count (births from noise never count). */
  confirmHits?: number;
  /** Smallest association gate, working pixels. */
  minGatePx?: number;
}

export const TRACKER_DEFAULTS = {
  capacity: 96,
  maxCoastMs: 700,
  relinkMs: 2500,
  confirmHits: 3,
  minGatePx: 6,
} as const;

const FREE = 0;
const ACTIVE = 1;
const LOST = 2;

/**
 * Multi-object tracker for blobs: constant-velocity prediction, greedy nearest assignment inside a gate
 * that scales with the vehicle, merge handling (two tracks predicted inside one blob coast on their
 * predictions instead of collapsing into one), and relinking of lost tracks, so a vehicle that vanishes
 * for a moment at a stop line keeps its identity and is not counted again. All state is in typed arrays
 * allocated once.
 */
export class Tracker {
  readonly capacity: number;
  readonly state: Uint8Array;
  readonly id: Int32Array;
  readonly cx: Float64Array;
  readonly cy: Float64Array;
  /** Velocity, working pixels per ms. */
  readonly vx: Float64Array;
  readonly vy: Float64Array;
  readonly w: Float64Array;
  readonly h: Float64Array;
  /** Box size crossings are judged by: the track's own, or a whole vehicle's usual size there if larger. */
  readonly judgedW: Float64Array;
  readonly judgedH: Float64Array;
  readonly hits: Int32Array;
  readonly lastSeenMs: Float64Array;
  /** Whether the track was observed this frame (alone, or inside a merged blob). */
  readonly observed: Uint8Array;
  /** Whether the track was observed this frame as a blob of its own (not inside a merge). */
  readonly singly: Uint8Array;
  private readonly predictedX: Float64Array;
  private readonly predictedY: Float64Array;
  private readonly assigned: Uint8Array;
  private readonly blobUsed: Uint8Array;
  private readonly blobOwners: Int32Array;
  private readonly pairTrack: Int32Array;
  private readonly pairBlob: Int32Array;
  private readonly pairCost: Float64Array;
  private readonly pairOrder: Int32Array;
  private readonly options: Required<TrackerOptions>;
  private nextId = 1;
  private lastMs = Number.NaN;

  constructor(
    private readonly lines: LineCounter,
    private readonly sizes: VehicleSizeModel,
    blobCapacity: number,
    options: TrackerOptions = {},
  ) {
    this.options = { ...TRACKER_DEFAULTS, ...options };
    const n = (this.capacity = this.options.capacity);
    this.state = new Uint8Array(n);
    this.id = new Int32Array(n);
    this.cx = new Float64Array(n);
    this.cy = new Float64Array(n);
    this.vx = new Float64Array(n);
    this.vy = new Float64Array(n);
    this.w = new Float64Array(n);
    this.h = new Float64Array(n);
    this.judgedW = new Float64Array(n);
    this.judgedH = new Float64Array(n);
    this.hits = new Int32Array(n);
    this.lastSeenMs = new Float64Array(n);
    this.observed = new Uint8Array(n);
    this.singly = new Uint8Array(n);
    this.predictedX = new Float64Array(n);
    this.predictedY = new Float64Array(n);
    this.assigned = new Uint8Array(n);
    this.blobUsed = new Uint8Array(blobCapacity);
    this.blobOwners = new Int32Array(blobCapacity);
    const pairs = n * blobCapacity;
    this.pairTrack = new Int32Array(pairs);
    this.pairBlob = new Int32Array(pairs);
    this.pairCost = new Float64Array(pairs);
    this.pairOrder = new Int32Array(pairs);
    lines.bindTracks(this);
  }

  activeCount(): number {
    let active = 0;
    for (let t = 0; t < this.capacity; t++) if (this.state[t] === ACTIVE) active++;
    return active;
  }

  isActive(t: number): boolean {
    return this.state[t] === ACTIVE;
  }

  /**
   * One frame: predict, resolve merges, assign, coast or lose, adopt new blobs, then let the line counter
   * see the confirmed tracks. Split into small methods so each is optimised on its own: one large function
   * stays unoptimised longer, and unoptimised code boxes every float it touches (heap garbage per frame).
   */
  update(blobs: BlobList, tsMs: number, frame: number): void {
    const dt = Number.isNaN(this.lastMs) ? 0 : tsMs - this.lastMs;
    this.lastMs = tsMs;
    this.predict(dt);
    this.clearBlobMarks(blobs);
    this.resolveMerges(blobs, tsMs);
    this.assignNearest(blobs, dt, tsMs);
    this.coastOrLose(tsMs);
    this.adoptUnclaimed(blobs, tsMs);
    this.observeLines(frame, tsMs);
  }

  private predict(dt: number): void {
    const { capacity, state, cx, cy, vx, vy, predictedX, predictedY, assigned, observed, singly } = this;
    for (let t = 0; t < capacity; t++) {
      assigned[t] = 0;
      observed[t] = 0;
      singly[t] = 0;
      if (state[t] !== ACTIVE) continue;
      predictedX[t] = cx[t]! + vx[t]! * dt;
      predictedY[t] = cy[t]! + vy[t]! * dt;
    }
  }

  private clearBlobMarks(blobs: BlobList): void {
    for (let b = 0; b < blobs.count; b++) {
      this.blobUsed[b] = 0;
      this.blobOwners[b] = 0;
    }
  }

  /** A blob holding the predictions of two or more confirmed tracks is several vehicles touching. */
  private resolveMerges(blobs: BlobList, tsMs: number): void {
    const { capacity, state, hits, predictedX, predictedY, blobOwners, blobUsed } = this;
    const confirmHits = this.options.confirmHits;
    for (let t = 0; t < capacity; t++) {
      if (state[t] !== ACTIVE || hits[t]! < confirmHits) continue;
      const b = this.blobContaining(blobs, predictedX[t]!, predictedY[t]!);
      if (b >= 0) blobOwners[b]!++;
    }
    for (let t = 0; t < capacity; t++) {
      if (state[t] !== ACTIVE || hits[t]! < confirmHits) continue;
      const b = this.blobContaining(blobs, predictedX[t]!, predictedY[t]!);
      if (b < 0 || blobOwners[b]! < 2) continue;
      blobUsed[b] = 1;
      this.assigned[t] = 1;
      this.observed[t] = 1;
      this.cx[t] = clamp(predictedX[t]!, blobs.minX[b]!, blobs.maxX[b]! + 1);
      this.cy[t] = clamp(predictedY[t]!, blobs.minY[b]!, blobs.maxY[b]! + 1);
      hits[t]!++;
      this.lastSeenMs[t] = tsMs;
    }
  }

  /** Greedy nearest assignment inside a gate that grows with the vehicle. */
  private assignNearest(blobs: BlobList, dt: number, tsMs: number): void {
    const { capacity, state, assigned, blobUsed, predictedX, predictedY, pairTrack, pairBlob, pairCost, pairOrder } = this;
    const minGate = this.options.minGatePx;
    let pairs = 0;
    for (let t = 0; t < capacity; t++) {
      if (state[t] !== ACTIVE || assigned[t] === 1) continue;
      const size = Math.max(this.w[t]!, this.h[t]!);
      const px = predictedX[t]!;
      const py = predictedY[t]!;
      for (let b = 0; b < blobs.count; b++) {
        if (blobUsed[b] === 1) continue;
        const dx = blobs.centreX(b) - px;
        const dy = blobs.centreY(b) - py;
        const distance = Math.sqrt(dx * dx + dy * dy);
        const gate = Math.max(minGate, 0.6 * Math.max(size, blobs.width(b), blobs.height(b)));
        if (distance > gate) continue;
        pairTrack[pairs] = t;
        pairBlob[pairs] = b;
        pairCost[pairs] = distance;
        pairOrder[pairs] = pairs;
        pairs++;
      }
    }
    this.sortPairs(pairs);
    for (let k = 0; k < pairs; k++) {
      const p = pairOrder[k]!;
      const t = pairTrack[p]!;
      const b = pairBlob[p]!;
      if (assigned[t] === 1 || blobUsed[b] === 1) continue;
      assigned[t] = 1;
      blobUsed[b] = 1;
      this.measure(t, blobs, b, dt, tsMs);
    }
  }

  /** Tracks not seen coast on their prediction until they are lost; lost ones wait to be relinked. */
  private coastOrLose(tsMs: number): void {
    const { capacity, state, assigned, lastSeenMs } = this;
    const { relinkMs, maxCoastMs } = this.options;
    for (let t = 0; t < capacity; t++) {
      if (state[t] === LOST && tsMs - lastSeenMs[t]! > relinkMs) {
        state[t] = FREE;
        this.lines.release(t);
        continue;
      }
      if (state[t] !== ACTIVE || assigned[t] === 1) continue;
      this.cx[t] = this.predictedX[t]!;
      this.cy[t] = this.predictedY[t]!;
      if (tsMs - lastSeenMs[t]! > maxCoastMs) {
        state[t] = LOST;
        this.vx[t] = 0;
        this.vy[t] = 0;
      }
    }
  }

  /** Blobs nobody claimed: a lost vehicle found again, or a new one. */
  private adoptUnclaimed(blobs: BlobList, tsMs: number): void {
    for (let b = 0; b < blobs.count; b++) {
      if (this.blobUsed[b] === 1) continue;
      let t = this.relinkCandidate(blobs, b);
      if (t < 0) {
        t = this.freeSlot();
        if (t < 0) continue;
        this.id[t] = this.nextId++;
        this.hits[t] = 0;
        this.vx[t] = 0;
        this.vy[t] = 0;
        this.w[t] = blobs.width(b);
        this.h[t] = blobs.height(b);
        this.cx[t] = blobs.centreX(b);
        this.cy[t] = blobs.centreY(b);
        this.lines.reset(t);
      }
      this.state[t] = ACTIVE;
      this.assigned[t] = 1;
      this.measure(t, blobs, b, 0, tsMs);
    }
  }

  private observeLines(frame: number, tsMs: number): void {
    const { capacity, observed, hits, cy, judgedW, judgedH } = this;
    const confirmHits = this.options.confirmHits;
    this.lines.beginFrame(tsMs);
    for (let t = 0; t < capacity; t++) {
      if (observed[t] !== 1 || hits[t]! < confirmHits) continue;
      // A fragment of a vehicle is judged by the size a whole vehicle usually has there.
      judgedW[t] = Math.max(this.w[t]!, this.sizes.usualWidth(cy[t]!));
      judgedH[t] = Math.max(this.h[t]!, this.sizes.usualHeight(cy[t]!));
      this.lines.observe(t, frame);
    }
  }

  private measure(t: number, blobs: BlobList, b: number, dt: number, tsMs: number): void {
    const mx = blobs.centreX(b);
    const my = blobs.centreY(b);
    if (dt > 0 && this.hits[t]! > 0) {
      const gain = this.hits[t]! < 3 ? 0.7 : 0.35;
      this.vx[t] = this.vx[t]! + gain * ((mx - this.cx[t]!) / dt - this.vx[t]!);
      this.vy[t] = this.vy[t]! + gain * ((my - this.cy[t]!) / dt - this.vy[t]!);
    }
    this.cx[t] = mx;
    this.cy[t] = my;
    this.w[t] = this.w[t]! + 0.5 * (blobs.width(b) - this.w[t]!);
    this.h[t] = this.h[t]! + 0.5 * (blobs.height(b) - this.h[t]!);
    this.hits[t]!++;
    this.lastSeenMs[t] = tsMs;
    this.observed[t] = 1;
    this.singly[t] = 1;
  }

  private blobContaining(blobs: BlobList, x: number, y: number): number {
    let best = -1;
    let bestDistance = Infinity;
    for (let b = 0; b < blobs.count; b++) {
      if (x < blobs.minX[b]! || x > blobs.maxX[b]! + 1 || y < blobs.minY[b]! || y > blobs.maxY[b]! + 1) continue;
      const dx = blobs.centreX(b) - x;
      const dy = blobs.centreY(b) - y;
      const distance = dx * dx + dy * dy;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = b;
      }
    }
    return best;
  }

  private relinkCandidate(blobs: BlobList, b: number): number {
    let best = -1;
    let bestDistance = Infinity;
    const x = blobs.centreX(b);
    const y = blobs.centreY(b);
    for (let t = 0; t < this.capacity; t++) {
      if (this.state[t] !== LOST) continue;
      const dx = x - this.cx[t]!;
      const dy = y - this.cy[t]!;
      const distance = Math.sqrt(dx * dx + dy * dy);
      const gate = Math.max(this.options.minGatePx, 0.5 * Math.max(this.w[t]!, this.h[t]!));
      if (distance <= gate && distance < bestDistance) {
        bestDistance = distance;
        best = t;
      }
    }
    return best;
  }

  private freeSlot(): number {
    for (let t = 0; t < this.capacity; t++) if (this.state[t] === FREE) return t;
    // Full: reuse the longest-lost slot.
    let oldest = -1;
    for (let t = 0; t < this.capacity; t++) {
      if (this.state[t] === LOST && (oldest < 0 || this.lastSeenMs[t]! < this.lastSeenMs[oldest]!)) oldest = t;
    }
    if (oldest >= 0) this.lines.release(oldest);
    return oldest;
  }

  /** Insertion sort of pair indices by cost: pairs are few, and it allocates nothing. */
  private sortPairs(n: number): void {
    const order = this.pairOrder;
    const cost = this.pairCost;
    for (let i = 1; i < n; i++) {
      const item = order[i]!;
      const key = cost[item]!;
      let j = i - 1;
      while (j >= 0 && cost[order[j]!]! > key) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = item;
    }
  }
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}
