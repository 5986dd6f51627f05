import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BlobList } from '../../edge/vision/blob-list.js';
import { ConnectedComponents } from '../../edge/vision/connected-components.js';
import { LaneSplitter } from '../../edge/vision/lane-splitter.js';

const WIDTH = 40;
const HEIGHT = 20;

function blobsOf(mask: Uint8Array): BlobList {
  const blobs = new BlobList(8);
  new ConnectedComponents(WIDTH, HEIGHT).label(mask, 1, blobs);
  return blobs;
}

function fill(mask: Uint8Array, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) mask[y * WIDTH + x] = 1;
}

// A vertical divider at x = 20, from the top of the image to the bottom.
const DIVIDER = [{ a: { x: 20, y: 0 }, b: { x: 20, y: HEIGHT } }];

test('two vehicles side by side that touch across the divider become two blobs', () => {
  const mask = new Uint8Array(WIDTH * HEIGHT);
  fill(mask, 8, 4, 19, 14); // left lane
  fill(mask, 20, 6, 31, 16); // right lane, touching
  const blobs = blobsOf(mask);
  assert.is(blobs.count, 1);
  new LaneSplitter(DIVIDER, WIDTH).split(blobs, mask, 10);
  const boxes = Array.from({ length: blobs.count }, (_, b) => [blobs.minX[b]!, blobs.minY[b]!, blobs.maxX[b]!, blobs.maxY[b]!, blobs.area[b]!]).sort((p, q) => p[0]! - q[0]!);
  assert.equal(boxes, [
    [8, 4, 19, 14, 132],
    [20, 6, 31, 16, 132],
  ]);
});

test('a vehicle overhanging the divider a little stays whole', () => {
  const mask = new Uint8Array(WIDTH * HEIGHT);
  fill(mask, 6, 4, 22, 14); // 3 of 17 columns past the divider: under a quarter of its pixels
  const blobs = blobsOf(mask);
  const splitter = new LaneSplitter(DIVIDER, WIDTH);
  splitter.split(blobs, mask, 10);
  assert.is(blobs.count, 1);
  assert.is(splitter.splits, 0);
  assert.equal([blobs.minX[0], blobs.maxX[0]], [6, 22]);
});

test.run();
