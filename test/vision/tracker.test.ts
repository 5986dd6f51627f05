import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BlobList, CUT_BOTTOM, CUT_TOP } from '../../edge/vision/blob-list.js';
import { LineCounter } from '../../edge/vision/line-counter.js';
import { Tracker } from '../../edge/vision/tracker.js';
import { VehicleSizeModel } from '../../edge/vision/vehicle-size-model.js';
import { setBlob } from './fake-blobs.js';

const FRAME_MS = 1000 / 15;

function newTracker(): Tracker {
  return new Tracker(new LineCounter([], 16), new VehicleSizeModel(200), 8, { capacity: 16 });
}

/** One blob with the inclusive box (x0, y0)–(x1, y1), full of pixels. */
function oneBlob(blobs: BlobList, x0: number, y0: number, x1: number, y1: number, cut = 0, cutEdges = 0): void {
  blobs.count = 1;
  setBlob(blobs, 0, x0, y0, x1, y1, cut, cutEdges);
}

function onlyTrack(tracker: Tracker): number {
  const active = Array.from({ length: tracker.capacity }, (_, t) => t).filter((t) => tracker.isActive(t));
  assert.is(active.length, 1);
  return active[0]!;
}

test('the sustained velocity follows steady motion over about a second', () => {
  const tracker = newTracker();
  const blobs = new BlobList(8);
  // 10×20 vehicle moving down 1 px a frame = 15 px/s.
  for (let f = 0; f < 60; f++) {
    oneBlob(blobs, 50, 20 + f, 59, 39 + f);
    tracker.update(blobs, f * FRAME_MS, f);
  }
  const t = onlyTrack(tracker);
  assert.ok(Math.abs(tracker.vy[t]! * 1000 - 15) < 0.5, `vy ${tracker.vy[t]! * 1000} px/s`);
  // Four seconds in, the one-second low-pass is within a few per cent of the speed.
  assert.ok(Math.abs(tracker.sustainedVy[t]! * 1000 - 15) < 1, `sustained vy ${tracker.sustainedVy[t]! * 1000} px/s`);
});

test('a box centre that jumps (the blob merged with the vehicle behind) moves the track but teaches no velocity', () => {
  const tracker = newTracker();
  const blobs = new BlobList(8);
  for (let f = 0; f < 20; f++) {
    oneBlob(blobs, 50, 60, 59, 79); // standing
    tracker.update(blobs, f * FRAME_MS, f);
  }
  const t = onlyTrack(tracker);
  // The vehicle behind touches it: the blob grows 20 px upward, its centre jumps 10 px up.
  oneBlob(blobs, 50, 40, 59, 79);
  tracker.update(blobs, 20 * FRAME_MS, 20);
  assert.is(onlyTrack(tracker), t);
  assert.is(tracker.cy[t], 60);
  assert.ok(Math.abs(tracker.vy[t]!) < 1e-6, `vy ${tracker.vy[t]}`);
  assert.ok(Math.abs(tracker.sustainedVy[t]!) < 1e-6, `sustained vy ${tracker.sustainedVy[t]}`);
});

test('a piece cut from a longer blob is observed, but not as a vehicle seen alone', () => {
  const tracker = newTracker();
  const blobs = new BlobList(8);
  oneBlob(blobs, 50, 60, 59, 79, 1);
  tracker.update(blobs, 0, 0);
  const t = onlyTrack(tracker);
  assert.equal([tracker.observed[t], tracker.singly[t]], [1, 0]);
  oneBlob(blobs, 50, 60, 59, 79, 0);
  tracker.update(blobs, FRAME_MS, 1);
  assert.equal([tracker.observed[t], tracker.singly[t]], [1, 1]);
});

test('a front piece cut from a queue moves as its own front edge does, whatever its cut edge does', () => {
  // The front vehicle leaves the queue: the piece's bottom (the queue's front) moves down 1 px a frame,
  // while its top, where the queue splitter cut it, creeps up as the gap behind it is not yet seen.
  const run = (cutEdges: number) => {
    const tracker = newTracker();
    const blobs = new BlobList(8);
    for (let f = 0; f < 30; f++) {
      oneBlob(blobs, 50, 60 - Math.floor(f / 3), 59, 79 + f, 1, cutEdges);
      tracker.update(blobs, f * FRAME_MS, f);
    }
    return tracker.sustainedVy[onlyTrack(tracker)]! * 1000;
  };
  const front = run(CUT_TOP);
  // Low-passed over a second, two seconds in: most of the front edge's 15 px/s, downward.
  assert.ok(front > 8 && front < 15, `front piece sustained vy ${front} px/s`);
  // Taken as the blob's own edges, the two ends disagree and the box is not moving at all.
  assert.is(run(0), 0);
  // Had the bottom been the cut instead, the piece would move as its top does: up, at most 5 px/s.
  const back = run(CUT_BOTTOM);
  assert.ok(back < -2 && back > -5, `back piece sustained vy ${back} px/s`);
});

