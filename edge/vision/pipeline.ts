import { BackgroundBootstrap, type BackgroundBootstrapOptions } from './background-bootstrap.js';
import { BlobList } from './blob-list.js';
import { groupStackedBlobs } from './blob-grouping.js';
import { ConnectedComponents } from './connected-components.js';
import { downscaleBox, downscaleFactor } from './downscale.js';
import { FRAME_TS, createFrameClock, setFrameClock, type FrameClock } from './frame-clock.js';
import type { CountLineSpec, Point } from './geometry.js';
import { LaneSplitter } from './lane-splitter.js';
import { QueueSplitter, type QueueSplitterOptions } from './queue-splitter.js';
import { LineCounter, type LineCounterOptions } from './line-counter.js';
import type { MotionDetector, MotionOptions } from './motion-detector.js';
import { Tracker, type TrackerOptions } from './tracker.js';
import { OpenCvMotionDetector } from './opencv-motion-detector.js';
import { TsMotionDetector } from './ts-motion-detector.js';
import { WasmMotionDetector, wasmSimdSupported } from './wasm-motion-detector.js';
import { VehicleSizeModel } from './vehicle-size-model.js';
import type { MotionBackendChoice } from './motion-backends.js';

export interface PipelineOptions {
  sourceWidth: number;
  sourceHeight: number;
  /** Count lines in source-image pixels. */
  lines: readonly CountLineSpec[];
  /** Lane dividers A→B in source-image pixels: blobs spanning two lanes are cut along them. */
  laneDividers?: ReadonlyArray<{ a: Point; b: Point }>;
  /** Frames wider than this are box-downscaled by an integer factor first. */
  maxWorkingWidth?: number;
  /** Smallest blob kept, as a fraction of the working image area. */
  minBlobAreaFraction?: number;
  /**
   * The motion stage: 'wasm' (WebAssembly SIMD kernel), 'ts' (plain TypeScript), 'auto' (wasm where the
   * runtime supports SIMD, else ts; the default), or a factory for another backend.
   */
  motionBackend?: MotionBackendChoice | ((options: MotionOptions) => MotionDetector);
  motion?: Omit<MotionOptions, 'width' | 'height'>;
  /** The starting background from the median of frames over the first seconds (false: the warm-up's alone). */
  bootstrap?: BackgroundBootstrapOptions | false;
  tracker?: TrackerOptions;
  counter?: LineCounterOptions;
  /** How blobs holding several vehicles in a row along a lane are cut into vehicles. */
  queueSplitter?: QueueSplitterOptions;
  blobCapacity?: number;
}

/**
 * The per-frame chain: downscale → motion (background, threshold, morphology) → connected components →
 * tracking → directed line counting. Everything is allocated in the constructor; process() allocates
 * nothing.
 */
export class VisionPipeline {
  readonly factor: number;
  readonly workingWidth: number;
  readonly workingHeight: number;
  readonly motion: MotionDetector;
  readonly blobs: BlobList;
  readonly tracker: Tracker;
  readonly counter: LineCounter;
  private readonly components: ConnectedComponents;
  readonly sizes: VehicleSizeModel;
  private readonly lanes: LaneSplitter | null;
  private readonly queues: QueueSplitter;
  private readonly working: Uint8Array;
  private readonly bootstrap: BackgroundBootstrap | null;
  /** The bootstrap's held pixels (red zones) for the next frame, or null when none is red. */
  private readonly bootstrapHold: Uint8Array;
  private bootstrapHeld: Uint8Array | null = null;
  /** The motion stage's sudden-change count when last looked at: each relearn starts a new bootstrap. */
  private resetsSeen = 0;
  private readonly minBlobArea: number;
  private lastTsMs = Number.NaN;
  /** The interval since the last frame, ms, for detectMotion(): a float argument to a call not inlined is boxed (heap garbage per frame). */
  private readonly interval = new Float64Array(1);
  /** For process() with the time as numbers. */
  private readonly frameClock = createFrameClock();
  frames = 0;

