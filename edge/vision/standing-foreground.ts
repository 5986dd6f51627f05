import { FRAME_TS, createFrameClock, type FrameClock } from './frame-clock.js';

/** The thresholds of a StandingForeground. */
export interface StandingForegroundOptions {
  /** Gray levels a standing pixel may drift from its value when it started standing (sensor noise, slow light). */
  toleranceGray: number;
  /** A pixel changed (or background) for at most this long is still standing, ms. */
  graceMs: number;
  /** A standing region has at least this many working pixels. */
  minArea: number;
  /** A standing region's box is at least this wide and this tall, working pixels. */
  minSide: number;
  /** find() looks for regions that have stood this long, ms. */
  standingForMs: number;
}

/**
 * Simulator scenes (noise sigma 3–6, offsets 0–4000, with 500 px² regions, looking every frame): tolerance
 * 8 found 45 of 49 illegal stops with 54 raised, 12 47 with 55, 16 47 with 57; a grace of 1 s 46 with 55,
 * 3 s 47 with 58. Looking every OBSERVE_EVERY_MS: 44 with 54.
 */
export const STANDING_FOREGROUND_DEFAULTS = {
  toleranceGray: 12,
  graceMs: 2000,
} as const;

const IDLE = 0;
const STANDING = 1;
const CHANGED = 2;
/** observe() looks at most this often, ms. */
export const OBSERVE_EVERY_MS = 200;

/**
 * How long each pixel of a zone has shown the same standing foreground: the pixel-level view of a stopped
 * vehicle, independent of the tracker. In heavy traffic a vehicle stopped in a box junction is merged,
 * frame after frame, with the vehicles passing it; the tracker gives it no steady track (the passers' tracks
 * coast through it), but its pixels stay foreground and keep their gray value. Dual-background and
 * "static foreground" detectors of abandoned objects and illegal parking work this way.
 *
 * A pixel stands from the frame it is foreground; it keeps standing while it stays foreground with its gray
 * within `toleranceGray` of the value it had then. A vehicle passing in front of it, or a moment of mask
 * noise, changes that for less than `graceMs`, which it outlives; longer, and it stands afresh from then.
 * Nothing is allocated per frame: the time is read from a FrameClock (a float passed to a call that is not
 * inlined would be boxed), and find() only searches once enough pixels have stood long enough.
 */
export class StandingForeground {
  /** Of the last find(): the regions found, each as x0, y0, x1, y1 at 4r (working pixels, pixel edges: x1 = last x + 1). */
  readonly boxes: Float64Array;
  /** Of the last find(): since when each region has stood (the latest of its pixels' start times). */
  readonly sinceMs: Float64Array;
  /** How many regions the last find() found (its return value). */
  private found = 0;
  /** The frame's time, set by the caller before observe() and find(). */
  readonly clock: FrameClock;
  private readonly pixels: Int32Array;
  /** Per zone pixel: its working-pixel column and row. */
  private readonly pixelX: Int32Array;
  private readonly pixelY: Int32Array;
  /** Per zone pixel: where it is sampled in the source frame. */
  private readonly sourceIndex: Int32Array;
  /** Of the last observe(): how many pixels had stood for standingForMs (find() has nothing to find below minArea). */
  private oldCount = 0;
  private readonly options: StandingForegroundOptions;
  /** Per zone pixel: IDLE, STANDING or CHANGED (standing, but not showing it now: within the grace). */
  private readonly state: Uint8Array;
  private readonly standingSinceMs: Float64Array;
  private readonly changedSinceMs: Float64Array;
  private observedMs = -Infinity;
  /** Whether observe() looked since the last find(). */
  private fresh = false;
  private readonly reference: Uint8Array;
  // The zone's bounding box, and a grid over it for the region search.
  private readonly gridX0: number;
  private readonly gridY0: number;
  private readonly gridWidth: number;
  /** Per grid cell: the zone pixel's index + 1, or 0 outside the zone. */
  private readonly cellPixel: Int32Array;
  /** Per grid cell: 0 unvisited, else the label of the region the last find() found it in (from 1). */
  private readonly visited: Int32Array;
  /** Of the last find(): each region's label. */
  private readonly regionLabel: Int32Array;
  /** Per zone pixel: 1 once a region it stood in was reported (until it stands afresh). */
  private readonly reported: Uint8Array;
  /** Per zone pixel: its gray when last seen background (the empty road there), or -1 before it was. */
  private readonly emptyGray: Int16Array;
  /** Per zone pixel: its gray at the last observe(). */
  private readonly lastGray: Uint8Array;
  /** zonePixelsIn()'s answer: zone pixel indices. */
  private readonly boxPixels: Int32Array;
  private readonly stack: Int32Array;

