import { FRAME_TS, createFrameClock, setFrameClock, type FrameClock } from './frame-clock.js';
import { pointInPolygon, sideOf, type Point, type ZoneSpec } from './geometry.js';
import { LINE_COUNTER_DEFAULTS } from './line-counter.js';
import type { GroundPlane } from './ground-plane.js';
import { fillPolygon } from './polygon-fill.js';
import { STANDING_FOREGROUND_DEFAULTS, StandingForeground } from './standing-foreground.js';
import type { TrackView } from './track-view.js';
import { TRACKER_DEFAULTS } from './tracker.js';

/** A zone in source-image pixels, with what it is used for. */
export interface ZoneConfig extends ZoneSpec {
  /** The signal group whose detector this zone is; its pixels are frozen in the background while red. */
  phase?: string;
  /** Virtual-detector delays: presence turns on after occupancy has held this long, off after it has gone this long. */
  presence?: { onDelayMs?: number; offDelayMs?: number };
  /** The stop line the queue in this zone is measured from. */
  stopLine?: { a: Point; b: Point };
}

export interface ZoneMonitorOptions {
  workingWidth: number;
  workingHeight: number;
  /** Source pixels per working pixel (the pipeline's integer downscale factor). */
  factor: number;
  /** Occupancy (fraction of the zone's pixels in the foreground) at or above which a zone counts as occupied. */
  occupancyThreshold?: number;
  /** When given (and no groundPlane), queue lengths are also reported in metres: the image distance times this. */
  metresPerPixel?: number;
  /**
   * The road plane (from the camera's calibration): queues are then measured on the ground, in metres,
   * whatever the perspective, in bands `queueBandM` wide, ending at a gap wider than `queueMaxGapM`.
   */
  groundPlane?: GroundPlane;
  queueBandM?: number;
  queueMaxGapM?: number;
  /** The source frame's width (update()'s frame): workingWidth × factor by default. */
  sourceWidth?: number;
  /** Detections before a track counts for volume; the tracker's own confirmation by default. */
  confirmHits?: number;
  /**
   * A track entering a zone where another track was inside this recently, at the same place (each
   * centre within the other's box), is that vehicle's continuation, not a new vehicle, ms…
   */
  sameVehicleMs?: number;
  /** …and this long where the other track was standing still when last seen (a queued vehicle lost at red), ms. */
  standingVehicleMs?: number;
  /** Width of the bands along the lane the queue is measured in, source pixels; one working pixel by default. */
  queueBandPx?: number;
  /** A queue ends at the first unoccupied stretch longer than this, source pixels; unbounded by default. */
  queueMaxGapPx?: number;
}

export const ZONE_MONITOR_DEFAULTS = {
  occupancyThreshold: 0.15,
  onDelayMs: 0,
  offDelayMs: 500,
  sameVehicleMs: 2000,
  standingVehicleMs: 30_000,
  queueMaxGapPx: Infinity,
  queueBandM: 0.5,
  queueMaxGapM: 3,
  /** A queue is made of pixels that have stood (foreground, unchanged within the tolerance) this long, ms. */
  queueStandingMs: 2000,
} as const;

export type PresenceListener = (zone: number, present: boolean, tsMs: number) => void;

