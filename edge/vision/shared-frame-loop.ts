import type { MotionBackendChoice } from './motion-backends.js';
import type { CountLineSpec, Point } from './geometry.js';
import type { SafetyConfig } from './safety-monitor.js';
import type { ZoneConfig } from './zone-monitor.js';

/**
 * The shared-memory layout between the main thread and the vision worker. Frames go main → worker
 * through slots; counts, crossings and a snapshot of the tracks go worker → main through the same
 * buffers. Nothing is posted per frame, so neither side allocates per frame and the main thread never
 * waits on vision.
 */
export const SLOT_COUNT = 3;
export const SLOT_FREE = 0;
export const SLOT_READY = 1;
export const SLOT_BUSY = 2;
export const SLOT_WRITING = 3;

/** Int32 control words. */
export const CONTROL = {
  wake: 0,
  stop: 1,
  processed: 2,
  dropped: 3,
  /** Crossing ring: the worker advances head, the main thread tail. */
  crossingHead: 4,
  crossingTail: 5,
  crossingOverflow: 6,
  /** Track snapshot seqlock: odd while the worker writes. */
  trackVersion: 7,
  trackCount: 8,
  /** Bit i set: zone i's signal is red (its background is frozen). */
  frozenZones: 9,
  length: 12,
} as const;

export const CROSSING_CAPACITY = 1024;
/** Per crossing: line, direction, trackId, frame as Int32; tsMs, x, y (the track's centre), bottom (its box's lower edge) as Float64. */
export const CROSSING_INTS = 4;
export const CROSSING_FLOATS = 4;
export const TRACK_CAPACITY = 96;
/** Per track: id, cx, cy, w, h, vx, vy (source pixels; velocity in px/s). */
export const TRACK_FIELDS = 7;

export interface FrameLoopBuffers {
  control: SharedArrayBuffer;
  slotState: SharedArrayBuffer;
  slotMeta: SharedArrayBuffer;
  frames: SharedArrayBuffer;
  counts: SharedArrayBuffer;
  crossingInts: SharedArrayBuffer;
  crossingFloats: SharedArrayBuffer;
  tracks: SharedArrayBuffer;
  /** Float64: total pipeline milliseconds, frames timed (a float sum does not wrap like an Int32 would). */
  timing: SharedArrayBuffer;
  /** Float64 per zone: occupancy (0..1), queue in metres (NaN if not measured), presence (0/1). */
  zoneStats: SharedArrayBuffer;
  /** Int32 per zone: running total of visits (volume). */
  zoneVolume: SharedArrayBuffer;
  /** Int8 per signal group (in FrameLoopOptions.groups order): index into the protocol's SIGNAL_ASPECTS. */
  signal: SharedArrayBuffer;
  /** Float64 image statistics of the last frame, for camera health (see IMAGE_STATS). */
  imageStats: SharedArrayBuffer;
}

/** Float64 slots of imageStats: mean luma, sharpness (mean gradient), mean change from the previous frame, model resets. */
export const IMAGE_STATS = { mean: 0, sharpness: 1, change: 2, suddenChanges: 3, length: 4 } as const;

export const ZONE_STATS_FIELDS = 3;

export interface FrameLoopOptions {
  sourceWidth: number;
  sourceHeight: number;
  lines: CountLineSpec[];
  maxWorkingWidth?: number;
  laneDividers?: Array<{ a: Point; b: Point }>;
  zones?: ZoneConfig[];
  /** Signal group ids the zones and safety rules refer to, in the order of the shared signal array. */
  groups?: string[];
  safety?: SafetyConfig;
  /** Polygons blanked in every image that leaves the node (evidence crops). */
  privacyMasks?: Point[][];
  metresPerPixel?: number;
  /** Four image points and their road positions (m): queues are then measured on the road plane. */
  calibration?: { image: Point[]; ground: Point[] };
  /** The motion stage asked for (default auto); one that cannot run here falls back to auto (see SharedFrameProcessor). */
  motionBackend?: MotionBackendChoice;
}

export function allocateBuffers(options: FrameLoopOptions): FrameLoopBuffers {
  const frameBytes = options.sourceWidth * options.sourceHeight;
  return {
    control: new SharedArrayBuffer(CONTROL.length * 4),
    slotState: new SharedArrayBuffer(SLOT_COUNT * 4),
    // Per slot: tsMs and frame index as Float64.
    slotMeta: new SharedArrayBuffer(SLOT_COUNT * 2 * 8),
    frames: new SharedArrayBuffer(SLOT_COUNT * frameBytes),
    counts: new SharedArrayBuffer(Math.max(1, options.lines.length) * 2 * 4),
    crossingInts: new SharedArrayBuffer(CROSSING_CAPACITY * CROSSING_INTS * 4),
    crossingFloats: new SharedArrayBuffer(CROSSING_CAPACITY * CROSSING_FLOATS * 8),
    tracks: new SharedArrayBuffer(TRACK_CAPACITY * TRACK_FIELDS * 4),
    timing: new SharedArrayBuffer(2 * 8),
    zoneStats: new SharedArrayBuffer(Math.max(1, options.zones?.length ?? 0) * ZONE_STATS_FIELDS * 8),
    zoneVolume: new SharedArrayBuffer(Math.max(1, options.zones?.length ?? 0) * 4),
    signal: new SharedArrayBuffer(Math.max(1, options.groups?.length ?? 0)),
    imageStats: new SharedArrayBuffer(IMAGE_STATS.length * 8),
  };
}

/**
 * Typed views over a frame loop's shared buffers, as both sides see them: the host (main thread) that
 * writes frames and reads results, and the worker's frame processor that does the opposite.
 */
export class FrameLoopViews {
  protected readonly control: Int32Array;
  protected readonly slotState: Int32Array;
  protected readonly slotMeta: Float64Array;
  protected readonly slots: Uint8Array[];
  protected readonly counts: Int32Array;
  protected readonly crossingInts: Int32Array;
  protected readonly crossingFloats: Float64Array;
  protected readonly tracks: Float32Array;
  protected readonly timing: Float64Array;
  protected readonly zoneStats: Float64Array;

  constructor(buffers: FrameLoopBuffers, options: FrameLoopOptions) {
    this.control = new Int32Array(buffers.control);
    this.slotState = new Int32Array(buffers.slotState);
    this.slotMeta = new Float64Array(buffers.slotMeta);
    const frameBytes = options.sourceWidth * options.sourceHeight;
    this.slots = Array.from({ length: SLOT_COUNT }, (_, i) => new Uint8Array(buffers.frames, i * frameBytes, frameBytes));
    this.counts = new Int32Array(buffers.counts);
    this.crossingInts = new Int32Array(buffers.crossingInts);
    this.crossingFloats = new Float64Array(buffers.crossingFloats);
    this.tracks = new Float32Array(buffers.tracks);
    this.timing = new Float64Array(buffers.timing);
    this.zoneStats = new Float64Array(buffers.zoneStats);
  }
}