  constructor(pixels: Int32Array, workingWidth: number, factor: number, sourceWidth: number, options: StandingForegroundOptions, clock: FrameClock = createFrameClock(), maxRegions = 8) {
    this.pixels = pixels;
    this.options = options;
    this.clock = clock;
    this.pixelX = Int32Array.from(pixels, (p) => p % workingWidth);
    this.pixelY = Int32Array.from(pixels, (p) => Math.floor(p / workingWidth));
    const { pixelX, pixelY } = this;
    this.sourceIndex = Int32Array.from(pixels, (_, i) => pixelY[i]! * factor * sourceWidth + pixelX[i]! * factor);
    this.state = new Uint8Array(pixels.length);
    this.standingSinceMs = new Float64Array(pixels.length);
    this.changedSinceMs = new Float64Array(pixels.length);
    this.reference = new Uint8Array(pixels.length);
    this.reported = new Uint8Array(pixels.length);
    this.emptyGray = new Int16Array(pixels.length).fill(-1);
    this.lastGray = new Uint8Array(pixels.length);
    this.boxPixels = new Int32Array(pixels.length);
    // The grid spans the zone's bounding box (reduce, not a spread into Math.min, which overflows the stack for a large zone).
    const empty = pixels.length === 0;
    this.gridX0 = empty ? 0 : pixelX.reduce((a, b) => Math.min(a, b));
    this.gridY0 = empty ? 0 : pixelY.reduce((a, b) => Math.min(a, b));
    this.gridWidth = empty ? 0 : pixelX.reduce((a, b) => Math.max(a, b)) - this.gridX0 + 1;
    const gridHeight = empty ? 0 : pixelY.reduce((a, b) => Math.max(a, b)) - this.gridY0 + 1;
    this.cellPixel = new Int32Array(this.gridWidth * gridHeight);
    for (let i = 0; i < pixels.length; i++) this.cellPixel[this.cellOf(i)] = i + 1;
    this.visited = new Int32Array(this.cellPixel.length);
    this.regionLabel = new Int32Array(maxRegions);
    this.stack = new Int32Array(pixels.length);
    this.boxes = new Float64Array(maxRegions * 4);
    this.sinceMs = new Float64Array(maxRegions);
  }

  /** One frame, at clock's time: the working-size foreground mask (1 = foreground) and the source-size gray frame. */
  observe(mask: Uint8Array, frame: Uint8Array): void {
    const { pixels, sourceIndex, state, standingSinceMs, changedSinceMs, reference, reported, emptyGray, lastGray } = this;
    const { toleranceGray, graceMs, standingForMs } = this.options;
    const tsMs = this.clock[FRAME_TS]!;
    // Standing is timed in seconds: a few looks a second are plenty, and cost a third of every frame's.
    if (tsMs - this.observedMs < OBSERVE_EVERY_MS) return;
    this.observedMs = tsMs;
    this.fresh = true;
    let old = 0;
    for (let i = 0; i < pixels.length; i++) {
      const foreground = mask[pixels[i]!] === 1;
      const was = state[i]!;
      const gray = frame[sourceIndex[i]!]!;
      lastGray[i] = gray;
      if (was === IDLE) {
        if (foreground) {
          state[i] = STANDING;
          standingSinceMs[i] = tsMs;
          reference[i] = gray;
          reported[i] = 0;
        } else emptyGray[i] = gray;
        continue;
      }
      const drift = gray - reference[i]!;
      if (foreground && drift <= toleranceGray && drift >= -toleranceGray) {
        state[i] = STANDING;
        // Pixels of regions reported already do not count: find() would only find them again.
        if (tsMs - standingSinceMs[i]! >= standingForMs && reported[i] === 0) old++;
        continue;
      }
      if (was === STANDING) {
        state[i] = CHANGED;
        changedSinceMs[i] = tsMs;
        continue;
      }
      if (tsMs - changedSinceMs[i]! <= graceMs) continue;
      // Changed for too long: a different thing stands here now, or nothing does.
      state[i] = foreground ? STANDING : IDLE;
      standingSinceMs[i] = tsMs;
      reference[i] = gray;
      reported[i] = 0;
    }
    this.oldCount = old;
  }

