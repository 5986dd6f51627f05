import { SIGNAL_ASPECTS, type SignalAspect } from '../../protocol/index.js';
import { evidenceJpeg } from './evidence.js';
import { FRAME_INDEX, FRAME_TS, createFrameClock } from './frame-clock.js';
import { GroundPlane } from './ground-plane.js';
import { ImageStats } from './image-stats.js';
import { createMotionDetector, VisionPipeline } from './pipeline.js';
import { SafetyMonitor, type SafetyEvent } from './safety-monitor.js';
import { ZoneMonitor } from './zone-monitor.js';
import {
  FrameLoopViews,
  CONTROL,
  CROSSING_CAPACITY,
  CROSSING_FLOATS,
  CROSSING_INTS,
  SLOT_FREE,
  TRACK_CAPACITY,
  TRACK_FIELDS,
  IMAGE_STATS,
  ZONE_STATS_FIELDS,
  type FrameLoopBuffers,
  type FrameLoopOptions,
} from './shared-frame-loop.js';

/** A safety event with its evidence crop (JPEG, privacy masks applied), or null when none could be made. */
export type SafetyEventListener = (event: SafetyEvent, evidence: Buffer | null) => void;

/**
 * One frame in this many is timed for the ms/frame statistic (a sampled mean since start, the first frame
 * included): performance.now() returns a new heap number on every call, 32 bytes of garbage per timed frame.
 * One in 1,024 is a sample every 68 s at 15 fps, 0.03 bytes a frame (one in 128 was 0.25, a third of what
 * the frame loop still allocated, measured in the allocation bench).
 */
export const TIMED_FRAME_INTERVAL = 1024;

/**
 * The vision worker's work on one frame slot: pipeline, zones, safety rules and image statistics, with
 * counts, crossings, tracks and statistics published back through the shared buffers. Apart from the
 * worker, the allocation bench drives it to measure the worker's real per-frame path.
 */
export class SharedFrameProcessor extends FrameLoopViews {
  readonly pipeline: VisionPipeline;
  readonly zones: ZoneMonitor;
  /**
   * Why the motion backend asked for could not run (the reason, naming the fix), in which case the
   * pipeline runs on auto; null when it runs on the one asked for. A camera that cannot have OpenCV keeps
   * counting on the default backend rather than going dark.
   */
  get backendFallback(): string | null {
    return this.fallbackReason;
  }
  private fallbackReason: string | null = null;
  private readonly zoneVolume: Int32Array;
  private readonly signal: Int8Array;
  private readonly imageStatsShared: Float64Array;
  private readonly imageStats: ImageStats;
  private readonly factor: number;
  private readonly lineCount: number;
  private readonly safety: SafetyMonitor | null;
  private readonly zoneIsRed: (zone: number) => boolean;
  private readonly signalOf: (group: string) => SignalAspect;
  private currentFrame: Uint8Array | null = null;
  /** Frames processed, modulo TIMED_FRAME_INTERVAL: which frames are timed. */
  private untilTimed = 0;
  /** The slot's frame time and index, handed to the stages without boxing the time (see FrameClock). */
  private readonly frameClock = createFrameClock();

