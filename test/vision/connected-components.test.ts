import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BlobList } from '../../edge/vision/blob-list.js';
import { groupStackedBlobs } from '../../edge/vision/blob-grouping.js';
import { ConnectedComponents } from '../../edge/vision/connected-components.js';
import { horizontal3, lastWordMask, unpackBits, vertical3, wordsPerRow } from '../../edge/vision/bit-morphology.js';
import { VehicleSizeModel } from '../../edge/vision/vehicle-size-model.js';
import { setBlob } from './fake-blobs.js';

function mask(rows: string[]): { data: Uint8Array; width: number; height: number } {
  const width = rows[0]!.length;
  const data = new Uint8Array(width * rows.length);
  rows.forEach((row, y) => [...row].forEach((c, x) => (data[y * width + x] = c === '#' ? 1 : 0)));
  return { data, width, height: rows.length };
}

test('8-connected regions with area, box and centroid; small regions filtered', () => {
  const { data, width, height } = mask([
    '##......#',
    '.##.....#',
    '..#.....#',
    '........#',
    '.###.....',
    '.###..#..',
  ]);
  const blobs = new BlobList(8);
  new ConnectedComponents(width, height).label(data, 2, blobs);
  const found = Array.from({ length: blobs.count }, (_, b) => ({
    area: blobs.area[b],
    box: [blobs.minX[b], blobs.minY[b], blobs.maxX[b], blobs.maxY[b]],
    centroid: [blobs.sumX[b]! / blobs.area[b]!, blobs.sumY[b]! / blobs.area[b]!],
  }));
  assert.equal(found, [
    { area: 5, box: [0, 0, 2, 2], centroid: [1.2, 0.8] },
    { area: 4, box: [8, 0, 8, 3], centroid: [8, 1.5] },
    { area: 6, box: [1, 4, 3, 5], centroid: [2, 4.5] },
  ]);
});

test('the word-skipping scan of aligned masks finds exactly the regions of the byte-by-byte scan', () => {
  const width = 64;
  const height = 48;
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const aligned = new Uint8Array(width * height);
  for (let i = 0; i < aligned.length; i++) aligned[i] = random() < 0.08 ? 1 : 0;
  for (let y = 10; y < 30; y++) for (let x = 20; x < 41; x++) aligned[y * width + x] = 1; // one large region
  // The same mask at an odd byte offset cannot use the 32-bit view.
  const unaligned = new Uint8Array(new ArrayBuffer(aligned.length + 1), 1, aligned.length);
  unaligned.set(aligned);
  const describe = (mask: Uint8Array) => {
    const blobs = new BlobList(512);
    new ConnectedComponents(width, height).label(mask, 1, blobs);
    return Array.from({ length: blobs.count }, (_, b) => `${blobs.area[b]}@${blobs.minX[b]},${blobs.minY[b]}-${blobs.maxX[b]},${blobs.maxY[b]}`).sort();
  };
  const expected = describe(unaligned);
  assert.ok(expected.length > 20);
  assert.equal(describe(aligned), expected);
});