/**
 * Per-zone measurements from the foreground mask and the tracks, every frame: occupancy, presence (a
 * virtual detector with on/off delays, NTCIP-style), volume (vehicles entering) and queue length.
 *
 * Volume: a confirmed track counts once per zone when its centre is first inside, unless it is another
 * track's continuation: one taking over from a track lost in the zone (an id switch), a piece split off
 * a vehicle or off a queue's merged blob, a vehicle's second fragment. Such a track appears where a track
 * inside the zone was, or still is: each centre within the other's box, within `sameVehicleMs` of that
 * track's last sighting there, or `standingVehicleMs` if it was standing still then (a queued vehicle
 * that melted out of the mask is still there when the queue moves off). Counting every confirmed
 * track's first entry gave 5.4 times the vehicles entering the simulator's queue zones (seeds
 * +0..+5000), where a queue at red merges and splits all the time; this gives 0.98–1.04 times, with
 * Σ|volume − truth| over the zones 24–30 % of the truth (fragments of turning buses and outbound
 * vehicles whose blobs reach into a zone, merged vehicles counted once).
 *
 * Queue length: the zone's pixels are grouped into bands by their distance from the stop line: on the
 * road plane in metres where the camera is calibrated (`groundPlane`, bands `queueBandM` wide), else in
 * image pixels (`queueBandPx`, times `metresPerPixel`, which is right at one distance only). A band is
 * queued when at least `occupancyThreshold` of its pixels have stood still for `queueStandingMs` (a
 * StandingForeground over the zone, from the frames update() is given; without frames, foreground
 * pixels). The queue reaches the far edge of the farthest queued band, walking out from the stop line and
 * stopping at a gap wider than `queueMaxGapM` (`queueMaxGapPx`). A per-band fraction, not a single pixel,
 * so one noisy pixel at the far end does not make a queue. On the simulator's queue zones (calibrated,
 * seeds +0..+5000, sampled each second against the vehicles standing or crawling behind the line, whose
 * queues average 12.4 m): a mean error of 7.8 m, from 35 m with foreground bands and no gap limit (9.5 m
 * before the bootstrap held red zones out of its samples); much of what is left comes from far vehicles, whose
 * image spans more road than they stand on.
 *
 * Each zone is rasterised once into a list of working-pixel indices; update() allocates nothing.
 */
export class ZoneMonitor {
  readonly count: number;
  readonly names: readonly string[];
  /** The signal group bound to each zone, or undefined. */
  readonly phases: readonly (string | undefined)[];
  readonly factor: number;
  readonly metresPerPixel: number | undefined;
  /** Fraction (0..1) of each zone's pixels in the foreground in the last frame. */
  readonly occupancy: Float64Array;
  /** 1 while the virtual detector is on. */
  readonly present: Uint8Array;
  /** Visits since construction, per zone (a running total, like the line counts). */
  readonly volume: Int32Array;
  /** Queue length from the stop line, source pixels; NaN for zones without a stop line. */
  readonly queuePx: Float64Array;
  /** Queue length in metres; NaN without a stop line or without `metresPerPixel`. */
  readonly queueM: Float64Array;
  private readonly pixels: Int32Array[];
  private readonly polygonX: Float64Array[];
  private readonly polygonY: Float64Array[];
  private readonly onDelayMs: Float64Array;
  private readonly offDelayMs: Float64Array;
  /** When occupancy started disagreeing with `present`, or NaN. */
  private readonly pendingSinceMs: Float64Array;
  // Queue bands: each zone pixel's band, each zone's band range in the shared band arrays.
  private readonly pixelBand: Int32Array[];
  private readonly bandStart: Int32Array;
  private readonly bandCount: Int32Array;
  private readonly bandPixels: Int32Array;
  private readonly bandForeground: Int32Array;
  /** Band width and the widest gap in a queue: source pixels, or metres with a ground plane. */
  private readonly queueBand: number;
  private readonly queueMaxGap: number;
  private readonly groundPlane: GroundPlane | undefined;
  /** Per zone with a stop line: its pixels' standing, once update() has been given frames (else undefined). */
  private readonly standing: (StandingForeground | undefined)[];
  private framesSeen = false;
  // Per zone × track slot, indexed z * capacity + t: whether the slot's track has had its visit.
  private readonly trackCapacity: number;
  private readonly slotId: Int32Array;
  private readonly visited: Uint8Array;
  // Per zone, sightings: where a track was last inside (centre and box size, working px) and until when
  // that makes a track appearing there its continuation (ms). Rows z * sightingRows + t for the track in
  // slot t, then a ring of GONE_SLOTS rows for tracks whose slot went to a new track (a continuation is
  // still recognised after the slot is reused).
  private readonly sightingRows: number;
  private readonly sightUntil: Float64Array;
  private readonly sightX: Float64Array;
  private readonly sightY: Float64Array;
  private readonly sightW: Float64Array;
  private readonly sightH: Float64Array;
  private readonly goneNext: Int32Array;
  private readonly listeners: PresenceListener[] = [];
  /** The foreground mask update() saw last (the detector's own buffer): what freeze() holds still. */
  private lastMask: Uint8Array | null = null;
  /** For update() with the time as a number. */
  private readonly frameClock = createFrameClock();
  private readonly options: Required<Omit<ZoneMonitorOptions, 'metresPerPixel' | 'queueBandPx' | 'queueMaxGapPx' | 'groundPlane' | 'queueBandM' | 'queueMaxGapM' | 'sourceWidth'>>;