  constructor(private readonly options: PipelineOptions) {
    this.factor = downscaleFactor(options.sourceWidth, options.maxWorkingWidth ?? 320);
    this.workingWidth = Math.floor(options.sourceWidth / this.factor);
    this.workingHeight = Math.floor(options.sourceHeight / this.factor);
    const motionOptions: MotionOptions = { ...options.motion, width: this.workingWidth, height: this.workingHeight };
    const backend = options.motionBackend ?? 'auto';
    this.motion = typeof backend === 'function' ? backend(motionOptions) : createMotionDetector(backend, motionOptions);
    const blobCapacity = options.blobCapacity ?? 128;
    this.blobs = new BlobList(blobCapacity);
    this.components = new ConnectedComponents(this.workingWidth, this.workingHeight);
    const scale = 1 / this.factor;
    const workingLines = options.lines.map((line) => ({
      ...line,
      a: { x: line.a.x * scale, y: line.a.y * scale },
      b: { x: line.b.x * scale, y: line.b.y * scale },
    }));
    const trackerOptions = options.tracker ?? {};
    this.counter = new LineCounter(workingLines, trackerOptions.capacity ?? 96, options.counter);
    this.sizes = new VehicleSizeModel(this.workingHeight);
    this.tracker = new Tracker(this.counter, this.sizes, blobCapacity, { frameWidth: this.workingWidth, frameHeight: this.workingHeight, ...trackerOptions });
    const dividers = options.laneDividers ?? [];
    this.lanes = dividers.length === 0 ? null : new LaneSplitter(dividers.map((d) => ({ a: { x: d.a.x * scale, y: d.a.y * scale }, b: { x: d.b.x * scale, y: d.b.y * scale } })), this.workingWidth);
    this.queues = new QueueSplitter(this.workingWidth, this.workingHeight, this.sizes, options.queueSplitter);
    this.working = new Uint8Array(this.workingWidth * this.workingHeight);
    this.bootstrap = options.bootstrap === false ? null : new BackgroundBootstrap(this.workingWidth * this.workingHeight, options.bootstrap);
    this.bootstrapHold = new Uint8Array(this.workingWidth * this.workingHeight);
    this.minBlobArea = Math.max(4, Math.round((options.minBlobAreaFraction ?? 0.0008) * this.workingWidth * this.workingHeight));
  }

  /** One source frame (luma, sourceWidth×sourceHeight) captured at tsMs. */
  process(frame: Uint8Array, tsMs: number, frameIndex: number): void {
    this.processAt(frame, setFrameClock(this.frameClock, tsMs, frameIndex));
  }

  /** process() at the frame the clock holds (no float argument: see FrameClock). */
  processAt(frame: Uint8Array, frameClock: FrameClock): void {
    const tsMs = frameClock[FRAME_TS]!;
    this.interval[0] = Number.isNaN(this.lastTsMs) ? 0 : tsMs - this.lastTsMs;
    this.lastTsMs = tsMs;
    this.detectMotion(frame);
    if (this.bootstrap !== null) this.bootstrapBackground(frame, frameClock);
    // Small fragments are kept for grouping; the area filter applies to the grouped blobs.
    const packed = this.motion.packedMask;
    if (this.motion.labelForeground !== undefined) this.motion.labelForeground(4, this.blobs);
    else if (packed === undefined) this.components.label(this.motion.mask, 4, this.blobs);
    else this.components.labelBits(packed.words, packed.firstWord, packed.rowStride, 4, this.blobs);
    groupStackedBlobs(this.blobs, this.sizes);
    dropSmallBlobs(this.blobs, this.minBlobArea);
    this.lanes?.split(this.blobs, this.motion.mask, this.minBlobArea);
    this.queues.split(this.blobs, this.motion.mask, this.minBlobArea);
    this.tracker.updateAt(this.blobs, frameClock);
    this.learnVehicleSizes();
    this.frames++;
  }

  /**
   * Freezes the background for the next frame where zones.freeze() says (the foreground of zones whose
   * signal group is red), and holds the whole of every last-frame blob that reaches into a frozen zone: a
   * truck queued at the stop line overhangs its queue zone, and the overhang, learnt at the foreground
   * rate through a red phase (about a quarter in 27 s), was left behind as a ghost in the junction when it
   * drove off. The blobs are scanned only while something is frozen.
   */
  freezeZones(zones: FreezingZones, isRed: (zone: number) => boolean): void {
    if (zones.freeze(this.motion.freezeMask, isRed)) this.extendFreeze();
    // While the bootstrap samples, a red zone's pixels sit out: a queue standing there is not the road.
    if (this.bootstrap !== null && !this.bootstrap.done) this.bootstrapHeld = zones.redPixels(this.bootstrapHold, isRed) ? this.bootstrapHold : null;
  }

