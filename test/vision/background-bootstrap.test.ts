import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BackgroundBootstrap } from '../../edge/vision/background-bootstrap.js';
import { createFrameClock, setFrameClock } from '../../edge/vision/frame-clock.js';
import { VisionPipeline } from '../../edge/vision/pipeline.js';
import { ZoneMonitor, type ZoneConfig } from '../../edge/vision/zone-monitor.js';

const W = 64;
const H = 48;

/** A road with some texture (a ramp and stripes), gray bytes. */
function road(): Uint8Array {
  const frame = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) frame[y * W + x] = 90 + ((x * 2 + y) % 40) + (x % 8 === 0 ? 30 : 0);
  return frame;
}

/** The road with a dark box painted over [x0, x1) × [y0, y1). */
function withBox(base: Uint8Array, x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const frame = base.slice();
  for (let y = Math.max(0, y0); y < Math.min(H, y1); y++) for (let x = Math.max(0, x0); x < Math.min(W, x1); x++) frame[y * W + x] = 20;
  return frame;
}

test('samples evenly over the span, installs at a third of the samples and at all of them, then stops', () => {
  const bootstrap = new BackgroundBootstrap(W * H, { samples: 7, spanMs: 6000 });
  const clock = createFrameClock();
  const frame = road();
  const sampledAt: number[] = [];
  const installedAt: number[] = [];
  for (let ms = 0; ms <= 8000; ms += 250) {
    if (!bootstrap.wants(setFrameClock(clock, ms, ms / 250))) continue;
    sampledAt.push(ms);
    if (bootstrap.take(frame)) installedAt.push(ms);
  }
  assert.equal(sampledAt, [0, 1000, 2000, 3000, 4000, 5000, 6000]);
  assert.equal(installedAt, [2000, 6000], 'after 3 samples (a third of 7, odd) and after all 7');
  assert.ok(bootstrap.done);
  assert.equal(bootstrap.median, frame);
  bootstrap.restart();
  assert.not.ok(bootstrap.done);
  assert.ok(bootstrap.wants(setFrameClock(clock, 9000, 36)), 'a restart samples the next frame at once');
});

test('the median leaves out a vehicle that passes and keeps one that stands through most samples', () => {
  const base = road();
  const bootstrap = new BackgroundBootstrap(W * H, { samples: 9, spanMs: 8000 });
  const clock = createFrameClock();
  for (let k = 0; k < 9; k++) {
    // A vehicle drives down the image, a different place each sample; another stands at the left all along
    // but for the first two samples.
    let frame = withBox(base, 24, k * 6 - 4, 40, k * 6 + 8);
    if (k >= 2) frame = withBox(frame, 2, 30, 12, 40);
    assert.ok(bootstrap.wants(setFrameClock(clock, k * 1000, k)));
    bootstrap.take(frame);
  }
  const standing = withBox(base, 2, 30, 12, 40);
  assert.equal(bootstrap.median, standing, 'the road where the vehicle passed, the standing vehicle where it stood');
});

test('pixels held out of samples (a queue at red) catch up after the span, and the median is installed again then', () => {
  // 5 samples over 4 s, up to 3 spans. A queue stands at the left while its zone is red (the first
  // 6 s); a car passes the right now and then. The held pixels take no sample during the red.
  const base = road();
  const bootstrap = new BackgroundBootstrap(W * H, { samples: 5, spanMs: 4000, maxSpans: 3 });
  const held = new Uint8Array(W * H);
  for (let y = 20; y < 48; y++) held.fill(1, y * W, y * W + 24);
  const queue = withBox(base, 2, 22, 20, 46);
  const clock = createFrameClock();
  const installedAt: number[] = [];
  let ms = 0;
  for (; ms <= 20_000 && !bootstrap.done; ms += 250) {
    if (!bootstrap.wants(setFrameClock(clock, ms, ms / 250))) continue;
    const red = ms < 6000;
    // The queue leaves at green; a car passes the right half every third second.
    let frame = red ? queue : base;
    if (ms % 3000 === 0) frame = withBox(frame, 40, 10, 56, 30);
    if (bootstrap.take(frame, red ? held : null)) {
      installedAt.push(ms);
      if (ms === 4000) assert.is(bootstrap.median[30 * W + 10], 20, 'held throughout so far: the frame (the queue) stands in');
      if (ms === 4000) assert.is(bootstrap.median[20 * W + 48], base[20 * W + 48], 'elsewhere the median of the span');
    }
  }
  assert.equal(installedAt, [2000, 4000, 10_000], 'at a third, at all samples, and when the held pixels have 5 of their own (6..10 s)');
  assert.ok(bootstrap.done);
  assert.equal(bootstrap.median, base, 'the road under the queue and where the car passed');
  assert.not.ok(bootstrap.wants(setFrameClock(clock, ms, ms / 250)), 'done: no more samples');

  // Held for ever (a zone stuck at red): sampling stops after maxSpans spans, the frame standing in.
  const stuck = new BackgroundBootstrap(W * H, { samples: 5, spanMs: 4000, maxSpans: 3 });
  let taken = 0;
  for (let t = 0; t <= 40_000 && !stuck.done; t += 250) {
    if (!stuck.wants(setFrameClock(clock, t, t / 250))) continue;
    taken++;
    stuck.take(queue, held);
  }
  assert.is(taken, 15, '3 spans of 5 samples');
  assert.equal(stuck.median, queue);
});

