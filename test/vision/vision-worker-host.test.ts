import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeVideo } from '../../edge/hal/drivers/video-file-reader.js';
import { VisionPipeline } from '../../edge/vision/pipeline.js';
import { VisionWorkerHost } from '../../edge/vision/vision-worker-host.js';

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
    while (host.busy()) await new Promise((resolve) => setTimeout(resolve, 5));
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
    while (host.busy()) await new Promise((resolve) => setTimeout(resolve, 5));
    const stats = host.stats();
    assert.ok(stats.dropped > 0, 'submitting faster than the worker drops frames');
    assert.is(stats.dropped + accepted, frames.length);
    assert.is(stats.processed + stats.dropped, frames.length, 'every frame is either processed or counted as dropped');
    assert.ok(host.trackSnapshot().every((track) => track.id > 0 && Number.isFinite(track.cx)));
  } finally {
    await host.stop();
  }
});

test.run();
