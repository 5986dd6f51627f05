import { parentPort, workerData } from 'node:worker_threads';
import { VisionPipeline } from './pipeline.js';
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

const pipeline = new VisionPipeline({
  sourceWidth: options.sourceWidth,
  sourceHeight: options.sourceHeight,
  lines: options.lines,
  ...(options.maxWorkingWidth === undefined ? {} : { maxWorkingWidth: options.maxWorkingWidth }),
});
const factor = pipeline.factor;
const lineCount = options.lines.length;

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
    pipeline.process(slots[slot]!, slotMeta[slot * 2]!, slotMeta[slot * 2 + 1]!);
    Atomics.store(slotState, slot, SLOT_FREE);
    for (let l = 0; l < lineCount; l++) {
      Atomics.store(counts, l * 2, pipeline.counter.lr[l]!);
      Atomics.store(counts, l * 2 + 1, pipeline.counter.rl[l]!);
    }
    pipeline.counter.drain(publishCrossing);
    publishTracks();
    // Only this thread writes timing; the main thread reads it as a statistic, where a torn read is harmless.
    timing[0] = timing[0]! + (performance.now() - started);
    timing[1] = timing[1]! + 1;
    Atomics.add(control, CONTROL.processed, 1);
  }
  parentPort!.postMessage({ type: 'stopped' });
}

run();
