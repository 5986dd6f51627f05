import { CUT_BOTTOM, CUT_TOP, type BlobList } from './blob-list.js';
import { FRAME_INDEX, FRAME_TS, createFrameClock, setFrameClock, type FrameClock } from './frame-clock.js';
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
  /**
   * A measurement of a changed shape further than this fraction of the track's size from its prediction
   * is a change of segmentation (blobs merging or splitting), not motion: the track moves there but its
   * velocity is kept.
   */
  jumpFraction?: number;
  /** Time constant of the sustained (whole-box) velocity that crossing directions must agree with, ms. */
  sustainedMs?: number;
  /**
   * The image the blobs come from (working pixels): a track whose blob was last seen against its edge,
   * moving out, has left the picture and is not kept for relinking. 0 × 0: unknown, every track is kept.
   */
  frameWidth?: number;
  frameHeight?: number;
}

export const TRACKER_DEFAULTS = {
  capacity: 96,
  maxCoastMs: 700,
  relinkMs: 2500,
  confirmHits: 3,
  minGatePx: 6,
  jumpFraction: 0.3,
  sustainedMs: 1000,
  frameWidth: 0,
  frameHeight: 0,
} as const;
/** Moving out of the picture: at least this fast toward the edge its blob touches, working px per ms (about 5 px/s). */
const LEAVING_MIN_SPEED = 0.005;

/** A blob whose width or height differs from the track's by more than this fraction has changed shape. */
const RESHAPE_FRACTION = 0.1;
/**
 * Two tracks in one blob whose boxes overlap by this fraction of the smaller are one vehicle (twinOfOwner).
 * Simulator seeds +0 to +5000: 0.6 took the count error from 9.7 to 8.9 %; 0.4 and 0.5 did better on the
 * safety events but lost hand-counted crossings on the real clip, where vehicles overlap in the image.
 */
const TWIN_OVERLAP = 0.6;
/**
 * A blob within this factor of the usual vehicle's width and height at its row holds one vehicle, whatever
 * tracks are predicted in it: two vehicles touching make a blob longer or wider than that. Placed there as
 * a merge, a car kept three tracks from its queue (each at its own prediction, none measured) and none
 * counted it. Simulator seeds +0..+5000: wrong counts 518 -> 500, per-crossing failures 2,342 -> 2,130;
 * 1.3: 499 and 2,219; the largest track's own box instead of the usual size: 518 and 2,324. Real clip: 28
 * counted (3 missed, 5 extra) -> 26 (1 missed, none extra). Safety events (+0..+3000): 111 -> 118 found
 * of 130, false reports 15 -> 13.
 */
const ONE_VEHICLE_FACTOR = 1.5;
const CLOCK_TS = 0;
const CLOCK_DT = 1;
const FREE = 0;
const ACTIVE = 1;
const LOST = 2;