  constructor(buffers: FrameLoopBuffers, options: FrameLoopOptions, onSafetyEvent: SafetyEventListener) {
    super(buffers, options);
    this.zoneVolume = new Int32Array(buffers.zoneVolume);
    this.signal = new Int8Array(buffers.signal);
    this.imageStatsShared = new Float64Array(buffers.imageStats);
    this.imageStats = new ImageStats(options.sourceWidth, options.sourceHeight);

    const pipeline = (this.pipeline = new VisionPipeline({
      sourceWidth: options.sourceWidth,
      sourceHeight: options.sourceHeight,
      lines: options.lines,
      ...(options.maxWorkingWidth === undefined ? {} : { maxWorkingWidth: options.maxWorkingWidth }),
      ...(options.laneDividers === undefined ? {} : { laneDividers: options.laneDividers }),
      motionBackend: (motionOptions) => {
        const requested = options.motionBackend ?? 'auto';
        try {
          return createMotionDetector(requested, motionOptions);
        } catch (error) {
          if (requested === 'auto') throw error;
          this.fallbackReason = (error as Error).message;
          return createMotionDetector('auto', motionOptions);
        }
      },
    }));
    const factor = (this.factor = pipeline.factor);
    this.lineCount = options.lines.length;

    // Zones and safety rules run here, beside the tracker and the mask they read every frame.
    const groups = options.groups ?? [];
    const groupIndex = new Map(groups.map((group, index) => [group, index]));
    const zoneConfigs = options.zones ?? [];
    const zones = (this.zones = new ZoneMonitor(zoneConfigs, pipeline.tracker.capacity, {
      workingWidth: pipeline.workingWidth,
      workingHeight: pipeline.workingHeight,
      factor,
      sourceWidth: options.sourceWidth,
      ...(options.metresPerPixel === undefined ? {} : { metresPerPixel: options.metresPerPixel }),
      ...(options.calibration === undefined ? {} : { groundPlane: GroundPlane.fromPoints(options.calibration.image, options.calibration.ground) }),
    }));
    const RED = SIGNAL_ASPECTS.indexOf('red');
    const zoneGroup = Int32Array.from(zoneConfigs, (zone) => (zone.phase === undefined ? -1 : (groupIndex.get(zone.phase) ?? -1)));
    const signal = this.signal;
    this.zoneIsRed = (zone: number): boolean => zoneGroup[zone]! >= 0 && Atomics.load(signal, zoneGroup[zone]!) === RED;
    this.signalOf = (group: string): SignalAspect => {
      const index = groupIndex.get(group);
      return index === undefined ? 'dark' : (SIGNAL_ASPECTS[Atomics.load(signal, index)] ?? 'dark');
    };
    const safety = (this.safety = options.safety ? new SafetyMonitor(options.safety, options.lines.map((line) => line.name), zones, {
          factor,
          trackCapacity: pipeline.tracker.capacity,
          lines: options.lines,
          image: { workingWidth: pipeline.workingWidth, sourceWidth: options.sourceWidth },
        }) : null);
    safety?.onEvent((event: SafetyEvent) => {
      // Events are rare: the evidence crop is made while the frame is still in its slot, then posted.
      let evidence: Buffer | null = null;
      try {
        if (this.currentFrame) evidence = evidenceJpeg(this.currentFrame, options.sourceWidth, options.sourceHeight, event.box, { privacyMasks: options.privacyMasks ?? [] });
      } catch {
        evidence = null;
      }
      onSafetyEvent(event, evidence);
    });
  }

  /** Processes the frame in a slot the caller has taken (BUSY), frees the slot and publishes the results. */
  processSlot(slot: number): void {
    const { pipeline, zones, control, slotMeta, counts, imageStats, imageStatsShared, timing } = this;
    const timed = this.untilTimed === 0;
    this.untilTimed = (this.untilTimed + 1) % TIMED_FRAME_INTERVAL;
    const started = timed ? performance.now() : 0;
    const frame = this.slots[slot]!;
    const frameClock = this.frameClock;
    frameClock[FRAME_TS] = slotMeta[slot * 2]!;
    frameClock[FRAME_INDEX] = slotMeta[slot * 2 + 1]!;
    pipeline.freezeZones(zones, this.zoneIsRed);
    pipeline.processAt(frame, frameClock);
    zones.updateAt(pipeline.motion.mask, pipeline.tracker, frameClock, frame);
    for (let l = 0; l < this.lineCount; l++) {
      Atomics.store(counts, l * 2, pipeline.counter.lr[l]!);
      Atomics.store(counts, l * 2 + 1, pipeline.counter.rl[l]!);
    }
    this.publishCrossings();
    if (this.safety) {
      this.currentFrame = frame;
      this.safety.seeImage(pipeline.motion.mask, frame);
      this.safety.updateAt(pipeline.tracker, this.signalOf, frameClock);
      this.currentFrame = null;
    }
    imageStats.measure(frame);
    Atomics.store(this.slotState, slot, SLOT_FREE);
    imageStatsShared[IMAGE_STATS.mean] = imageStats.mean;
    imageStatsShared[IMAGE_STATS.sharpness] = imageStats.sharpness;
    imageStatsShared[IMAGE_STATS.change] = imageStats.change;
    imageStatsShared[IMAGE_STATS.suddenChanges] = pipeline.motion.suddenChanges();
    this.publishZones();
    this.publishTracks();
    // Only this thread writes timing; the main thread reads it as a statistic, where a torn read is harmless.
    if (timed) {
      timing[0] = timing[0]! + (performance.now() - started);
      timing[1] = timing[1]! + 1;
    }
    Atomics.add(control, CONTROL.processed, 1);
    // Wakes a main thread waiting in VisionWorkerHost.whenIdle() (cheap when nobody waits).
    Atomics.notify(control, CONTROL.processed);
  }

