import { parentPort, workerData } from 'node:worker_threads';
import { SIGNAL_ASPECTS, type SignalAspect } from '../../protocol/index.js';
import { evidenceJpeg } from './evidence.js';
import { ImageStats } from './image-stats.js';
import { VisionPipeline } from './pipeline.js';
import { SafetyMonitor, type SafetyEvent } from './safety-monitor.js';
import { ZoneMonitor } from './zone-monitor.js';
import {
  CONTROL,
  CROSSING_CAPACITY,
  CROSSING_FLOATS,
  CROSSING_INTS,
  SLOT_BUSY,
  SLOT_COUNT,
  SLOT_FREE,
  SLOT_READY,
  TRACK_CAPACITY,
  TRACK_FIELDS,
  IMAGE_STATS,
  ZONE_STATS_FIELDS,
  type FrameLoopBuffers,
  type FrameLoopOptions,
} from './shared-frame-loop.js';

/**
 * The vision worker: takes the newest ready frame from shared memory, runs the pipeline, publishes
 * counts, crossings and tracks back through shared memory, and sleeps on Atomics.wait when there is no
 * frame. It never posts per frame.
 */
const { buffers, options } = workerData as { buffers: FrameLoopBuffers; options: FrameLoopOptions };
const control = new Int32Array(buffers.control);
const slotState = new Int32Array(buffers.slotState);
const slotMeta = new Float64Array(buffers.slotMeta);
const frameBytes = options.sourceWidth * options.sourceHeight;
const slots = Array.from({ length: SLOT_COUNT }, (_, i) => new Uint8Array(buffers.frames, i * frameBytes, frameBytes));
const counts = new Int32Array(buffers.counts);
const crossingInts = new Int32Array(buffers.crossingInts);
const crossingFloats = new Float64Array(buffers.crossingFloats);
const tracks = new Float32Array(buffers.tracks);
const timing = new Float64Array(buffers.timing);
const zoneStats = new Float64Array(buffers.zoneStats);
const zoneVolume = new Int32Array(buffers.zoneVolume);
const signal = new Int8Array(buffers.signal);
const imageStatsShared = new Float64Array(buffers.imageStats);
const imageStats = new ImageStats(options.sourceWidth, options.sourceHeight);

const pipeline = new VisionPipeline({
  sourceWidth: options.sourceWidth,
  sourceHeight: options.sourceHeight,
  lines: options.lines,
  ...(options.maxWorkingWidth === undefined ? {} : { maxWorkingWidth: options.maxWorkingWidth }),
  ...(options.laneDividers === undefined ? {} : { laneDividers: options.laneDividers }),
});
const factor = pipeline.factor;
const lineCount = options.lines.length;

// Zones and safety rules run here, beside the tracker and the mask they read every frame.
const groups = options.groups ?? [];
const groupIndex = new Map(groups.map((group, index) => [group, index]));
const zoneConfigs = options.zones ?? [];
const zones = new ZoneMonitor(zoneConfigs, pipeline.tracker.capacity, {
  workingWidth: pipeline.workingWidth,
  workingHeight: pipeline.workingHeight,
  factor,
  ...(options.metresPerPixel === undefined ? {} : { metresPerPixel: options.metresPerPixel }),
});
const RED = SIGNAL_ASPECTS.indexOf('red');
const zoneGroup = Int32Array.from(zoneConfigs, (zone) => (zone.phase === undefined ? -1 : (groupIndex.get(zone.phase) ?? -1)));
const zoneIsRed = (zone: number): boolean => zoneGroup[zone]! >= 0 && Atomics.load(signal, zoneGroup[zone]!) === RED;
const signalOf = (group: string): SignalAspect => {
  const index = groupIndex.get(group);
  return index === undefined ? 'dark' : (SIGNAL_ASPECTS[Atomics.load(signal, index)] ?? 'dark');
};
const safety = options.safety ? new SafetyMonitor(options.safety, options.lines.map((line) => line.name), zones, { factor, trackCapacity: pipeline.tracker.capacity }) : null;
let currentFrame: Uint8Array | null = null;
safety?.onEvent((event: SafetyEvent) => {
  // Events are rare: the evidence crop is made while the frame is still in its slot, then posted.
  let evidence: Buffer | null = null;
  try {
    if (currentFrame) evidence = evidenceJpeg(currentFrame, options.sourceWidth, options.sourceHeight, event.box, { privacyMasks: options.privacyMasks ?? [] });
  } catch {
    evidence = null;
  }
  parentPort!.postMessage({ type: 'safety', event, evidence });
});
const crossing = safety
  ? (line: number, direction: number, trackId: number, frame: number, tsMs: number, x: number, y: number) => {
      publishCrossing(line, direction, trackId, frame, tsMs, x, y);
      safety.onCrossing(line, direction, trackId, frame, tsMs, x, y);
    }
  : publishCrossing;

