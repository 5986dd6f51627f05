import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApproachScene } from '../../../sim/scene/approach-scene.js';
import { SceneFrameSource } from '../../../sim/scene/scene-frame-source.js';
import { VirtualClock } from '../../../sim/virtual-clock.js';

test('delivers the scene at its fps on the clock, in a ring of three buffers', async () => {
  const clock = new VirtualClock();
  const scene = new ApproachScene({ seed: 4, fps: 15 });
  const source = new SceneFrameSource({ id: 'cam-scene', scene, clock });
  const buffers: ArrayBufferLike[] = [];
  const indexes: number[] = [];
  await source.start((frame) => {
    assert.is(frame.width, 320);
    assert.is(frame.data.length, 320 * 240);
    buffers.push(frame.data.buffer);
    indexes.push(frame.index);
  });
  clock.advance(1000);
  await source.stop();
  assert.equal(indexes, [...Array(15).keys()]);
  assert.is(new Set(buffers).size, 3);
  assert.equal(source.stats(), { framesDelivered: 15, framesDropped: 0, restarts: 0 });
});

test('frames are the scene frames; while the consumer is busy they are dropped and counted, the world moves on', async () => {
  const reference = new ApproachScene({ seed: 4 });
  const expected = new Uint8Array(320 * 240);
  reference.renderFrame(9, expected);
  const clock = new VirtualClock();
  let busy = false;
  const scene = new ApproachScene({ seed: 4 });
  const source = new SceneFrameSource({ id: 'cam-scene', scene, clock, isConsumerBusy: () => busy });
  const seen = new Map<number, string>();
  await source.start((frame) => seen.set(frame.index, createHash('sha1').update(frame.data).digest('hex')));
  busy = true;
  clock.advance(400);
  busy = false;
  clock.advance(300);
  await source.stop();
  // 400 ms at 15 fps is frames 0–5 (dropped), the next 300 ms frames 6–9.
  assert.equal([...seen.keys()], [6, 7, 8, 9]);
  assert.is(seen.get(9), createHash('sha1').update(expected).digest('hex'));
  assert.equal(source.stats(), { framesDelivered: 4, framesDropped: 6, restarts: 0 });
  assert.is(scene.frameIndex, 9);
});

test.run();