  private extendFreeze(): void {
    const { blobs, workingWidth: width } = this;
    const { mask, freezeMask } = this.motion;
    for (let b = 0; b < blobs.count; b++) {
      const x0 = blobs.minX[b]!;
      const x1 = blobs.maxX[b]!;
      const y0 = blobs.minY[b]!;
      const y1 = blobs.maxY[b]!;
      let frozen = false;
      for (let y = y0; y <= y1 && !frozen; y++) {
        for (let i = y * width + x0, end = y * width + x1; i <= end; i++) {
          if (freezeMask[i] === 1) {
            frozen = true;
            break;
          }
        }
      }
      if (!frozen) continue;
      for (let y = y0; y <= y1; y++) {
        for (let i = y * width + x0, end = y * width + x1; i <= end; i++) if (mask[i] === 1) freezeMask[i] = 1;
      }
    }
  }

  /** Samples the frame for the bootstrap when due, and installs its median when it has one. */
  private bootstrapBackground(frame: Uint8Array, frameClock: FrameClock): void {
    const bootstrap = this.bootstrap!;
    const resets = this.motion.suddenChanges();
    if (resets !== this.resetsSeen) {
      this.resetsSeen = resets;
      bootstrap.restart();
    }
    if (!bootstrap.wants(frameClock)) return;
    let working = frame;
    if (this.factor !== 1) {
      downscaleBox(frame, this.options.sourceWidth, this.factor, this.working, this.workingWidth, this.workingHeight);
      working = this.working;
    }
    if (bootstrap.take(working, this.bootstrapHeld)) this.motion.seedBackground(bootstrap.median);
  }

  /** Downscale and motion: fused in the backend where it can (WASM), else downscaleBox then the backend. */
  private detectMotion(frame: Uint8Array): void {
    const motion = this.motion;
    const interval = this.interval;
    // At factor 1 the frame is the working image: no copy.
    if (this.factor === 1) motion.process(frame, interval);
    else if (motion.processSource !== undefined) motion.processSource(frame, this.options.sourceWidth, this.options.sourceHeight, this.factor, interval);
    else {
      downscaleBox(frame, this.options.sourceWidth, this.factor, this.working, this.workingWidth, this.workingHeight);
      motion.process(this.working, interval);
    }
  }

  /** Well-established single tracks, moving, teach how tall one vehicle is at each row. */
  private learnVehicleSizes(): void {
    const tracker = this.tracker;
    for (let t = 0; t < tracker.capacity; t++) {
      if (!(tracker.isActive(t) && tracker.observed[t] === 1 && tracker.singly[t] === 1 && tracker.hits[t]! > 8)) continue;
      const vx = tracker.vx[t]!;
      const vy = tracker.vy[t]!;
      if (vx * vx + vy * vy < LEARN_SPEED * LEARN_SPEED) continue;
      this.sizes.learn(tracker.cy[t]!, tracker.w[t]!, tracker.h[t]!);
    }
  }
}

export type { MotionBackendChoice } from './motion-backends.js';

/** What VisionPipeline.freezeZones() needs of the zones (ZoneMonitor.freeze): whether anything is frozen. */
export interface FreezingZones {
  freeze(freezeMask: Uint8Array, isRed: (zone: number) => boolean): boolean;
  /** Marks (1) every pixel of a zone whose group is red, 0 elsewhere; returns whether any zone is red. */
  redPixels(mask: Uint8Array, isRed: (zone: number) => boolean): boolean;
}

/**
 * Slowest track (working px per ms, 10 px/s) that teaches the vehicle-size model. Learning from every
 * observed single track let queued vehicles dominate it: a vehicle standing at red for 30 s gave 450
 * samples, often of a fragment (its roof, what stayed foreground), and the heights learnt near the stop
 * line came out 2-3x too small (simulator: 14-21 px for cars 40-60 px tall), so the queue splitter cut
 * single cars into slices that each counted. Moving vehicles are seen whole.
 */
const LEARN_SPEED = 0.01;

/** 'auto' prefers the WASM kernel: measured faster here than OpenCV through opencv4nodejs. */
export function createMotionDetector(choice: MotionBackendChoice, options: MotionOptions): MotionDetector {
  if (choice === 'opencv') return new OpenCvMotionDetector(options);
  if (choice === 'ts' || (choice === 'auto' && !wasmSimdSupported())) return new TsMotionDetector(options);
  if (!wasmSimdSupported()) throw new Error("the 'wasm' motion backend needs WebAssembly SIMD, which this runtime lacks; use 'ts'");
  return new WasmMotionDetector(options);
}

function dropSmallBlobs(blobs: BlobList, minArea: number): void {
  let kept = 0;
  for (let b = 0; b < blobs.count; b++) {
    if (blobs.area[b]! < minArea) continue;
    if (kept !== b) blobs.copy(b, kept);
    kept++;
  }
  blobs.count = kept;
}
