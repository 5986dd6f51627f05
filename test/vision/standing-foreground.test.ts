import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setFrameClock } from '../../edge/vision/frame-clock.js';
import { StandingForeground } from '../../edge/vision/standing-foreground.js';
import { heapGrowth } from './fake-tracks.js';

// A 60×40 image at factor 1, the zone its rectangle x 10..49, y 10..29.
const WIDTH = 60;
const HEIGHT = 40;
const FRAME_MS = 100;

function zonePixels(): Int32Array {
  const pixels: number[] = [];
  for (let y = 10; y < 30; y++) for (let x = 10; x < 50; x++) pixels.push(y * WIDTH + x);
  return Int32Array.from(pixels);
}

function rig(options: Partial<{ minArea: number; graceMs: number }> = {}) {
  const standing = new StandingForeground(zonePixels(), WIDTH, 1, WIDTH, { toleranceGray: 12, graceMs: options.graceMs ?? 2000, minArea: options.minArea ?? 40, minSide: 4, standingForMs: 2000 });
  const mask = new Uint8Array(WIDTH * HEIGHT);
  const frame = new Uint8Array(WIDTH * HEIGHT).fill(90);
  /** One frame at tsMs: observe, then find. */
  const at = (tsMs: number, frameIndex = 0): number => {
    setFrameClock(standing.clock, tsMs, frameIndex);
    standing.observe(mask, frame);
    return standing.find();
  };
  return { standing, mask, frame, at };
}

/** Paints a box of gray into the frame and marks it foreground (the road elsewhere: background). */
function paint(r: ReturnType<typeof rig>, boxes: Array<{ x0: number; y0: number; x1: number; y1: number; gray: number }>, frameIndex: number): void {
  r.mask.fill(0);
  r.frame.fill(90);
  for (const box of boxes) {
    for (let y = box.y0; y < box.y1; y++) {
      for (let x = box.x0; x < box.x1; x++) {
        // Sensor noise of ±4 gray levels.
        r.frame[y * WIDTH + x] = box.gray + (((x * 7 + y * 13 + frameIndex * 5) % 9) - 4);
        r.mask[y * WIDTH + x] = 1;
      }
    }
  }
}

const CAR = { x0: 20, y0: 14, x1: 32, y1: 24, gray: 40 };

test('a vehicle standing in the zone is found once it has stood for the limit, with its box, and not again once reported', () => {
  const r = rig();
  const foundAt: number[] = [];
  for (let i = 0; i <= 40; i++) {
    paint(r, [CAR], i);
    if (r.at(i * FRAME_MS, i) > 0) {
      foundAt.push(i * FRAME_MS);
      assert.equal(Array.from(r.standing.boxes.subarray(0, 4)), [20, 14, 32, 24]);
      assert.is(r.standing.sinceMs[0], 0);
      r.standing.markReported(0);
    }
  }
  assert.equal(foundAt, [2000]);
});

test('a vehicle passing in front of a standing one for less than the grace does not restart it; for longer, it does', () => {
  const foundAt = (occludedMs: number) => {
    // A region is at least half the car (60 of 120 pixels).
    const r = rig({ minArea: 60 });
    for (let i = 0; i <= 100; i++) {
      const ts = i * FRAME_MS;
      const passing = ts >= 500 && ts < 500 + occludedMs;
      paint(r, passing ? [CAR, { x0: 18, y0: 16, x1: 30, y1: 26, gray: 200 }] : [CAR], i);
      if (r.at(ts, i) > 0) return ts;
    }
    return null;
  };
  assert.is(foundAt(0), 2000);
  // Occluded 0.5–1.5 s (80 of its 120 pixels): they rejoin the car's region when the passer has gone.
  assert.is(foundAt(1000), 2000);
  // Occluded 0.5–4.5 s: the occluded pixels stand afresh, only the 40 untouched ones stood on from 0 (too
  // few), and the car is found 2 s after its pixels stood afresh.
  const late = foundAt(4000);
  assert.ok(late !== null && late > 4500, `found at ${late}`);
});

test('moving traffic, a small standing blob and a standing blob that was reported by its box are not found', () => {
  const r = rig();
  let found = 0;
  for (let i = 0; i <= 60; i++) {
    const ts = i * FRAME_MS;
    // A car driving across at 1 px a frame, and a 5×5 blob standing (below minArea 40).
    paint(r, [{ x0: 5 + i, y0: 12, x1: 17 + i, y1: 20, gray: 40 }, { x0: 40, y0: 22, x1: 45, y1: 27, gray: 30 }], i);
    found += r.at(ts, i);
  }
  assert.is(found, 0);

  const reportedBox = new Float64Array([18, 12, 34, 26]);
  for (let i = 0; i <= 40; i++) {
    const ts = 10_000 + i * FRAME_MS;
    paint(r, [CAR], i);
    // The stop reported from the tracks marks the pixels under its box.
    if (i === 5) r.standing.markBoxReported(reportedBox, 0);
    found += r.at(ts, i);
  }
  assert.is(found, 0, 'a stop reported by its tracks is not reported again from its pixels');
});

test('emptyFraction: a standing vehicle does not look like the road seen there before; its ghost, once it has gone, does', () => {
  const r = rig();
  const box = new Float64Array([CAR.x0, CAR.y0, CAR.x1, CAR.y1]);
  const look = (boxes: Parameters<typeof paint>[1], i: number) => {
    paint(r, boxes, i);
    r.at(i * FRAME_MS, i);
  };
  let i = 0;
  // Nothing has stood there yet.
  for (; i < 5; i++) look([], i);
  assert.is(r.standing.emptyFraction(box, 0, 20), 0, 'no standing pixels: nothing to judge');
  for (; i < 30; i++) look([CAR], i);
  assert.is(r.standing.emptyFraction(box, 0, 20), 0, 'the car (gray 40) is not the road (90)');
  // The car leaves, the mask still shows it: the road, uncovered, differs from the background.
  for (; i < 60; i++) look([{ ...CAR, gray: 90 }], i);
  assert.is(r.standing.emptyFraction(box, 0, 20), 1, 'the ghost is the road seen before the car came');
  // A box mostly off the ghost (the zone's pixels outside it are not standing): judged by its standing pixels only.
  assert.is(r.standing.emptyFraction(new Float64Array([0, 0, 60, 40]), 0, 20), 1);
  // Pixels never seen empty (standing since the first look) do not look empty.
  const fresh = rig();
  for (let k = 0; k < 30; k++) {
    paint(fresh, [{ ...CAR, gray: 90 }], k);
    fresh.at(k * FRAME_MS, k);
  }
  assert.is(fresh.standing.emptyFraction(box, 0, 20), 0);
});

test('observe and find allocate nothing per frame', () => {
  const r = rig();
  paint(r, [CAR], 0);
  const growth = heapGrowth((i) => {
    r.at(i * FRAME_MS, i);
  }, 2000);
  assert.ok(growth < 20_000, `heap grew ${growth} bytes over 2,000 frames`);
});

test.run();