test('a piece cut at both ends keeps the sustained velocity it had', () => {
  const tracker = newTracker();
  const blobs = new BlobList(8);
  for (let f = 0; f < 45; f++) {
    oneBlob(blobs, 50, 20 + f, 59, 39 + f);
    tracker.update(blobs, f * FRAME_MS, f);
  }
  const t = onlyTrack(tracker);
  const before = tracker.sustainedVy[t]!;
  assert.ok(before * 1000 > 10);
  // Now a middle piece of a queue blob whose cuts slide backward: no row edge of its own to learn from.
  for (let f = 45; f < 60; f++) {
    oneBlob(blobs, 50, 64 - (f - 45), 59, 83 - (f - 45), 1, CUT_TOP | CUT_BOTTOM);
    tracker.update(blobs, f * FRAME_MS, f);
  }
  assert.is(onlyTrack(tracker), t);
  assert.is(tracker.sustainedVy[t], before);
});

test('in a merged queue the front vehicle follows the blob front as the queue pulls away; the one behind waits', () => {
  const tracker = newTracker();
  const blobs = new BlobList(8);
  const twoBlobs = (frontTop: number, frontBottom: number) => {
    oneBlob(blobs, 50, 20, 59, 39); // the vehicle behind, standing
    blobs.count = 2;
    setBlob(blobs, 1, 50, frontTop, 59, frontBottom);
  };
  // Two vehicles queued nose to tail, apart long enough for both tracks to be confirmed.
  for (let f = 0; f < 10; f++) {
    twoBlobs(42, 61);
    tracker.update(blobs, f * FRAME_MS, f);
  }
  const tracks = Array.from({ length: tracker.capacity }, (_, t) => t).filter((t) => tracker.isActive(t));
  assert.is(tracks.length, 2);
  const front = tracks.find((t) => tracker.cy[t]! > 45)!;
  const behind = tracks.find((t) => t !== front)!;
  assert.equal([tracker.measured[front], tracker.measured[behind]], [1, 1], 'each measured from its own blob');
  // They touch: one blob from y 20 down. Then the front pulls away 2 px a frame, still touching the one
  // behind through its shadow (the blob's bottom edge moves, its top stays).
  let f = 10;
  for (let bottom = 61; bottom <= 81; bottom += 2, f++) {
    oneBlob(blobs, 50, 20, 59, bottom);
    tracker.update(blobs, f * FRAME_MS, f);
  }
  assert.ok(tracker.isActive(front) && tracker.isActive(behind));
  // Placed inside the merged blob (seen, but not measured from a blob of their own).
  assert.equal([tracker.observed[front], tracker.measured[front], tracker.observed[behind], tracker.measured[behind]], [1, 0, 1, 0]);
  assert.ok(Math.abs(tracker.cy[front]! - (82 - tracker.h[front]! / 2)) < 1e-9, `front at ${tracker.cy[front]}: its bottom edge on the blob's`);
  assert.ok(Math.abs(tracker.cy[behind]! - 30) < 1, `the one behind stays: ${tracker.cy[behind]}`);
});

test('a track that comes to sit on another in one blob is the same vehicle tracked twice: the older follows the blob, the other is lost', () => {
  const tracker = newTracker();
  const blobs = new BlobList(8);
  const twoBlobs = (secondX: number) => {
    oneBlob(blobs, 50, 40, 59, 59);
    blobs.count = 2;
    setBlob(blobs, 1, secondX, 40, secondX + 9, 59);
  };
  // A standing vehicle, tracked alone for a while.
  for (let f = 0; f < 10; f++) {
    oneBlob(blobs, 50, 40, 59, 59);
    tracker.update(blobs, f * FRAME_MS, f);
  }
  const older = onlyTrack(tracker);
  // A second track arrives from the side, 10 px a frame, until its blob and the first are one.
  let f = 10;
  for (let x = 110; x >= 70; x -= 10, f++) {
    twoBlobs(x);
    tracker.update(blobs, f * FRAME_MS, f);
  }
  const younger = Array.from({ length: tracker.capacity }, (_, t) => t).find((t) => t !== older && tracker.isActive(t))!;
  assert.ok(tracker.hits[younger]! >= 3, 'the second track is confirmed');
  oneBlob(blobs, 50, 40, 69, 59);
  tracker.update(blobs, f * FRAME_MS, f++);
  oneBlob(blobs, 50, 40, 59, 59);
  tracker.update(blobs, f * FRAME_MS, f++);
  // Now both predictions sit in one vehicle-sized blob, their boxes nearly the same: not two vehicles
  // touching (which would coast both, unmeasured, as the blob moved on), one vehicle.
  assert.equal([tracker.measured[older], tracker.measured[younger]], [1, 0], 'the older track is measured from the blob');
  for (let k = 0; k < 12; k++, f++) {
    oneBlob(blobs, 50, 40, 59, 59);
    tracker.update(blobs, f * FRAME_MS, f);
  }
  assert.ok(tracker.isActive(older) && !tracker.isActive(younger), 'the twin, never measured again, is lost');
});