  /**
   * The 4-connected regions of pixels that have stood (and show it now) for at least standingForMs at the
   * last observe(), of at least minArea pixels and minSide on each side, mostly not reported yet, into
   * boxes and sinceMs (at most maxRegions). Returns how many.
   */
  find(): number {
    const { pixels, standingSinceMs, cellPixel, visited, stack, gridWidth, gridX0, gridY0, boxes } = this;
    const { minArea, minSide, standingForMs } = this.options;
    const tsMs = this.clock[FRAME_TS]!;
    const maxRegions = this.sinceMs.length;
    this.found = 0;
    if (!this.fresh || this.oldCount < minArea) return 0;
    this.fresh = false;
    visited.fill(0);
    let label = 0;
    for (let start = 0; start < pixels.length && this.found < maxRegions; start++) {
      if (!this.isOld(start, tsMs, standingForMs)) continue;
      const startCell = this.cellOf(start);
      if (visited[startCell] !== 0) continue;
      label++;
      visited[startCell] = label;
      let top = 0;
      stack[top++] = startCell;
      let area = 0;
      let x0 = Infinity;
      let y0 = Infinity;
      let x1 = -1;
      let y1 = -1;
      let latest = -Infinity;
      let alreadyReported = 0;
      while (top > 0) {
        const cell = stack[--top]!;
        const cx = cell % gridWidth;
        const cy = (cell - cx) / gridWidth;
        const i = cellPixel[cell]! - 1;
        area++;
        if (cx < x0) x0 = cx;
        if (cx > x1) x1 = cx;
        if (cy < y0) y0 = cy;
        if (cy > y1) y1 = cy;
        if (standingSinceMs[i]! > latest) latest = standingSinceMs[i]!;
        alreadyReported += this.reported[i]!;
        if (cx > 0) top = this.visit(cell - 1, top, tsMs, standingForMs, label);
        if (cx < gridWidth - 1) top = this.visit(cell + 1, top, tsMs, standingForMs, label);
        if (cell >= gridWidth) top = this.visit(cell - gridWidth, top, tsMs, standingForMs, label);
        if (cell + gridWidth < cellPixel.length) top = this.visit(cell + gridWidth, top, tsMs, standingForMs, label);
      }
      if (area < minArea || x1 - x0 + 1 < minSide || y1 - y0 + 1 < minSide || 2 * alreadyReported >= area) continue;
      const r = this.found++;
      this.regionLabel[r] = label;
      boxes[r * 4] = x0 + gridX0;
      boxes[r * 4 + 1] = y0 + gridY0;
      boxes[r * 4 + 2] = x1 + gridX0 + 1;
      boxes[r * 4 + 3] = y1 + gridY0 + 1;
      this.sinceMs[r] = latest;
    }
    return this.found;
  }

  /**
   * Of the zone's pixels inside the box at 4k of `box` (working pixels, x0, y0, x1, y1 edges), the fraction
   * that have stood for at least minMs (0 when none of the zone is inside). For rare questions (a red-light
   * candidate), not per frame.
   */
  stoodFraction(box: Float64Array, k: number, minMs: number): number {
    const tsMs = this.clock[FRAME_TS]!;
    const inside = this.zonePixelsIn(box, k);
    let stood = 0;
    for (let n = 0; n < inside; n++) {
      const i = this.boxPixels[n]!;
      if (this.state[i] !== IDLE && tsMs - this.standingSinceMs[i]! >= minMs) stood++;
    }
    return inside === 0 ? 0 : stood / inside;
  }

