import { test } from 'uvu';
import * as assert from 'uvu/assert';
import jpeg from 'jpeg-js';
import type { Point } from '../../edge/vision/geometry.js';
import { blankPrivacyMasks, evidenceJpeg } from '../../edge/vision/evidence.js';

const WIDTH = 200;
const HEIGHT = 100;

function uniform(value: number): Uint8Array {
  return new Uint8Array(WIDTH * HEIGHT).fill(value);
}

function rectangle(x0: number, y0: number, x1: number, y1: number): Point[] {
  return [{ x: x0, y: y0 }, { x: x1, y: y0 }, { x: x1, y: y1 }, { x: x0, y: y1 }];
}

function decode(bytes: Buffer) {
  const image = jpeg.decode(bytes, { useTArray: true });
  // Gray in, gray out: the red channel stands for all three.
  const at = (x: number, y: number) => image.data[(y * image.width + x) * 4]!;
  return { width: image.width, height: image.height, at };
}

test('the crop is the box plus the margin on every side, at full size when it fits maxSide', () => {
  const image = decode(evidenceJpeg(uniform(128), WIDTH, HEIGHT, { x: 80, y: 40, w: 20, h: 10 }));
  assert.is(image.width, 40);
  assert.is(image.height, 20);
  assert.ok(Math.abs(image.at(20, 10) - 128) <= 3, `value ${image.at(20, 10)}`);
});

test('a large crop is downsized so the longer side is maxSide, keeping the aspect', () => {
  const image = decode(evidenceJpeg(uniform(90), WIDTH, HEIGHT, { x: 0, y: 0, w: 200, h: 100 }, { marginFraction: 0, maxSide: 50, quality: 90 }));
  assert.is(image.width, 50);
  assert.is(image.height, 25);
});

test('the crop is clamped to the image at its edges', () => {
  const corner = decode(evidenceJpeg(uniform(60), WIDTH, HEIGHT, { x: 190, y: 95, w: 20, h: 10 }));
  assert.is(corner.width, 20); // 180..200 of 180..220
  assert.is(corner.height, 10); // 90..100 of 90..110
  const origin = decode(evidenceJpeg(uniform(60), WIDTH, HEIGHT, { x: -5, y: -5, w: 20, h: 10 }));
  assert.is(origin.width, 25); // 0..25 of -15..25
  assert.is(origin.height, 10); // 0..10 of -10..10
  assert.throws(() => evidenceJpeg(uniform(60), WIDTH, HEIGHT, { x: 300, y: 10, w: 10, h: 10 }), /lies outside the 200×100 image/);
});

test('privacy masks are black in the evidence, full size and downsized', () => {
  const gray = uniform(200);
  const privacyMasks = [rectangle(80, 40, 100, 50)];
  const box = { x: 70, y: 30, w: 40, h: 30 }; // crop 70..110 × 30..60: the mask at 10..30 × 10..20
  const full = decode(evidenceJpeg(gray, WIDTH, HEIGHT, box, { marginFraction: 0, quality: 90, privacyMasks }));
  assert.is(full.width, 40);
  for (let y = 12; y < 18; y++) for (let x = 12; x < 28; x++) assert.ok(full.at(x, y) <= 12, `masked ${x},${y}: ${full.at(x, y)}`);
  for (const [x, y] of [[2, 2], [37, 27], [5, 15], [35, 15]] as const) assert.ok(Math.abs(full.at(x, y) - 200) <= 8, `unmasked ${x},${y}: ${full.at(x, y)}`);
  assert.is(gray[45 * WIDTH + 90], 200, 'the source frame is left as it was');

  const small = decode(evidenceJpeg(gray, WIDTH, HEIGHT, box, { marginFraction: 0, maxSide: 20, quality: 90, privacyMasks }));
  assert.is(small.width, 20);
  assert.is(small.height, 15);
  // The mask lands on 5..15 × 5..10 of the 20×15 output.
  for (let y = 6; y < 9; y++) for (let x = 6; x < 14; x++) assert.ok(small.at(x, y) <= 12, `masked ${x},${y}: ${small.at(x, y)}`);
  assert.ok(Math.abs(small.at(1, 1) - 200) <= 8);
});

test('blankPrivacyMasks blanks exactly the polygons of a whole frame', () => {
  const gray = uniform(77);
  blankPrivacyMasks(gray, WIDTH, HEIGHT, [rectangle(10, 10, 30, 20), [{ x: 100, y: 0 }, { x: 140, y: 0 }, { x: 100, y: 40 }], rectangle(190, 90, 260, 160)]);
  let zeros = 0;
  for (const value of gray) if (value === 0) zeros++;
  // 200 + about 800 (the triangle's area) + 100 (the part of the last rectangle inside the frame).
  assert.ok(Math.abs(zeros - 1100) <= 40, `${zeros} pixels blanked`);
  assert.is(gray[15 * WIDTH + 20], 0);
  assert.is(gray[5 * WIDTH + 105], 0);
  assert.is(gray[35 * WIDTH + 135], 77);
  assert.is(gray[95 * WIDTH + 195], 0);
  assert.is(gray[50 * WIDTH + 50], 77);
});

test.run();