  constructor(zones: readonly ZoneConfig[], trackCapacity: number, options: ZoneMonitorOptions) {
    const problems = validateZones(zones, options);
    if (problems.length > 0) throw new Error(`invalid zones:\n  ${problems.join('\n  ')}`);
    this.options = {
      occupancyThreshold: options.occupancyThreshold ?? ZONE_MONITOR_DEFAULTS.occupancyThreshold,
      confirmHits: options.confirmHits ?? TRACKER_DEFAULTS.confirmHits,
      sameVehicleMs: options.sameVehicleMs ?? ZONE_MONITOR_DEFAULTS.sameVehicleMs,
      standingVehicleMs: options.standingVehicleMs ?? ZONE_MONITOR_DEFAULTS.standingVehicleMs,
      workingWidth: options.workingWidth,
      workingHeight: options.workingHeight,
      factor: options.factor,
    };
    const { workingWidth, workingHeight, factor } = options;
    const n = (this.count = zones.length);
    this.names = zones.map((zone) => zone.name);
    this.phases = zones.map((zone) => zone.phase);
    this.factor = factor;
    this.metresPerPixel = options.metresPerPixel;
    this.groundPlane = options.groundPlane;
    this.queueBand = this.groundPlane === undefined ? (options.queueBandPx ?? factor) : (options.queueBandM ?? ZONE_MONITOR_DEFAULTS.queueBandM);
    this.queueMaxGap = this.groundPlane === undefined ? (options.queueMaxGapPx ?? ZONE_MONITOR_DEFAULTS.queueMaxGapPx) : (options.queueMaxGapM ?? ZONE_MONITOR_DEFAULTS.queueMaxGapM);
    this.occupancy = new Float64Array(n);
    this.present = new Uint8Array(n);
    this.volume = new Int32Array(n);
    this.queuePx = new Float64Array(n).fill(Number.NaN);
    this.queueM = new Float64Array(n).fill(Number.NaN);
    this.onDelayMs = Float64Array.from(zones, (zone) => zone.presence?.onDelayMs ?? ZONE_MONITOR_DEFAULTS.onDelayMs);
    this.offDelayMs = Float64Array.from(zones, (zone) => zone.presence?.offDelayMs ?? ZONE_MONITOR_DEFAULTS.offDelayMs);
    this.pendingSinceMs = new Float64Array(n).fill(Number.NaN);
    this.polygonX = zones.map((zone) => Float64Array.from(zone.points, (point) => point.x));
    this.polygonY = zones.map((zone) => Float64Array.from(zone.points, (point) => point.y));

    const raster = new Uint8Array(workingWidth * workingHeight);
    this.pixels = zones.map((zone) => {
      raster.fill(0);
      fillPolygon(raster, workingWidth, workingHeight, zone.points, 1, factor, factor);
      const indices: number[] = [];
      for (let i = 0; i < raster.length; i++) if (raster[i] === 1) indices.push(i);
      return Int32Array.from(indices);
    });
    const empty = this.pixels.flatMap((pixels, z) => (pixels.length === 0 ? [`zones[${z}] '${this.names[z]}': covers no working pixel (too small, or outside the ${workingWidth * factor}×${workingHeight * factor} image)`] : []));
    if (empty.length > 0) throw new Error(`invalid zones:\n  ${empty.join('\n  ')}`);

    this.bandStart = new Int32Array(n);
    this.bandCount = new Int32Array(n);
    this.pixelBand = zones.map((zone, z) => {
      const pixels = this.pixels[z]!;
      const bands = new Int32Array(pixels.length);
      if (zone.stopLine === undefined) return bands;
      const plane = this.groundPlane;
      // The stop line and each pixel centre on the image, or on the ground where there is a plane.
      const a = plane === undefined ? zone.stopLine.a : plane.toGround(zone.stopLine.a.x, zone.stopLine.a.y);
      const b = plane === undefined ? zone.stopLine.b : plane.toGround(zone.stopLine.b.x, zone.stopLine.b.y);
      const length = Math.hypot(b.x - a.x, b.y - a.y);
      let most = 0;
      for (let p = 0; p < pixels.length; p++) {
        const x = ((pixels[p]! % workingWidth) + 0.5) * factor;
        const y = (Math.floor(pixels[p]! / workingWidth) + 0.5) * factor;
        const at = plane === undefined ? { x, y } : plane.toGround(x, y);
        const distance = Math.abs(sideOf(a.x, a.y, b.x, b.y, at.x, at.y)) / length;
        bands[p] = Math.floor(distance / this.queueBand);
        if (bands[p]! > most) most = bands[p]!;
      }
      this.bandCount[z] = most + 1;
      return bands;
    });
    let totalBands = 0;
    for (let z = 0; z < n; z++) {
      this.bandStart[z] = totalBands;
      totalBands += this.bandCount[z]!;
    }
    this.bandPixels = new Int32Array(totalBands);
    this.bandForeground = new Int32Array(totalBands);
    for (let z = 0; z < n; z++) {
      const bands = this.pixelBand[z]!;
      if (this.bandCount[z] === 0) continue;
      for (let p = 0; p < bands.length; p++) this.bandPixels[this.bandStart[z]! + bands[p]!]!++;
      if (this.groundPlane === undefined) this.queuePx[z] = 0;
      this.queueM[z] = this.groundPlane === undefined && this.metresPerPixel === undefined ? Number.NaN : 0;
    }

    const sourceWidth = options.sourceWidth ?? workingWidth * factor;
    const standingOptions = { ...STANDING_FOREGROUND_DEFAULTS, minArea: 1, minSide: 1, standingForMs: ZONE_MONITOR_DEFAULTS.queueStandingMs };
    this.standing = zones.map((zone, z) => (zone.stopLine === undefined ? undefined : new StandingForeground(this.pixels[z]!, workingWidth, factor, sourceWidth, standingOptions, this.frameClock)));

    this.trackCapacity = trackCapacity;
    this.slotId = new Int32Array(trackCapacity).fill(-1);
    this.visited = new Uint8Array(n * trackCapacity);
    this.sightingRows = trackCapacity + GONE_SLOTS;
    this.sightUntil = new Float64Array(n * this.sightingRows).fill(-Infinity);
    this.sightX = new Float64Array(n * this.sightingRows);
    this.sightY = new Float64Array(n * this.sightingRows);
    this.sightW = new Float64Array(n * this.sightingRows);
    this.sightH = new Float64Array(n * this.sightingRows);
    this.goneNext = new Int32Array(n);
  }