  /**
   * Of the standing zone pixels inside the box at 4k of `box` (working pixels, x0, y0, x1, y1 edges), the
   * fraction that look now (at the last observe) as they did when last seen background, within `tolerance`
   * gray levels; 0 when none stands there. A vehicle that stood long enough is partly learnt into the
   * background; when it leaves, the road it uncovers differs from that background and stands as
   * foreground, a "ghost" of it, which looks like the empty road it is; a vehicle does not. For rare
   * questions (a stop about to be reported), not per frame.
   */
  emptyFraction(box: Float64Array, k: number, tolerance: number): number {
    const inside = this.zonePixelsIn(box, k);
    let standing = 0;
    let empty = 0;
    for (let n = 0; n < inside; n++) {
      const i = this.boxPixels[n]!;
      if (this.state[i] === IDLE) continue;
      standing++;
      const was = this.emptyGray[i]!;
      const drift = this.lastGray[i]! - was;
      if (was >= 0 && drift <= tolerance && drift >= -tolerance) empty++;
    }
    return standing === 0 ? 0 : empty / standing;
  }

  /** The zone's pixels inside the box at 4k of `box` (working pixels) into boxPixels; returns how many. */
  private zonePixelsIn(box: Float64Array, k: number): number {
    const gridHeight = this.gridWidth === 0 ? 0 : this.cellPixel.length / this.gridWidth;
    const x0 = Math.max(0, Math.floor(box[k * 4]!) - this.gridX0);
    const y0 = Math.max(0, Math.floor(box[k * 4 + 1]!) - this.gridY0);
    const x1 = Math.min(this.gridWidth, Math.ceil(box[k * 4 + 2]!) - this.gridX0);
    const y1 = Math.min(gridHeight, Math.ceil(box[k * 4 + 3]!) - this.gridY0);
    let count = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = this.cellPixel[y * this.gridWidth + x]! - 1;
        if (i >= 0) this.boxPixels[count++] = i;
      }
    }
    return count;
  }

  /** Marks region r of the last find() reported: it is not found again while its pixels stand. */
  markReported(r: number): void {
    const label = this.regionLabel[r]!;
    for (let cell = 0; cell < this.visited.length; cell++) if (this.visited[cell] === label) this.reported[this.cellPixel[cell]! - 1] = 1;
  }

  /**
   * Marks the standing pixels inside a box (working pixels, x0, y0, x1, y1 at 4k of `box`) reported: a stop
   * reported another way (the tracks) is not reported again from its pixels.
   */
  markBoxReported(box: Float64Array, k: number): void {
    const { pixels, pixelX, pixelY } = this;
    for (let i = 0; i < pixels.length; i++) {
      if (this.state[i] === IDLE) continue;
      const x = pixelX[i]!;
      const y = pixelY[i]!;
      if (x >= box[k * 4]! && x < box[k * 4 + 2]! && y >= box[k * 4 + 1]! && y < box[k * 4 + 3]!) this.reported[i] = 1;
    }
  }

  /** Zone pixel i's cell in the grid over the zone's bounding box. */
  private cellOf(i: number): number {
    return (this.pixelY[i]! - this.gridY0) * this.gridWidth + (this.pixelX[i]! - this.gridX0);
  }

  private visit(cell: number, top: number, tsMs: number, standingForMs: number, label: number): number {
    if (this.visited[cell] !== 0) return top;
    const i = this.cellPixel[cell]! - 1;
    if (i < 0 || !this.isOld(i, tsMs, standingForMs)) return top;
    this.visited[cell] = label;
    this.stack[top] = cell;
    return top + 1;
  }

  /** Whether zone pixel i has stood for standingForMs, and showed it at the last look. */
  hasStood(i: number): boolean {
    return this.isOld(i, this.clock[FRAME_TS]!, this.options.standingForMs);
  }

  /** Pixel i has stood for standingForMs and shows it now (not in a change it may yet outlive). */
  private isOld(i: number, tsMs: number, standingForMs: number): boolean {
    return this.state[i] === STANDING && tsMs - this.standingSinceMs[i]! >= standingForMs;
  }
}