  private publishZones(): void {
    const { zones, zoneStats } = this;
    for (let z = 0; z < zones.names.length; z++) {
      zoneStats[z * ZONE_STATS_FIELDS] = zones.occupancy[z]!;
      zoneStats[z * ZONE_STATS_FIELDS + 1] = zones.queueM[z]!;
      zoneStats[z * ZONE_STATS_FIELDS + 2] = zones.present[z]!;
      Atomics.store(this.zoneVolume, z, zones.volume[z]!);
    }
  }

  /**
   * The counter's new crossings into the shared crossing ring, and to the safety monitor. Run every frame
   * and reading the counter's log in place, so this code is optimised with the frame step: a callback per
   * crossing, rarely called, ran interpreted and boxed every float it was passed.
   */
  private publishCrossings(): void {
    const { control, crossingInts, crossingFloats, factor, safety } = this;
    const counter = this.pipeline.counter;
    for (let n = 0, logged = counter.logged; n < logged; n++) {
      const k = counter.logSlot(n);
      safety?.onLogged(counter, k);
      const head = Atomics.load(control, CONTROL.crossingHead);
      const tail = Atomics.load(control, CONTROL.crossingTail);
      if (head - tail >= CROSSING_CAPACITY) {
        Atomics.add(control, CONTROL.crossingOverflow, 1);
        continue;
      }
      const slot = head % CROSSING_CAPACITY;
      crossingInts[slot * CROSSING_INTS] = counter.logLine[k]!;
      crossingInts[slot * CROSSING_INTS + 1] = counter.logDirection[k]!;
      crossingInts[slot * CROSSING_INTS + 2] = counter.logTrack[k]!;
      crossingInts[slot * CROSSING_INTS + 3] = counter.logFrame[k]!;
      crossingFloats[slot * CROSSING_FLOATS] = counter.logTs[k]!;
      crossingFloats[slot * CROSSING_FLOATS + 1] = counter.logX[k]! * factor;
      crossingFloats[slot * CROSSING_FLOATS + 2] = counter.logY[k]! * factor;
      crossingFloats[slot * CROSSING_FLOATS + 3] = counter.logBottom[k]! * factor;
      Atomics.store(control, CONTROL.crossingHead, head + 1);
    }
    counter.clearLog();
  }

  private publishTracks(): void {
    const { control, tracks, factor } = this;
    const tracker = this.pipeline.tracker;
    Atomics.add(control, CONTROL.trackVersion, 1);
    let n = 0;
    for (let t = 0; t < tracker.capacity && n < TRACK_CAPACITY; t++) {
      if (!tracker.isActive(t)) continue;
      const base = n * TRACK_FIELDS;
      tracks[base] = tracker.id[t]!;
      tracks[base + 1] = tracker.cx[t]! * factor;
      tracks[base + 2] = tracker.cy[t]! * factor;
      tracks[base + 3] = tracker.w[t]! * factor;
      tracks[base + 4] = tracker.h[t]! * factor;
      tracks[base + 5] = tracker.vx[t]! * factor * 1000;
      tracks[base + 6] = tracker.vy[t]! * factor * 1000;
      n++;
    }
    Atomics.store(control, CONTROL.trackCount, n);
    Atomics.add(control, CONTROL.trackVersion, 1);
  }
}