  /** Index of the named zone, or -1. */
  indexOf(name: string): number {
    return this.names.indexOf(name);
  }

  /** How many working pixels zone z covers. */
  pixelCount(z: number): number {
    return this.pixels[z]!.length;
  }

  /** The working-pixel indices (y * workingWidth + x) zone z covers. */
  pixelsOf(z: number): Int32Array {
    return this.pixels[z]!;
  }

  /** Whether the working-pixel position (x, y) lies inside zone z. */
  contains(z: number, x: number, y: number): boolean {
    const xs = this.polygonX[z]!;
    return pointInPolygon(x * this.factor, y * this.factor, xs, this.polygonY[z]!, xs.length);
  }

  /**
   * contains() for the point (point[0], point[1]) in working pixels, for callers in the frame loop: floats
   * passed to a call that is not inlined are boxed (garbage every frame).
   */
  containsPoint(z: number, point: Float64Array): boolean {
    const xs = this.polygonX[z]!;
    return pointInPolygon(point[0]! * this.factor, point[1]! * this.factor, xs, this.polygonY[z]!, xs.length);
  }

  /** Calls listener on every presence change (detector calls for the signal controller). Returns a remover. */
  onPresenceChange(listener: PresenceListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Writes the freeze mask for the next frame: 1 on the pixels of zones bound to a signal group that is
   * red, 0 everywhere else, so vehicles queued at red stay foreground instead of fading into the background.
   * Once update() has seen a foreground mask, only the foreground pixels of a red zone are held: the empty
   * road around a queue keeps learning, so light changes during a long red do not leave the whole zone
   * foreground (phantom vehicles at the stop line), while the queued vehicles themselves stay. Returns
   * whether any zone is frozen (VisionPipeline.freezeZones() then holds the rest of their vehicles).
   */
  freeze(freezeMask: Uint8Array, isRed: (zone: number) => boolean): boolean {
    return this.markRedZones(freezeMask, isRed, this.lastMask);
  }

  /**
   * Marks (1) every pixel of a zone bound to a group that is red, 0 elsewhere (the background bootstrap
   * leaves them out of its samples: a queue standing there is not the road); returns whether any is red.
   */
  redPixels(mask: Uint8Array, isRed: (zone: number) => boolean): boolean {
    return this.markRedZones(mask, isRed, null);
  }

  /** The pixels of red zones in `out`: 1, or where `foreground` is given its value there. */
  private markRedZones(out: Uint8Array, isRed: (zone: number) => boolean, foreground: Uint8Array | null): boolean {
    out.fill(0);
    let red = false;
    for (let z = 0; z < this.count; z++) {
      if (this.phases[z] === undefined || !isRed(z)) continue;
      const pixels = this.pixels[z]!;
      red = true;
      if (foreground === null) for (let p = 0; p < pixels.length; p++) out[pixels[p]!] = 1;
      else for (let p = 0; p < pixels.length; p++) out[pixels[p]!] = foreground[pixels[p]!]!;
    }
    return red;
  }

  /**
   * One frame: mask is the working-size 0/1 foreground, tracks the tracker after its update, frame the
   * source-size gray frame (queues are measured from the pixels that stand still in it; without frames
   * from the foreground, moving vehicles included).
   */
  update(mask: Uint8Array, tracks: TrackView, tsMs: number, frame?: Uint8Array): void {
    this.updateAt(mask, tracks, setFrameClock(this.frameClock, tsMs, 0), frame);
  }

  /** update() at the frame time the clock holds (no float argument: see FrameClock). */
  updateAt(mask: Uint8Array, tracks: TrackView, frameClock: FrameClock, frame?: Uint8Array): void {
    this.lastMask = mask;
    this.frameClock[FRAME_TS] = frameClock[FRAME_TS]!;
    if (frame !== undefined) {
      this.framesSeen = true;
      for (let z = 0; z < this.count; z++) this.standing[z]?.observe(mask, frame);
    }
    for (let z = 0; z < this.count; z++) {
      this.measureZone(z, mask);
      this.updatePresence(z, frameClock);
    }
    this.countVisits(tracks, frameClock);
  }

  private measureZone(z: number, mask: Uint8Array): void {
    const pixels = this.pixels[z]!;
    const bands = this.bandCount[z]!;
    let foreground = 0;
    if (bands === 0) {
      for (let p = 0; p < pixels.length; p++) foreground += mask[pixels[p]!]!;
      this.occupancy[z] = foreground / pixels.length;
      return;
    }
    const start = this.bandStart[z]!;
    const bandForeground = this.bandForeground;
    bandForeground.fill(0, start, start + bands);
    const pixelBand = this.pixelBand[z]!;
    const standing = this.framesSeen ? this.standing[z] : undefined;
    if (standing === undefined) {
      for (let p = 0; p < pixels.length; p++) {
        const value = mask[pixels[p]!]!;
        foreground += value;
        bandForeground[start + pixelBand[p]!]! += value;
      }
    } else {
      // The queue: pixels that have stood still, not vehicles moving through.
      for (let p = 0; p < pixels.length; p++) {
        foreground += mask[pixels[p]!]!;
        if (standing.hasStood(p)) bandForeground[start + pixelBand[p]!]!++;
      }
    }
    this.occupancy[z] = foreground / pixels.length;

    const threshold = this.options.occupancyThreshold;
    const maxGapBands = this.queueMaxGap / this.queueBand;
    let farthest = -1;
    for (let b = 0; b < bands; b++) {
      const total = this.bandPixels[start + b]!;
      if (total === 0 || bandForeground[start + b]! < threshold * total) {
        if (b - farthest > maxGapBands) break;
        continue;
      }
      farthest = b;
    }
    const queue = (farthest + 1) * this.queueBand;
    if (this.groundPlane !== undefined) this.queueM[z] = queue;
    else {
      this.queuePx[z] = queue;
      if (this.metresPerPixel !== undefined) this.queueM[z] = queue * this.metresPerPixel;
    }
  }

  private updatePresence(z: number, frameClock: FrameClock): void {
    const tsMs = frameClock[FRAME_TS]!;
    const occupied = this.occupancy[z]! >= this.options.occupancyThreshold ? 1 : 0;
    if (occupied === this.present[z]) {
      this.pendingSinceMs[z] = Number.NaN;
      return;
    }
    if (Number.isNaN(this.pendingSinceMs[z]!)) this.pendingSinceMs[z] = tsMs;
    const delay = occupied === 1 ? this.onDelayMs[z]! : this.offDelayMs[z]!;
    if (tsMs - this.pendingSinceMs[z]! < delay) return;
    this.present[z] = occupied;
    this.pendingSinceMs[z] = Number.NaN;
    for (let i = 0; i < this.listeners.length; i++) this.listeners[i]!(z, occupied === 1, tsMs);
  }

  private countVisits(tracks: TrackView, frameClock: FrameClock): void {
    const tsMs = frameClock[FRAME_TS]!;
    const capacity = Math.min(this.trackCapacity, tracks.capacity);
    const confirmHits = this.options.confirmHits;
    for (let t = 0; t < capacity; t++) {
      if (!tracks.isActive(t)) continue;
      if (this.slotId[t] !== tracks.id[t]) this.takeSlot(t, tracks.id[t]!);
      if (tracks.hits[t]! < confirmHits) continue;
      const x = tracks.cx[t]!;
      const y = tracks.cy[t]!;
      const w = tracks.w[t]!;
      const h = tracks.h[t]!;
      const vx = tracks.vx[t]!;
      const vy = tracks.vy[t]!;
      const until = tsMs + (vx * vx + vy * vy < STANDING_SPEED * STANDING_SPEED ? this.options.standingVehicleMs : this.options.sameVehicleMs);
      for (let z = 0; z < this.count; z++) {
        if (!this.contains(z, x, y)) continue;
        const k = z * this.trackCapacity + t;
        const base = z * this.sightingRows;
        if (this.visited[k] === 0) {
          this.visited[k] = 1;
          // Whether another track's sighting in the zone, still current, is where this one now is (its
          // vehicle's continuation): each centre within the other's box. Written out here, not in a helper:
          // a helper run only when a track enters a zone is not inlined, and its float arguments are boxed.
          let continues = false;
          for (let o = base, end = base + this.sightingRows; o < end && !continues; o++) {
            if (o === base + t || !(this.sightUntil[o]! >= tsMs)) continue;
            continues = Math.abs(x - this.sightX[o]!) <= 0.5 * Math.max(w, this.sightW[o]!) && Math.abs(y - this.sightY[o]!) <= 0.5 * Math.max(h, this.sightH[o]!);
          }
          if (!continues) this.volume[z]!++;
        }
        const o = base + t;
        this.sightUntil[o] = until;
        this.sightX[o] = x;
        this.sightY[o] = y;
        this.sightW[o] = w;
        this.sightH[o] = h;
      }
    }
  }

  /** Slot t now holds track `id`: what its previous track left in each zone moves to the zone's gone ring. */
  private takeSlot(t: number, id: number): void {
    this.slotId[t] = id;
    for (let z = 0; z < this.count; z++) {
      this.visited[z * this.trackCapacity + t] = 0;
      const o = z * this.sightingRows + t;
      if (this.sightUntil[o]! > -Infinity) {
        const g = z * this.sightingRows + this.trackCapacity + this.goneNext[z]!;
        this.goneNext[z] = (this.goneNext[z]! + 1) % GONE_SLOTS;
        this.sightUntil[g] = this.sightUntil[o]!;
        this.sightX[g] = this.sightX[o]!;
        this.sightY[g] = this.sightY[o]!;
        this.sightW[g] = this.sightW[o]!;
        this.sightH[g] = this.sightH[o]!;
      }
      this.sightUntil[o] = -Infinity;
    }
  }
}

/** Below this speed (working px per ms: the line counter's crossing speed) a track is standing still. */
const STANDING_SPEED = LINE_COUNTER_DEFAULTS.minCrossingSpeedPxPerS / 1000;

/** Tracks that left a zone remembered per zone after their slot was reused (a queue releasing loses several at once). */
const GONE_SLOTS = 16;

/** Every problem with the zone definitions, each naming the field. */
export function validateZones(zones: readonly ZoneConfig[], options: ZoneMonitorOptions): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(options.factor) || options.factor < 1) problems.push(`factor: must be an integer >= 1, got ${options.factor}`);
  if (!(options.workingWidth >= 1 && options.workingHeight >= 1)) problems.push(`working size ${options.workingWidth}×${options.workingHeight}: must be at least 1×1`);
  const threshold = options.occupancyThreshold;
  if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) problems.push(`occupancyThreshold: must be in (0, 1], got ${threshold}`);
  if (options.metresPerPixel !== undefined && !(options.metresPerPixel > 0)) problems.push(`metresPerPixel: must be > 0, got ${options.metresPerPixel}`);
  if (options.queueBandPx !== undefined && !(options.queueBandPx > 0)) problems.push(`queueBandPx: must be > 0, got ${options.queueBandPx}`);
  const seen = new Set<string>();
  zones.forEach((zone, z) => {
    const where = `zones[${z}]`;
    if (seen.has(zone.name)) problems.push(`${where}.name: '${zone.name}' is used by another zone`);
    seen.add(zone.name);
    if (zone.points.length < 3) problems.push(`${where}.points: a zone needs at least 3 points, got ${zone.points.length}`);
    if (zone.points.some((point) => !Number.isFinite(point.x) || !Number.isFinite(point.y))) problems.push(`${where}.points: every point needs finite x and y`);
    for (const key of ['onDelayMs', 'offDelayMs'] as const) {
      const value = zone.presence?.[key];
      if (value !== undefined && !(value >= 0)) problems.push(`${where}.presence.${key}: must be >= 0, got ${value}`);
    }
    const stop = zone.stopLine;
    if (stop !== undefined && stop.a.x === stop.b.x && stop.a.y === stop.b.y) problems.push(`${where}.stopLine: a and b are the same point`);
  });
  return problems;
}
