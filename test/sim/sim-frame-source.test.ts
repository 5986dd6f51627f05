import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../../edge/hal/camera.js';
import { SimFrameSource, type SimFrameSourceOptions } from '../../sim/sim-frame-source.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

function camera(overrides: Partial<SimFrameSourceOptions> = {}): { clock: VirtualClock; source: SimFrameSource } {
  const clock = new VirtualClock();
  const source = new SimFrameSource({ id: 'cam-n', width: 64, height: 48, fps: 10, clock, seed: 7, ...overrides });
  return { clock, source };
}

/** Hashes the first `count` frames a fresh camera delivers. */
async function hashRun(seed: number, count: number): Promise<string> {
  const { clock, source } = camera({ seed });
  const hash = createHash('sha256');
  await source.start((frame) => hash.update(frame.data));
  clock.advance(count * 100);
  await source.stop();
  return hash.digest('hex');
}

test('delivers frames at fps on the virtual clock, with consecutive indexes and capture times', async () => {
  const { clock, source } = camera({ fps: 15 });
  const frames: Array<{ index: number; tsMs: number }> = [];
  await source.start((frame) => frames.push({ index: frame.index, tsMs: frame.tsMs }));
  clock.advance(1000);
  assert.is(frames.length, 15);
  assert.equal(frames.map((f) => f.index), [...Array(15).keys()]);
  assert.ok(Math.abs(frames[14]!.tsMs - 1000) < 1e-6, 'a fractional period must not drift');
  clock.advance(9000);
  assert.is(frames.length, 150);
  assert.equal(source.stats(), { framesDelivered: 150, framesDropped: 0, restarts: 0 });
});

test('frame content is deterministic per seed and differs across seeds', async () => {
  const first = await hashRun(7, 30);
  const second = await hashRun(7, 30);
  const other = await hashRun(8, 30);
  assert.is(first, second);
  assert.is.not(first, other);
});

test('the scene moves: consecutive frames differ, and contain bright vehicles over a darker road', async () => {
  const { clock, source } = camera();
  const digests: string[] = [];
  let maxValue = 0;
  let minValue = 255;
  await source.start((frame) => {
    digests.push(createHash('sha1').update(frame.data).digest('hex'));
    for (const value of frame.data) {
      maxValue = Math.max(maxValue, value);
      minValue = Math.min(minValue, value);
    }
  });
  clock.advance(500);
  assert.is(new Set(digests).size, digests.length);
  assert.ok(maxValue >= 200, `brightest pixel ${maxValue}`);
  assert.ok(minValue < 100, `darkest pixel ${minValue}`);
});

test('frames reuse a ring of three preallocated buffers', async () => {
  const { clock, source } = camera();
  const buffers: ArrayBufferLike[] = [];
  await source.start((frame: Frame) => {
    assert.is(frame.data.length, 64 * 48);
    assert.is(frame.width, 64);
    assert.is(frame.height, 48);
    buffers.push(frame.data.buffer);
  });
  clock.advance(1200);
  assert.is(buffers.length, 12);
  assert.is(new Set(buffers).size, 3);
  buffers.forEach((buffer, i) => {
    if (i >= 3) assert.ok(buffer === buffers[i - 3], `frame ${i} must reuse the buffer of frame ${i - 3}`);
  });
});

test('frames captured while the consumer is busy are dropped and counted, leaving index gaps', async () => {
  let busy = false;
  const { clock, source } = camera({ isConsumerBusy: () => busy });
  const indexes: number[] = [];
  await source.start((frame) => indexes.push(frame.index));
  clock.advance(300);
  busy = true;
  clock.advance(400);
  busy = false;
  clock.advance(300);
  assert.equal(indexes, [0, 1, 2, 7, 8, 9]);
  assert.equal(source.stats(), { framesDelivered: 6, framesDropped: 4, restarts: 0 });
});

test('stop ends capture; a later start counts as a restart and begins again at index 0', async () => {
  const { clock, source } = camera();
  const indexes: number[] = [];
  await source.start((frame) => indexes.push(frame.index));
  clock.advance(250);
  await source.stop();
  clock.advance(1000);
  assert.equal(indexes, [0, 1]);
  assert.is(clock.pending(), 0);
  await source.start((frame) => indexes.push(frame.index));
  clock.advance(100);
  assert.equal(indexes, [0, 1, 0]);
  assert.is(source.stats().restarts, 1);
});

test('start twice without stop is refused; bad geometry or fps is refused', async () => {
  const { source, clock } = camera();
  await source.start(() => undefined);
  let message = '';
  await source.start(() => undefined).catch((error: Error) => (message = error.message));
  assert.match(message, /already started/);
  assert.throws(() => new SimFrameSource({ id: 'x', width: 64, height: 48, fps: 0, clock, seed: 1 }), RangeError);
  assert.throws(() => new SimFrameSource({ id: 'x', width: 4, height: 48, fps: 10, clock, seed: 1 }), RangeError);
});

test.run();
