import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import jpeg from 'jpeg-js';
import { snapshotHandler, type SnapshotCamera } from '../../edge/commands/handlers/snapshot.js';
import { routerFixture } from './command-fixture.js';

/** snapshot: a JPEG of the next frame with privacy masks blanked; errors name the camera and the fix. */
const test = suite('snapshot command');

/** A 320×240 frame of horizontal bands (gray 60..240), as a camera would deliver it. */
function bandedCamera(id: string, masks: SnapshotCamera['privacyMasks'], delivers = true): SnapshotCamera {
  const width = 320;
  const height = 240;
  const gray = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) gray.fill(60 + Math.floor((y / height) * 180), y * width, (y + 1) * width);
  return { id, privacyMasks: masks, nextFrame: async () => (delivers ? { gray, width, height, capturedAt: 1234 } : null) };
}

function pixel(image: { data: Uint8Array; width: number }, x: number, y: number): number {
  return image.data[(y * image.width + x) * 4]!;
}

test('the JPEG shows the frame with the privacy mask blanked', async () => {
  const mask = [{ x: 200, y: 20 }, { x: 300, y: 20 }, { x: 300, y: 100 }, { x: 200, y: 100 }];
  const { send, request } = await routerFixture([snapshotHandler(() => [bandedCamera('cam1', [mask])])]);
  const { response } = await send(request('snapshot', { camera: 'cam1' }));
  assert.is(response.status, 'ok', response.error);
  assert.is(response.result.width, 320);
  assert.is(response.result.masksBlanked, 1);
  const image = jpeg.decode(response.result.jpeg, { useTArray: true });
  assert.is(image.width, 320);
  assert.is(image.height, 240);
  assert.ok(pixel(image, 250, 60) < 12, `masked pixel is ${pixel(image, 250, 60)}, expected black`);
  const expected = 60 + Math.floor((60 / 240) * 180);
  assert.ok(Math.abs(pixel(image, 100, 60) - expected) < 12, `unmasked pixel ${pixel(image, 100, 60)} vs ${expected}`);
});

test('maxSide downsizes; the mask stays black at the smaller size', async () => {
  const mask = [{ x: 0, y: 0 }, { x: 160, y: 0 }, { x: 160, y: 240 }, { x: 0, y: 240 }];
  const { send, request } = await routerFixture([snapshotHandler(() => [bandedCamera('cam1', [mask])])]);
  const { response } = await send(request('snapshot', { camera: 'cam1', maxSide: 160, quality: 60 }));
  const image = jpeg.decode(response.result.jpeg, { useTArray: true });
  assert.equal([image.width, image.height, response.result.width, response.result.height], [160, 120, 160, 120]);
  assert.ok(pixel(image, 40, 60) < 12);
  assert.ok(pixel(image, 120, 60) > 100);
});

test('an unknown camera, a camera without frames and bad args are errors that say what to do', async () => {
  const { send, request } = await routerFixture([snapshotHandler(() => [bandedCamera('cam1', []), bandedCamera('cam2', [], false)], 20)]);
  assert.is((await send(request('snapshot', { camera: 'cam9' }))).response.error, 'args.camera: no running camera "cam9" (running: cam1, cam2)');
  assert.is((await send(request('snapshot', { camera: 'cam2' }))).response.error, 'camera cam2 delivered no frame within 20 ms');
  assert.match((await send(request('snapshot', { camera: 'cam1', quality: 100 }))).response.error ?? '', /^args\.quality/);
  assert.match((await send(request('snapshot', {}))).response.error ?? '', /^args\.camera/);
});

test.run();