function publishZones(): void {
  for (let z = 0; z < zones.names.length; z++) {
    zoneStats[z * ZONE_STATS_FIELDS] = zones.occupancy[z]!;
    zoneStats[z * ZONE_STATS_FIELDS + 1] = zones.queueM[z]!;
    zoneStats[z * ZONE_STATS_FIELDS + 2] = zones.present[z]!;
    Atomics.store(zoneVolume, z, zones.volume[z]!);
  }
}

function publishCrossing(line: number, direction: number, trackId: number, frame: number, tsMs: number, x: number, y: number): void {
  const head = Atomics.load(control, CONTROL.crossingHead);
  const tail = Atomics.load(control, CONTROL.crossingTail);
  if (head - tail >= CROSSING_CAPACITY) {
    Atomics.add(control, CONTROL.crossingOverflow, 1);
    return;
  }
  const slot = head % CROSSING_CAPACITY;
  crossingInts[slot * CROSSING_INTS] = line;
  crossingInts[slot * CROSSING_INTS + 1] = direction;
  crossingInts[slot * CROSSING_INTS + 2] = trackId;
  crossingInts[slot * CROSSING_INTS + 3] = frame;
  crossingFloats[slot * CROSSING_FLOATS] = tsMs;
  crossingFloats[slot * CROSSING_FLOATS + 1] = x * factor;
  crossingFloats[slot * CROSSING_FLOATS + 2] = y * factor;
  Atomics.store(control, CONTROL.crossingHead, head + 1);
}

function publishTracks(): void {
  const tracker = pipeline.tracker;
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

/** The ready slot holding the newest frame, taken (READY → BUSY), or -1. */
function takeNewestReady(): number {
  let best = -1;
  for (let i = 0; i < SLOT_COUNT; i++) {
    if (Atomics.load(slotState, i) !== SLOT_READY) continue;
    if (best < 0 || slotMeta[i * 2 + 1]! > slotMeta[best * 2 + 1]!) best = i;
  }
  if (best < 0) return -1;
  return Atomics.compareExchange(slotState, best, SLOT_READY, SLOT_BUSY) === SLOT_READY ? best : takeNewestReady();
}

function run(): void {
  parentPort!.postMessage({ type: 'ready', workingWidth: pipeline.workingWidth, workingHeight: pipeline.workingHeight, backend: pipeline.motion.backend });
  while (Atomics.load(control, CONTROL.stop) === 0) {
    const wake = Atomics.load(control, CONTROL.wake);
    const slot = takeNewestReady();
    if (slot < 0) {
      Atomics.wait(control, CONTROL.wake, wake, 200);
      continue;
    }
    const started = performance.now();
    const frame = slots[slot]!;
    const tsMs = slotMeta[slot * 2]!;
    const index = slotMeta[slot * 2 + 1]!;
    zones.freeze(pipeline.motion.freezeMask, zoneIsRed);
    pipeline.process(frame, tsMs, index);
    zones.update(pipeline.motion.mask, pipeline.tracker, tsMs);
    for (let l = 0; l < lineCount; l++) {
      Atomics.store(counts, l * 2, pipeline.counter.lr[l]!);
      Atomics.store(counts, l * 2 + 1, pipeline.counter.rl[l]!);
    }
    pipeline.counter.drain(crossing);
    if (safety) {
      currentFrame = frame;
      safety.update(pipeline.tracker, signalOf, tsMs, index);
      currentFrame = null;
    }
    imageStats.measure(frame);
    Atomics.store(slotState, slot, SLOT_FREE);
    imageStatsShared[IMAGE_STATS.mean] = imageStats.mean;
    imageStatsShared[IMAGE_STATS.sharpness] = imageStats.sharpness;
    imageStatsShared[IMAGE_STATS.change] = imageStats.change;
    imageStatsShared[IMAGE_STATS.suddenChanges] = pipeline.motion.suddenChanges();
    publishZones();
    publishTracks();
    // Only this thread writes timing; the main thread reads it as a statistic, where a torn read is harmless.
    timing[0] = timing[0]! + (performance.now() - started);
    timing[1] = timing[1]! + 1;
    Atomics.add(control, CONTROL.processed, 1);
    // Wakes a main thread waiting in VisionWorkerHost.whenIdle() (cheap when nobody waits).
    Atomics.notify(control, CONTROL.processed);
  }
  parentPort!.postMessage({ type: 'stopped' });
}

run();