test('options are checked', () => {
  assert.throws(() => new BackgroundBootstrap(10, { samples: 4 }), /odd integer/);
  assert.throws(() => new BackgroundBootstrap(10, { samples: 1 }), /odd integer/);
  assert.throws(() => new BackgroundBootstrap(10, { spanMs: 0 }), /spanMs/);
  assert.throws(() => new BackgroundBootstrap(10, { samples: 257 }), /odd integer/);
  assert.throws(() => new BackgroundBootstrap(10, { maxSpans: 0.5 }), /maxSpans/);
});

for (const backend of ['ts', 'wasm'] as const) {
  test(`${backend}: a vehicle in view at start-up leaves no ghost once the bootstrap's median is installed`, () => {
    // The node starts with a truck standing at the bottom; it drives off after 2 s (the 1.5 s warm-up has burned
    // it into the background by then). Without the bootstrap its place stays foreground for minutes.
    const base = road();
    const truckFrame = withBox(base, 16, 28, 48, 48);
    const fps = 15;
    const foregroundAt = (bootstrap: boolean, seconds: number): number => {
      const pipeline = new VisionPipeline({ sourceWidth: W, sourceHeight: H, lines: [], motionBackend: backend, ...(bootstrap ? {} : { bootstrap: false }) });
      let foreground = 0;
      for (let i = 0; i <= seconds * fps; i++) {
        pipeline.process(i < 2 * fps ? truckFrame : base, (i * 1000) / fps, i);
        foreground = pipeline.motion.mask.reduce((sum, v) => sum + v, 0);
      }
      return foreground;
    };
    assert.ok(foregroundAt(false, 12) > 400, 'without a bootstrap the truck’s place is a ghost 10 s after it left');
    assert.is(foregroundAt(true, 12), 0, 'with it the ghost is gone once the median (5 samples by 5.7 s) is installed');
  });

  test(`${backend}: a queue standing at red when the node starts leaves no ghost once the green has given the bootstrap its samples`, () => {
    // A queue stands in the left lane's zone through the first 12 s (red), then drives off. The median over
    // the first 20 s has it in 9 of 15 samples; with the zone's pixels held out while red, they are sampled
    // in the green instead.
    const base = road();
    const queueFrame = withBox(base, 4, 8, 28, 48);
    const lane: ZoneConfig = { name: 'left', points: [{ x: 0, y: 0 }, { x: 32, y: 0 }, { x: 32, y: 48 }, { x: 0, y: 48 }], phase: 'a' };
    const fps = 15;
    const ghostAt = (signalFeed: boolean, seconds: number): number => {
      const pipeline = new VisionPipeline({ sourceWidth: W, sourceHeight: H, lines: [], motionBackend: backend });
      const zones = new ZoneMonitor([lane], pipeline.tracker.capacity, { workingWidth: pipeline.workingWidth, workingHeight: pipeline.workingHeight, factor: pipeline.factor });
      let ghost = 0;
      for (let i = 0; i <= seconds * fps; i++) {
        const red = i < 12 * fps;
        if (signalFeed) pipeline.freezeZones(zones, () => red);
        pipeline.process(red ? queueFrame : base, (i * 1000) / fps, i);
        zones.update(pipeline.motion.mask, pipeline.tracker, (i * 1000) / fps);
        ghost = pipeline.motion.mask.reduce((sum, v) => sum + v, 0);
      }
      return ghost;
    };
    assert.ok(ghostAt(false, 36) > 200, 'without the signal the queue is a ghost 24 s after it left');
    assert.is(ghostAt(true, 36), 0, 'with it the green’s samples (by about 33 s) give the road back');
  });
}

test.run();