test('a blob no bigger than one usual vehicle holding two tracks is one vehicle: the nearest track measures it', () => {
  // Two standing 10×10 tracks 2 px apart, then one blob over both; the size model says a vehicle there is
  // usually `usual` px on a side. Returns [observed, measured] of each track after the blob appears.
  const placed = (usual: number): number[] => {
    const sizes = new VehicleSizeModel(200);
    for (let i = 0; i < 5; i++) sizes.learn(55, usual, usual);
    const tracker = new Tracker(new LineCounter([], 16), sizes, 8, { capacity: 16 });
    const blobs = new BlobList(8);
    let f = 0;
    for (; f < 5; f++) {
      oneBlob(blobs, 40, 50, 49, 59);
      blobs.count = 2;
      setBlob(blobs, 1, 52, 50, 61, 59);
      tracker.update(blobs, f * FRAME_MS, f);
    }
    const slots = Array.from({ length: tracker.capacity }, (_, t) => t).filter((t) => tracker.isActive(t));
    assert.is(slots.length, 2);
    oneBlob(blobs, 40, 50, 59, 59);
    tracker.update(blobs, f * FRAME_MS, f);
    return slots.flatMap((t) => [tracker.observed[t]!, tracker.measured[t]!]);
  };
  // Usually 20 px: the 20×10 blob is one vehicle, measured by the track nearest its centre (the first, at
  // 45 against the second's 57 for a centre of 50); the other goes unseen.
  assert.equal(placed(20), [1, 1, 0, 0]);
  // Usually 10 px: two vehicles touching, each placed at its prediction inside the blob, neither measured.
  assert.equal(placed(10), [1, 0, 1, 0]);
});

test('a track carried across a line on its prediction inside a merged blob counts only if measured lately', () => {
  // A 10×10 vehicle drives down 2 px a frame beside a large standing blob (a stopped vehicle, a queue),
  // then touches it: in the one blob it sits at its prediction, which carries it on at 2 px a frame.
  // Returns the crossings of a horizontal line at lineY.
  const crossings = (lineY: number): number => {
    const counter = new LineCounter([{ name: 'L', a: { x: 0, y: lineY }, b: { x: 200, y: lineY } }], 16);
    const tracker = new Tracker(counter, new VehicleSizeModel(200), 8, { capacity: 16 });
    const blobs = new BlobList(8);
    let f = 0;
    for (let top = 0; top <= 10; top += 2, f++) {
      oneBlob(blobs, 52, 12, 71, 110);
      blobs.count = 2;
      setBlob(blobs, 1, 40, top, 49, top + 9);
      tracker.update(blobs, f * FRAME_MS, f);
    }
    for (const end = f + 25; f < end; f++) {
      oneBlob(blobs, 40, 12, 71, 110);
      tracker.update(blobs, f * FRAME_MS, f);
    }
    return counter.lr[0]!;
  };
  // Across 6 px on, counted 400 ms after it was last measured: a vehicle crossing as its blob touches another.
  assert.is(crossings(22), 1);
  // Across 24 px on, over 700 ms (maxCoastMs) after: arithmetic, not a vehicle seen crossing.
  assert.is(crossings(40), 0);
});

test('a vehicle that drives out of the picture is not kept for relinking; one hidden inside it is', () => {
  // A 30×40 vehicle drives down 2 px a frame in a 100×100 image until its top is at lastTop, clipped by
  // the bottom edge as it leaves; then nothing is seen for a second, then a blob appears at rows y0–y1.
  // Returns whether that blob took the vehicle's id.
  const relinked = (frameWidth: number, lastTop: number, y0: number, y1: number): boolean => {
    const tracker = new Tracker(new LineCounter([], 16), new VehicleSizeModel(100), 8, { capacity: 16, frameWidth, frameHeight: 100 });
    const blobs = new BlobList(8);
    let f = 0;
    for (let top = 20; top <= lastTop; f++, top += 2) {
      oneBlob(blobs, 40, top, 69, Math.min(top + 39, 99));
      tracker.update(blobs, f * FRAME_MS, f);
    }
    const id = tracker.id[onlyTrack(tracker)];
    blobs.count = 0;
    for (const end = f + 15; f < end; f++) tracker.update(blobs, f * FRAME_MS, f);
    oneBlob(blobs, 40, y0, 69, y1);
    tracker.update(blobs, f * FRAME_MS, f);
    return tracker.id[onlyTrack(tracker)] === id;
  };
  // The next vehicle's front at the bottom edge, where the last one left.
  assert.is(relinked(100, 76, 74, 99), false, 'left through the bottom edge: the next vehicle there is a new one');
  assert.is(relinked(0, 76, 74, 99), true, 'image size not given: it would have taken the id of the vehicle gone');
  // Vanished in the middle (hidden): it coasts on 700 ms, about 20 px, and is found again there.
  assert.is(relinked(100, 30, 50, 89), true, 'vanished inside the picture: found again');
});

test.run();