/**
 * Multi-object tracker for blobs: constant-velocity prediction, greedy nearest assignment inside a gate
 * that scales with the vehicle, merge handling (two tracks predicted inside one blob coast on their
 * predictions instead of collapsing into one), and relinking of lost tracks, so a vehicle that vanishes
 * for a moment at a stop line keeps its identity and is not counted again (not one that drove out of the
 * picture: given the frame size, a track last seen against the image's edge moving out ends there). All
 * state is in typed arrays allocated once.
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
  /**
   * Velocity of the box as a whole, low-passed over about a second of smooth measurements (working px
   * per ms): how the vehicle has really been moving, which box jitter, merge/split jumps and a queue blob
   * growing at its back do not change.
   */
  readonly sustainedVx: Float64Array;
  readonly sustainedVy: Float64Array;
  /** Each box edge's velocity low-passed the same way (left, right, top, bottom); a vehicle moves all of them. */
  private readonly edgeV: Float64Array;
  /** The box edges at the last measurement (left, right, top, bottom) and when it was, for edge velocities. */
  private readonly edgeAt: Float64Array;
  private readonly edgeMs: Float64Array;
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
  /** When the track was last observed as a blob of its own (ms; -Infinity if never). */
  readonly singlyMs: Float64Array;
  /**
   * Whether the track's position this frame came from a blob of its own (alone or a piece cut from a
   * queue): 0 while it coasts, or sits inside a merged blob at its prediction or at the blob's front edge.
   */
  readonly measured: Uint8Array;
  /** 1 when the track's last blob touched the image's edge and it was moving out through it. */
  private readonly leaving: Uint8Array;
  /** When the track was last measured (see `measured`), ms. */
  private readonly measuredMs: Float64Array;
  private readonly predictedX: Float64Array;
  private readonly predictedY: Float64Array;
  private readonly assigned: Uint8Array;
  private readonly blobUsed: Uint8Array;
  private readonly blobOwners: Int32Array;
  /** The merged blob each track was placed in this frame (resolveMerges), or -1. */
  private readonly mergedIn: Int32Array;
  /** The blob holding each confirmed track's prediction this frame (resolveMerges), or -1. */
  private readonly inBlob: Int32Array;
  /** Per blob: the track lowest in it and that track's bottom edge (anchorFronts). */
  private readonly frontOf: Int32Array;
  private readonly frontBottom: Float64Array;
  private readonly pairTrack: Int32Array;
  private readonly pairBlob: Int32Array;
  private readonly pairCost: Float64Array;
  private readonly pairOrder: Int32Array;
  private readonly options: Required<TrackerOptions>;
  private nextId = 1;
  /** This frame's time and interval since the last one (CLOCK_TS, CLOCK_DT), ms. */
  private readonly clock = new Float64Array(2);
  private lastMs = Number.NaN;
  /** For update() with the time as numbers. */
  private readonly frameClock = createFrameClock();

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
    this.sustainedVx = new Float64Array(n);
    this.sustainedVy = new Float64Array(n);
    this.edgeV = new Float64Array(n * 4);
    this.edgeAt = new Float64Array(n * 4);
    this.edgeMs = new Float64Array(n).fill(-Infinity);
    this.w = new Float64Array(n);
    this.h = new Float64Array(n);
    this.judgedW = new Float64Array(n);
    this.judgedH = new Float64Array(n);
    this.hits = new Int32Array(n);
    this.lastSeenMs = new Float64Array(n);
    this.observed = new Uint8Array(n);
    this.singly = new Uint8Array(n);
    this.leaving = new Uint8Array(n);
    this.measuredMs = new Float64Array(n).fill(-Infinity);
    this.singlyMs = new Float64Array(n).fill(-Infinity);
    this.measured = new Uint8Array(n);
    this.predictedX = new Float64Array(n);
    this.predictedY = new Float64Array(n);
    this.assigned = new Uint8Array(n);
    this.blobUsed = new Uint8Array(blobCapacity);
    this.blobOwners = new Int32Array(blobCapacity);
    this.mergedIn = new Int32Array(n).fill(-1);
    this.inBlob = new Int32Array(n).fill(-1);
    this.frontOf = new Int32Array(blobCapacity);
    this.frontBottom = new Float64Array(blobCapacity);
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
    this.updateAt(blobs, setFrameClock(this.frameClock, tsMs, frame));
  }

  /** update() at the frame the clock holds (no float argument: see FrameClock). */
  updateAt(blobs: BlobList, frameClock: FrameClock): void {
    const tsMs = frameClock[FRAME_TS]!;
    const frame = frameClock[FRAME_INDEX]!;
    const dt = Number.isNaN(this.lastMs) ? 0 : tsMs - this.lastMs;
    this.lastMs = tsMs;
    // The steps read the frame's time from a typed array: a float passed as an argument is boxed (heap garbage per frame).
    this.clock[CLOCK_TS] = tsMs;
    this.clock[CLOCK_DT] = dt;
    this.predict();
    this.clearBlobMarks(blobs);
    this.resolveMerges(blobs);
    this.assignNearest(blobs);
    this.coastOrLose();
    this.adoptUnclaimed(blobs);
    this.observeLines(frame);
  }

  private predict(): void {
    const dt = this.clock[CLOCK_DT]!;
    const { capacity, state, cx, cy, vx, vy, predictedX, predictedY, assigned, observed, singly } = this;
    for (let t = 0; t < capacity; t++) {
      assigned[t] = 0;
      observed[t] = 0;
      singly[t] = 0;
      this.measured[t] = 0;
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

  /**
   * A blob holding the predictions of two or more confirmed tracks is several vehicles touching, unless it
   * is no bigger than one vehicle there (oneVehicleBig): then it is one vehicle carrying stale or doubled
   * tracks, and goes to the nearest of them in assignNearest (the others coast and are lost).
   */
  private resolveMerges(blobs: BlobList): void {
    const tsMs = this.clock[CLOCK_TS]!;
    const { capacity, state, hits, predictedX, predictedY, blobOwners, blobUsed } = this;
    const confirmHits = this.options.confirmHits;
    const inBlob = this.inBlob;
    for (let t = 0; t < capacity; t++) {
      inBlob[t] = state[t] !== ACTIVE || hits[t]! < confirmHits ? -1 : this.blobContaining(blobs, t);
    }
    for (let t = 0; t < capacity; t++) {
      const b = inBlob[t]!;
      if (b >= 0 && !this.twinOfOwner(t, b)) blobOwners[b]!++;
    }
    for (let b = 0; b < blobs.count; b++) if (blobOwners[b]! >= 2 && this.oneVehicleBig(blobs, b)) blobOwners[b] = 1;
    for (let t = 0; t < capacity; t++) {
      this.mergedIn[t] = -1;
      const b = inBlob[t]!;
      if (b < 0 || blobOwners[b]! < 2) continue;
      this.mergedIn[t] = b;
      blobUsed[b] = 1;
      this.assigned[t] = 1;
      this.observed[t] = 1;
      this.cx[t] = clamp(predictedX[t]!, blobs.minX[b]!, blobs.maxX[b]! + 1);
      this.cy[t] = clamp(predictedY[t]!, blobs.minY[b]!, blobs.maxY[b]! + 1);
      hits[t]!++;
      this.lastSeenMs[t] = tsMs;
    }
    this.anchorFronts(blobs);
  }

  /**
   * Whether blob b is no bigger than one vehicle at its row: within ONE_VEHICLE_FACTOR of the usual width
   * and height there (false while the size model has not learned that row).
   */
  private oneVehicleBig(blobs: BlobList, b: number): boolean {
    const y = (blobs.minY[b]! + blobs.maxY[b]! + 1) * 0.5;
    const usualWidth = this.sizes.usualWidth(y);
    return (
      usualWidth > 0 &&
      blobs.maxX[b]! - blobs.minX[b]! + 1 <= ONE_VEHICLE_FACTOR * usualWidth &&
      blobs.maxY[b]! - blobs.minY[b]! + 1 <= ONE_VEHICLE_FACTOR * this.sizes.usualHeight(y)
    );
  }

  /**
   * Whether track t, predicted inside blob b, sits on another track predicted there that owns it: one
   * with more hits (or as many, in an earlier slot) whose box overlaps t's by TWIN_OVERLAP of the smaller.
   * Two such tracks are one vehicle tracked twice (split by a lane divider or a shadow on entry), not two
   * vehicles touching: counted as two owners, they made the blob a merge, in which both coasted unmeasured
   * while their vehicle drove on.
   */
  private twinOfOwner(t: number, b: number): boolean {
    const { capacity, inBlob, hits, predictedX, predictedY, w, h } = this;
    for (let u = 0; u < capacity; u++) {
      if (u === t || inBlob[u] !== b) continue;
      if (hits[u]! < hits[t]! || (hits[u] === hits[t] && u > t)) continue;
      const ix = Math.min(predictedX[t]! + 0.5 * w[t]!, predictedX[u]! + 0.5 * w[u]!) - Math.max(predictedX[t]! - 0.5 * w[t]!, predictedX[u]! - 0.5 * w[u]!);
      const iy = Math.min(predictedY[t]! + 0.5 * h[t]!, predictedY[u]! + 0.5 * h[u]!) - Math.max(predictedY[t]! - 0.5 * h[t]!, predictedY[u]! - 0.5 * h[u]!);
      if (ix > 0 && iy > 0 && ix * iy >= TWIN_OVERLAP * Math.min(w[t]! * h[t]!, w[u]! * h[u]!)) return true;
    }
    return false;
  }

  /**
   * In a blob holding several tracks, the one lowest in the image has nothing below it: the blob's bottom
   * edge is its own, seen, while the others sit at their predictions. Inbound traffic runs down the image,
   * so that edge is the front of a queue or platoon, and it moves first when the queue pulls away (a
   * vehicle moving inside a merge would otherwise be left behind by a track standing at its prediction).
   * Measured on the simulator (seeds +0 to +3000): anchoring the top edge of the highest track too, or only
   * for tracks moving up, did worse.
   */
  private anchorFronts(blobs: BlobList): void {
    const { capacity, mergedIn, frontOf, frontBottom, cy, h } = this;
    for (let b = 0; b < blobs.count; b++) {
      frontOf[b] = -1;
      frontBottom[b] = -Infinity;
    }
    for (let t = 0; t < capacity; t++) {
      const b = mergedIn[t]!;
      if (b < 0) continue;
      const bottom = cy[t]! + 0.5 * h[t]!;
      if (bottom > frontBottom[b]!) {
        frontBottom[b] = bottom;
        frontOf[b] = t;
      }
    }
    for (let b = 0; b < blobs.count; b++) {
      const t = frontOf[b]!;
      if (t < 0) continue;
      const anchored = blobs.maxY[b]! + 1 - 0.5 * h[t]!;
      // At most half its height a frame: an edge further off is mostly something else's (a shadow, a
      // vehicle joining the blob from below), and following it at once counted crossings early on the real clip.
      const limit = 0.5 * h[t]!;
      const shift = anchored - cy[t]!;
      cy[t] = cy[t]! + (shift > limit ? limit : shift < -limit ? -limit : shift);
    }
  }

  /** Greedy nearest assignment inside a gate that grows with the vehicle. */
  private assignNearest(blobs: BlobList): void {
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
      this.measure(t, blobs, b, true);
    }
  }

  /** Tracks not seen coast on their prediction until they are lost; lost ones wait to be relinked. */
  private coastOrLose(): void {
    const tsMs = this.clock[CLOCK_TS]!;
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
        // Gone out of the picture, not hidden: kept for relinking where it vanished, at the image's edge,
        // it took a piece of the next vehicle's blob there, and that vehicle's track stalled before its
        // count line (simulator seeds +0 to +5000: 556 → 534 wrong counts). Freed at once when unseen
        // (not after coasting) it did worse (569): a blob half out of the picture flickers.
        if (this.leaving[t] === 1) {
          state[t] = FREE;
          this.lines.release(t);
          continue;
        }
        state[t] = LOST;
        this.vx[t] = 0;
        this.vy[t] = 0;
      }
    }
  }

  /** Blobs nobody claimed: a lost vehicle found again, or a new one. */
  private adoptUnclaimed(blobs: BlobList): void {
    for (let b = 0; b < blobs.count; b++) {
      if (this.blobUsed[b] === 1) continue;
      let t = this.relinkCandidate(blobs, b);
      if (t < 0) {
        t = this.freeSlot();
        if (t < 0) continue;
        this.id[t] = this.nextId++;
        this.hits[t] = 0;
        this.singlyMs[t] = -Infinity;
        this.vx[t] = 0;
        this.vy[t] = 0;
        this.sustainedVx[t] = 0;
        this.sustainedVy[t] = 0;
        this.edgeV.fill(0, t * 4, t * 4 + 4);
        // Box and centre written out (as BlobList computes them): a float returned by a call that is not
        // inlined is boxed, and new tracks are too rare for that call to be inlined.
        this.w[t] = blobs.maxX[b]! - blobs.minX[b]! + 1;
        this.h[t] = blobs.maxY[b]! - blobs.minY[b]! + 1;
        this.cx[t] = (blobs.minX[b]! + blobs.maxX[b]! + 1) * 0.5;
        this.cy[t] = (blobs.minY[b]! + blobs.maxY[b]! + 1) * 0.5;
        this.lines.reset(t);
      }
      this.state[t] = ACTIVE;
      this.assigned[t] = 1;
      this.measure(t, blobs, b, false);
    }
  }

  private observeLines(frame: number): void {
    const { capacity, observed, hits, cy, judgedW, judgedH } = this;
    const confirmHits = this.options.confirmHits;
    this.lines.beginFrame(this.clock[CLOCK_TS]!);
    for (let t = 0; t < capacity; t++) {
      if (observed[t] !== 1) continue;
      // A fragment of a vehicle is judged by the size a whole vehicle usually has there.
      judgedW[t] = Math.max(this.w[t]!, this.sizes.usualWidth(cy[t]!));
      judgedH[t] = Math.max(this.h[t]!, this.sizes.usualHeight(cy[t]!));
      // Sides are learned from a track's first detection (a vehicle queued just before the stop line is
      // only found when it starts to move), but only a confirmed track counts: noise births never reach it.
      // Nor one placed at its prediction inside merged blobs for longer than a track may coast unseen: that
      // position is arithmetic, not a vehicle seen crossing (a vehicle pulling up behind one stopped past
      // the stop line slid on across it inside their merged blob). It counts once measured again, if it
      // did cross. Simulator seeds +0..+5000: wrong counts 522 -> 518, per-crossing failures 2,462 ->
      // 2,342 (spurious 850 -> 705, missed 1,151 -> 1,204); 400 ms: 534 and 2,328; 1.5 s: 514 and 2,380.
      const measuredLately = this.clock[CLOCK_TS]! - this.measuredMs[t]! <= this.options.maxCoastMs;
      this.lines.observe(t, frame, hits[t]! >= confirmHits && measuredLately);
    }
  }

  /** A blob b measured for track t; with learnsVelocity, the velocity learns from the move since last frame. */
  private measure(t: number, blobs: BlobList, b: number, learnsVelocity: boolean): void {
    const dt = learnsVelocity ? this.clock[CLOCK_DT]! : 0;
    const tsMs = this.clock[CLOCK_TS]!;
    const mx = blobs.centreX(b);
    const my = blobs.centreY(b);
    // A box that changed shape and whose centre landed far from where the track was predicted (a queue
    // blob merging with the vehicle behind, or splitting) moved without the vehicle moving: only smooth
    // measurements teach the velocity, which crossings must agree with. A steady box far from its
    // prediction is a vehicle faster than its track knew (a new track has no velocity yet): that teaches.
    const size = Math.max(this.options.minGatePx, this.w[t]!, this.h[t]!);
    // Math.sqrt, not Math.hypot: hypot is a builtin call that boxes its float arguments (garbage per frame).
    const innovationX = mx - this.predictedX[t]!;
    const innovationY = my - this.predictedY[t]!;
    const w = blobs.width(b);
    const h = blobs.height(b);
    const reshaped = Math.abs(w - this.w[t]!) > RESHAPE_FRACTION * this.w[t]! || Math.abs(h - this.h[t]!) > RESHAPE_FRACTION * this.h[t]!;
    const jump = reshaped && Math.sqrt(innovationX * innovationX + innovationY * innovationY) > this.options.jumpFraction * size;
    if (dt > 0 && this.hits[t]! > 0 && !jump) {
      this.learnSustained(t, blobs, b);
      const gain = this.hits[t]! < 3 ? 0.7 : 0.35;
      this.vx[t] = this.vx[t]! + gain * ((mx - this.cx[t]!) / dt - this.vx[t]!);
      this.vy[t] = this.vy[t]! + gain * ((my - this.cy[t]!) / dt - this.vy[t]!);
    }
    this.cx[t] = mx;
    this.cy[t] = my;
    this.w[t] = this.w[t]! + 0.5 * (w - this.w[t]!);
    this.h[t] = this.h[t]! + 0.5 * (h - this.h[t]!);
    const e = t * 4;
    this.edgeAt[e] = blobs.minX[b]!;
    this.edgeAt[e + 1] = blobs.maxX[b]! + 1;
    this.edgeAt[e + 2] = blobs.minY[b]!;
    this.edgeAt[e + 3] = blobs.maxY[b]! + 1;
    this.edgeMs[t] = tsMs;
    this.hits[t]!++;
    this.lastSeenMs[t] = tsMs;
    this.observed[t] = 1;
    this.singly[t] = blobs.cut[b] === 1 ? 0 : 1;
    if (this.singly[t] === 1) this.singlyMs[t] = tsMs;
    this.measured[t] = 1;
    this.measuredMs[t] = tsMs;
    this.leaving[t] = this.leavingThrough(blobs, b, t) ? 1 : 0;
  }

  /** Whether blob b, measured for track t, touches an edge of the image that t is moving out through. */
  private leavingThrough(blobs: BlobList, b: number, t: number): boolean {
    const { frameWidth, frameHeight } = this.options;
    if (frameWidth === 0 || frameHeight === 0) return false;
    const vx = this.vx[t]!;
    const vy = this.vy[t]!;
    return (
      (blobs.maxY[b]! >= frameHeight - 1 && vy >= LEAVING_MIN_SPEED) ||
      (blobs.minY[b]! <= 0 && vy <= -LEAVING_MIN_SPEED) ||
      (blobs.maxX[b]! >= frameWidth - 1 && vx >= LEAVING_MIN_SPEED) ||
      (blobs.minX[b]! <= 0 && vx <= -LEAVING_MIN_SPEED)
    );
  }

  /** The blob whose box holds track t's prediction (the nearest centre if several), or -1. */
  /**
   * The sustained velocity is that of the box as a whole: each edge's velocity is low-passed, and on each
   * axis the box moves as fast as its slower edge, and only if both edges go the same way. A queue blob
   * that grows at its back as vehicles join (one edge moving, the other standing) has not moved.
   */
  private learnSustained(t: number, blobs: BlobList, b: number): void {
    // The interval is read here, not passed: a float argument to a call that is not inlined is boxed.
    const dt = this.clock[CLOCK_DT]!;
    const e = t * 4;
    const edgeV = this.edgeV;
    const edgeAt = this.edgeAt;
    // Edge velocities only from consecutive measurements: after coasting in a merge the edges are stale.
    if (this.clock[CLOCK_TS]! - this.edgeMs[t]! > 1.5 * dt) return;
    const gain = dt / (this.options.sustainedMs + dt);
    edgeV[e] = edgeV[e]! + gain * ((blobs.minX[b]! - edgeAt[e]!) / dt - edgeV[e]!);
    edgeV[e + 1] = edgeV[e + 1]! + gain * ((blobs.maxX[b]! + 1 - edgeAt[e + 1]!) / dt - edgeV[e + 1]!);
    this.sustainedVx[t] = slower(edgeV[e]!, edgeV[e + 1]!);
    edgeV[e + 2] = edgeV[e + 2]! + gain * ((blobs.minY[b]! - edgeAt[e + 2]!) / dt - edgeV[e + 2]!);
    edgeV[e + 3] = edgeV[e + 3]! + gain * ((blobs.maxY[b]! + 1 - edgeAt[e + 3]!) / dt - edgeV[e + 3]!);
    // A piece cut from a queue blob has an estimated row edge where it was cut, which jumps as the cuts
    // move: the piece moves along the rows as its own edge does (the queue's front, for the front piece),
    // and a piece cut at both ends keeps the motion it had.
    const cutEdges = blobs.cutEdges[b]!;
    if (cutEdges === 0) this.sustainedVy[t] = slower(edgeV[e + 2]!, edgeV[e + 3]!);
    else if (cutEdges === CUT_TOP) this.sustainedVy[t] = edgeV[e + 3]!;
    else if (cutEdges === CUT_BOTTOM) this.sustainedVy[t] = edgeV[e + 2]!;
  }

  private blobContaining(blobs: BlobList, t: number): number {
    const x = this.predictedX[t]!;
    const y = this.predictedY[t]!;
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
    // Written out, not blobs.centreX(b): see adoptUnclaimed.
    const x = (blobs.minX[b]! + blobs.maxX[b]! + 1) * 0.5;
    const y = (blobs.minY[b]! + blobs.maxY[b]! + 1) * 0.5;
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

/** The slower of two edge velocities if they agree in direction, else 0. */
function slower(a: number, b: number): number {
  if (a > 0 && b > 0) return a < b ? a : b;
  if (a < 0 && b < 0) return a > b ? a : b;
  return 0;
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}
