import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { downscaleBox, downscaleFactor } from '../../edge/vision/downscale.js';

function reference(source: Uint8Array, width: number, factor: number, outWidth: number, outHeight: number): Uint8Array {
  const out = new Uint8Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) sum += source[(y * factor + dy) * width + x * factor + dx]!;
      out[y * outWidth + x] = Math.floor((sum + ((factor * factor) >> 1)) / (factor * factor));
    }
  }
  return out;
}

for (const width of [66, 64]) test(`box downscale by 1, 2 and 3 equals the rounded block mean (width ${width}${width % 4 === 0 ? ', 32-bit word path' : ''})`, () => {
  const height = 42;
  const source = Uint8Array.from({ length: width * height }, (_, i) => (i * 37 + (i >> 3) * 11) & 255);
  for (const factor of [1, 2, 3]) {
    const outWidth = Math.floor(width / factor);
    const outHeight = Math.floor(height / factor);
    const out = new Uint8Array(outWidth * outHeight);
    downscaleBox(source, width, factor, out, outWidth, outHeight);
    assert.equal(out, reference(source, width, factor, outWidth, outHeight), `factor ${factor}`);
  }
});

test('downscale factor: the smallest integer that fits the working width', () => {
  assert.is(downscaleFactor(640, 320), 2);
  assert.is(downscaleFactor(1920, 320), 6);
  assert.is(downscaleFactor(320, 320), 1);
});

test.run();
