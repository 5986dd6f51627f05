import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BlobList, CUT_BOTTOM, CUT_TOP } from '../../edge/vision/blob-list.js';
import { ConnectedComponents } from '../../edge/vision/connected-components.js';
import { QueueSplitter } from '../../edge/vision/queue-splitter.js';
import { VehicleSizeModel } from '../../edge/vision/vehicle-size-model.js';

const WIDTH = 40;
const HEIGHT = 60;

function fill(mask: Uint8Array, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) mask[y * WIDTH + x] = 1;
}

function blobsOf(mask: Uint8Array): BlobList {
  const blobs = new BlobList(8);
  new ConnectedComponents(WIDTH, HEIGHT).label(mask, 1, blobs);
  return blobs;
}

/** A size model that has seen enough vehicles 10 wide and `length` tall at every row. */
function sizesOf(length: number): VehicleSizeModel {
  const sizes = new VehicleSizeModel(HEIGHT);
  for (let y = 0; y < HEIGHT; y += 4) for (let n = 0; n < 5; n++) sizes.learn(y, 10, length);
  return sizes;
}

function boxes(blobs: BlobList): number[][] {
  return Array.from({ length: blobs.count }, (_, b) => [blobs.minY[b]!, blobs.maxY[b]!, blobs.cut[b]!]).sort((p, q) => p[0]! - q[0]!);
}

/** Three vehicles 12 rows long in a row, joined by 2-row waists 2 px wide (bumper to bumper in the mask). */
function queueMask(): Uint8Array {
  const mask = new Uint8Array(WIDTH * HEIGHT);
  fill(mask, 10, 10, 19, 21);
  fill(mask, 14, 22, 15, 23);
  fill(mask, 10, 24, 19, 35);
  fill(mask, 14, 36, 15, 37);
  fill(mask, 10, 38, 19, 49);
  return mask;
}

test('a queue blob three vehicles long is cut into three at its waists, front first', () => {
  const mask = queueMask();
  const blobs = blobsOf(mask);
  assert.is(blobs.count, 1);
  const splitter = new QueueSplitter(WIDTH, HEIGHT, sizesOf(13));
  splitter.split(blobs, mask, 4);
  assert.is(splitter.splits, 2);
  // Each cut is a waist's lowest row (the first narrowest row found behind a vehicle); each piece is flagged as cut.
  const pieces = boxes(blobs);
  assert.is(pieces.length, 3);
  assert.equal(
    pieces.map(([top, bottom]) => bottom! - top! + 1),
    [13, 14, 13],
  );
  assert.ok(pieces.every(([, , cut]) => cut === 1));
  // Which row edges are cuts (estimates) and which the blob's own: the back piece keeps its top, the front its bottom.
  const edges = Array.from({ length: blobs.count }, (_, i) => i)
    .sort((i, j) => blobs.minY[i]! - blobs.minY[j]!)
    .map((i) => blobs.cutEdges[i]);
  assert.equal(edges, [CUT_BOTTOM, CUT_TOP | CUT_BOTTOM, CUT_TOP]);
  // Areas add up to the blob's.
  let area = 0;
  for (let b = 0; b < blobs.count; b++) area += blobs.area[b]!;
  assert.is(area, 3 * 120 + 2 * 4);
});

test('a long solid vehicle (a bus) has no waist and stays whole', () => {
  const mask = new Uint8Array(WIDTH * HEIGHT);
  fill(mask, 10, 10, 19, 49);
  const blobs = blobsOf(mask);
  const splitter = new QueueSplitter(WIDTH, HEIGHT, sizesOf(13));
  splitter.split(blobs, mask, 4);
  assert.is(blobs.count, 1);
  assert.equal([blobs.minY[0], blobs.maxY[0], blobs.cut[0], blobs.cutEdges[0]], [10, 49, 0, 0]);
});

test('nothing is cut before the size model knows how long one vehicle is, nor a blob one vehicle long', () => {
  const mask = queueMask();
  const blobs = blobsOf(mask);
  new QueueSplitter(WIDTH, HEIGHT, new VehicleSizeModel(HEIGHT)).split(blobs, mask, 4);
  assert.is(blobs.count, 1);
  new QueueSplitter(WIDTH, HEIGHT, sizesOf(36)).split(blobs, mask, 4);
  assert.is(blobs.count, 1);
});

test.run();
