import { parentPort, workerData } from 'node:worker_threads';
import { SharedFrameProcessor } from './shared-frame-processor.js';
import { CONTROL, SLOT_BUSY, SLOT_COUNT, SLOT_READY, type FrameLoopBuffers, type FrameLoopOptions } from './shared-frame-loop.js';

/**
 * The vision worker: takes the newest ready frame from shared memory, runs the pipeline, publishes
 * counts, crossings and tracks back through shared memory, and sleeps on Atomics.wait when there is no
 * frame. It never posts per frame.
 */
const { buffers, options } = workerData as { buffers: FrameLoopBuffers; options: FrameLoopOptions };
const control = new Int32Array(buffers.control);
const slotState = new Int32Array(buffers.slotState);
const slotMeta = new Float64Array(buffers.slotMeta);
const processor = new SharedFrameProcessor(buffers, options, (event, evidence) => {
  parentPort!.postMessage({ type: 'safety', event, evidence });
});
const pipeline = processor.pipeline;

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
  parentPort!.postMessage({ type: 'ready', workingWidth: pipeline.workingWidth, workingHeight: pipeline.workingHeight, backend: pipeline.motion.backend, backendFallback: processor.backendFallback });
  while (Atomics.load(control, CONTROL.stop) === 0) {
    const wake = Atomics.load(control, CONTROL.wake);
    const slot = takeNewestReady();
    if (slot < 0) {
      Atomics.wait(control, CONTROL.wake, wake, 200);
      continue;
    }
    processor.processSlot(slot);
  }
  parentPort!.postMessage({ type: 'stopped' });
}

run();
