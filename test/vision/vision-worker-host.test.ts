import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeVideo } from '../../edge/hal/drivers/video-file-reader.js';
import { VisionPipeline } from '../../edge/vision/pipeline.js';
import { VisionWorkerHost } from '../../edge/vision/vision-worker-host.js';
import { OPENCV_MISSING_MESSAGE, openCvAvailable } from '../../edge/opencv-loader.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLIP = new URL('../../../shared/data/bgslibrary_video03.avi', import.meta.url).pathname;
const LINE = { name: 'L', a: { x: 50, y: 130 }, b: { x: 275, y: 130 } };
const test = suite('vision worker host');
const frames: Uint8Array[] = [];

test.before(async () => {
  // The first 480 frames hold 5 crossings (frames 142, 262, 275, 355, 429).
  await decodeVideo(CLIP, {}, (frame) => {
    if (frame.index < 480) frames.push(frame.data.slice());
  });
});

test('the worker counts exactly what the pipeline counts in-thread on the same frames', async () => {
  const inThread = new VisionPipeline({ sourceWidth: 320, sourceHeight: 240, lines: [LINE] });
  frames.forEach((frame, index) => inThread.process(frame, (index * 1000) / 60, index));

  const host = await VisionWorkerHost.start({ sourceWidth: 320, sourceHeight: 240, lines: [LINE] });
  try {
    assert.is(host.workingWidth, 320);
    for (const [index, frame] of frames.entries()) {
      // Pace like a camera that waits for the worker, so no frame is dropped.
      while (host.busy()) await new Promise((resolve) => setImmediate(resolve));
      assert.ok(host.submit(frame, (index * 1000) / 60, index));
    }
    // Not busy() (the slot is freed before the frame's results are published): whenIdle() waits for them.
    await host.whenIdle();
    assert.equal(host.lineTotals(0), { lr: inThread.counter.lr[0]!, rl: inThread.counter.rl[0]! });
    assert.ok(inThread.counter.lr[0]! >= 4, `the clip's first frames hold crossings (got ${inThread.counter.lr[0]})`);
    const crossings: number[] = [];
    host.drainCrossings((_line, direction, _track, frame) => crossings.push(direction === 0 ? frame : -frame));
    assert.is(crossings.length, inThread.counter.lr[0]! + inThread.counter.rl[0]!);
    const stats = host.stats();
    assert.is(stats.processed, frames.length);
    assert.is(stats.dropped, 0);
    assert.ok(stats.msPerFrame > 0);
  } finally {
    await host.stop();
  }
});

test('whenIdle() paces a source on the worker without polling: no frame dropped, the same counts as in-thread', async () => {
  const inThread = new VisionPipeline({ sourceWidth: 320, sourceHeight: 240, lines: [LINE] });
  frames.forEach((frame, index) => inThread.process(frame, (index * 1000) / 60, index));
  const host = await VisionWorkerHost.start({ sourceWidth: 320, sourceHeight: 240, lines: [LINE] });
  try {
    for (const [index, frame] of frames.entries()) {
      await host.whenIdle();
      assert.ok(host.submit(frame, (index * 1000) / 60, index), `frame ${index} was submitted while the worker was idle`);
    }
    await host.whenIdle();
    assert.not.ok(host.busy());
    assert.equal(host.stats().processed, frames.length);
    assert.equal(host.lineTotals(0), { lr: inThread.counter.lr[0]!, rl: inThread.counter.rl[0]! });
  } finally {
    await host.stop();
  }
});

test('a consumer slower than the camera: the newest frame wins and drops are counted, never queued', async () => {
  const host = await VisionWorkerHost.start({ sourceWidth: 320, sourceHeight: 240, lines: [LINE] });
  try {
    let accepted = 0;
    for (const [index, frame] of frames.entries()) if (host.submit(frame, (index * 1000) / 60, index)) accepted++;
    // Not busy() (the slot is freed before the frame's results are published): whenIdle() waits for them.
    await host.whenIdle();
    const stats = host.stats();
    assert.ok(stats.dropped > 0, 'submitting faster than the worker drops frames');
    assert.is(stats.dropped + accepted, frames.length);
    assert.is(stats.processed + stats.dropped, frames.length, 'every frame is either processed or counted as dropped');
    assert.ok(host.trackSnapshot().every((track) => track.id > 0 && Number.isFinite(track.cx)));
  } finally {
    await host.stop();
  }
});

test('the worker runs the motion backend asked for (ts): the same counts as that backend in-thread', async () => {
  const inThread = new VisionPipeline({ sourceWidth: 320, sourceHeight: 240, lines: [LINE], motionBackend: 'ts' });
  frames.forEach((frame, index) => inThread.process(frame, (index * 1000) / 60, index));
  const host = await VisionWorkerHost.start({ sourceWidth: 320, sourceHeight: 240, lines: [LINE], motionBackend: 'ts' });
  try {
    assert.is(host.backend, 'ts');
    assert.is(host.backendFallback, null);
    for (const [index, frame] of frames.entries()) {
      await host.whenIdle();
      host.submit(frame, (index * 1000) / 60, index);
    }
    await host.whenIdle();
    assert.equal(host.lineTotals(0), { lr: inThread.counter.lr[0]!, rl: inThread.counter.rl[0]! });
  } finally {
    await host.stop();
  }
});

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The worker-backend probe in a process of its own (see the probe: OpenCV works in one thread per process). */
async function probe(backend: string, preload: string[] = []): Promise<{ backend: string; backendFallback: string | null; totals: { lr: number; rl: number }; processed: number }> {
  const child = spawn(process.execPath, [...preload, '--import', 'tsx', 'test/support/worker-backend-probe.ts', backend, String(frames.length)], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.is(code, 0, `the probe failed: ${err}`);
  const line = out.split('\n').find((text) => text.startsWith('{'));
  assert.ok(line, `the probe printed no result: ${out} ${err}`);
  return JSON.parse(line!);
}

test('motionBackend opencv in the worker: runs on OpenCV where installed and counts as in-thread; elsewhere falls back to auto', async () => {
  const inThread = new VisionPipeline({ sourceWidth: 320, sourceHeight: 240, lines: [LINE] });
  frames.forEach((frame, index) => inThread.process(frame, (index * 1000) / 60, index));
  const expected = { lr: inThread.counter.lr[0]!, rl: inThread.counter.rl[0]! };
  const result = await probe('opencv');
  assert.is(result.processed, frames.length);
  assert.equal(result.totals, expected, 'OpenCV masks agree with the TS/WASM ones to 99.99 %: the same crossings');
  if (openCvAvailable()) {
    assert.is(result.backend, 'opencv');
    assert.is(result.backendFallback, null);
  } else {
    console.log('  @u4/opencv4nodejs is not installed (scripts/install-opencv.sh): the worker was checked to fall back to auto');
    assert.is(result.backend, inThread.motion.backend);
    assert.is(result.backendFallback, OPENCV_MISSING_MESSAGE);
  }
});

test('motionBackend opencv on a machine without @u4/opencv4nodejs: the camera keeps counting on auto, and says why', async () => {
  const inThread = new VisionPipeline({ sourceWidth: 320, sourceHeight: 240, lines: [LINE] });
  frames.forEach((frame, index) => inThread.process(frame, (index * 1000) / 60, index));
  const result = await probe('opencv', ['--require', './test/support/hide-opencv.cjs']);
  assert.is(result.backend, inThread.motion.backend);
  assert.is(result.backendFallback, OPENCV_MISSING_MESSAGE);
  assert.equal(result.totals, { lr: inThread.counter.lr[0]!, rl: inThread.counter.rl[0]! });
});

test.run();