test('labelBits on the packed mask finds exactly the regions, sums included, of the byte scan', () => {
  let seed = 777;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  // Widths with a partial last word, exactly one word, several words; densities from sparse to runs across words.
  for (const [width, height, density, stride] of [
    [70, 33, 0.08, 4],
    [32, 20, 0.5, 1],
    [100, 25, 0.9, 5],
    [320, 24, 0.3, 11],
  ] as const) {
    const bytes = new Uint8Array(width * height);
    for (let i = 0; i < bytes.length; i++) bytes[i] = random() < density ? 1 : 0;
    // Long runs crossing word boundaries, one ending exactly at a word's last bit, one at the row's end.
    for (let x = 5; x < Math.min(width, 70); x++) bytes[3 * width + x] = 1;
    for (let x = 0; x < 32; x++) bytes[4 * width + x] = 1;
    bytes[4 * width + 32] = 0;
    for (let x = width - 9; x < width; x++) bytes[5 * width + x] = 1;
    // Packed with one word of padding before the image and `stride` words a row (at least ceil(width / 32)).
    const packed = new Int32Array(1 + stride * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (bytes[y * width + x] === 1) packed[1 + y * stride + (x >>> 5)]! |= 1 << (x & 31);
    const describe = (blobs: BlobList) =>
      Array.from({ length: blobs.count }, (_, b) => `${blobs.area[b]}@${blobs.minX[b]},${blobs.minY[b]}-${blobs.maxX[b]},${blobs.maxY[b]} ${blobs.sumX[b]},${blobs.sumY[b]}`).sort();
    const fromBytes = new BlobList(2048);
    const fromBits = new BlobList(2048);
    new ConnectedComponents(width, height).label(bytes, 1, fromBytes);
    new ConnectedComponents(width, height).labelBits(packed, 1, stride, 1, fromBits);
    assert.ok(fromBytes.count > 0, `${width}×${height}: regions found`);
    assert.equal(describe(fromBits), describe(fromBytes), `${width}×${height} at density ${density}`);
  }
});

test('a U shape joined only at the bottom is one region (union of runs across rows)', () => {
  const { data, width, height } = mask(['#...#', '#...#', '#####']);
  const blobs = new BlobList(4);
  new ConnectedComponents(width, height).label(data, 1, blobs);
  assert.is(blobs.count, 1);
  assert.is(blobs.area[0], 9);
});

test('when there are more regions than slots, the largest are kept', () => {
  const { data, width, height } = mask(['#.##.###.####']);
  const blobs = new BlobList(2);
  const components = new ConnectedComponents(width, height);
  components.label(data, 1, blobs);
  assert.ok(components.overflowed);
  assert.equal([...blobs.area.subarray(0, blobs.count)].sort(), [3, 4]);
});

test('bit-packed opening removes specks thinner than 3 px and keeps solid blocks', () => {
  const width = 70; // spans three words, the last one partial
  const height = 8;
  const words = wordsPerRow(width);
  const bits = new Uint32Array(words * height);
  const set = (x: number, y: number) => (bits[y * words + (x >>> 5)]! |= 1 << (x & 31));
  for (let y = 2; y < 7; y++) for (let x = 28; x < 40; x++) set(x, y); // a block across a word boundary
  set(5, 1); // a speck
  for (let y = 0; y < 8; y++) set(60, y); // a 1-px line
  const scratch = new Uint32Array(bits.length);
  const last = lastWordMask(width);
  horizontal3(bits, scratch, words, height, last, true);
  vertical3(scratch, bits, words, height, true);
  horizontal3(bits, scratch, words, height, last, false);
  vertical3(scratch, bits, words, height, false);
  const out = new Uint8Array(width * height);
  unpackBits(bits, out, width, height);
  let count = 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (out[y * width + x]) {
    count++;
    assert.ok(x >= 28 && x < 40 && y >= 2 && y < 7, `pixel (${x},${y}) survives only inside the block`);
  }
  assert.is(count, 12 * 5, 'the block is restored whole');
});

test('grouping joins stacked parts of one vehicle but not vehicles side by side or a vehicle behind another', () => {
  const blobs = new BlobList(8);
  const add = (minX: number, minY: number, maxX: number, maxY: number) => setBlob(blobs, blobs.count++, minX, minY, maxX, maxY);
  const sizes = new VehicleSizeModel(200);
  for (let i = 0; i < 10; i++) sizes.learn(100, 40, 40);
  add(10, 80, 49, 95); // roof of a car
  add(12, 98, 50, 119); // its body, 2 px below
  add(56, 85, 95, 120); // a car in the next lane
  add(10, 130, 50, 170); // a car behind the first, 10 px further down
  groupStackedBlobs(blobs, sizes);
  const boxes = Array.from({ length: blobs.count }, (_, b) => [blobs.minX[b], blobs.minY[b], blobs.maxX[b], blobs.maxY[b]]).sort((p, q) => p[0]! - q[0]! || p[1]! - q[1]!);
  assert.equal(boxes, [
    [10, 80, 50, 119],
    [10, 130, 50, 170],
    [56, 85, 95, 120],
  ]);
});

test.run();
