import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineCounter, type TrackTable } from '../../edge/vision/line-counter.js';

/** A track table like the tracker's, written by the test before each observation. */
function table(slots: number): TrackTable {
  const f = () => new Float64Array(slots);
  return { id: new Int32Array(slots), cx: f(), cy: f(), vx: f(), vy: f(), sustainedVx: f(), sustainedVy: f(), w: f(), h: f(), judgedW: f(), judgedH: f(), observed: new Uint8Array(slots), singly: new Uint8Array(slots).fill(1), singlyMs: new Float64Array(slots).fill(-Infinity) };
}

function observe(counter: LineCounter, tracks: TrackTable, t: number, id: number, x: number, y: number, vx: number, vy: number, size: number, frame: number, tsMs: number): void {
  tracks.id[t] = id;
  tracks.cx[t] = x;
  tracks.cy[t] = y;
  tracks.vx[t] = vx;
  tracks.vy[t] = vy;
  tracks.sustainedVx[t] = vx;
  tracks.sustainedVy[t] = vy;
  tracks.w[t] = size;
  tracks.h[t] = size;
  tracks.judgedW[t] = size;
  tracks.judgedH[t] = size;
  counter.beginFrame(tsMs);
  counter.observe(t, frame);
}

/** One observation of track 1 in slot 0 moving down at vy, with its own sustained velocity, size 20. */
function observeMoving(counter: LineCounter, tracks: TrackTable, x: number, y: number, vy: number, sustainedVy: number, frame: number, mayCount: boolean): void {
  tracks.id[0] = 1;
  tracks.cx[0] = x;
  tracks.cy[0] = y;
  tracks.vx[0] = 0;
  tracks.vy[0] = vy;
  tracks.sustainedVx[0] = 0;
  tracks.sustainedVy[0] = sustainedVy;
  tracks.judgedW[0] = 20;
  tracks.judgedH[0] = 20;
  counter.beginFrame(frame * FRAME_MS);
  counter.observe(0, frame, mayCount);
}

/** A LineCounter with its own track table bound. */
function counterFor(lines: typeof LINE, slots: number, ...rest: [object?, number?]): { counter: LineCounter; tracks: TrackTable } {
  const counter = new LineCounter(lines, slots, ...(rest as []));
  const tracks = table(slots);
  counter.bindTracks(tracks);
  return { counter, tracks };
}

// A horizontal line A=(0,50) → B=(100,50): side(P) = 100·(Py − 50), so moving down the image is lr.
const LINE = [{ name: 'L', a: { x: 0, y: 50 }, b: { x: 100, y: 50 } }];
const FRAME_MS = 1000 / 15;

/** Feeds one track's path (one point per frame) with the velocity implied by consecutive points. */
function run({ counter, tracks }: { counter: LineCounter; tracks: TrackTable }, slot: number, id: number, path: Array<[number, number]>, size = 20, firstFrame = 0): void {
  path.forEach(([x, y], i) => {
    const [px, py] = i > 0 ? path[i - 1]! : [x, y];
    observe(counter, tracks, slot, id, x, y, (x - px) / FRAME_MS, (y - py) / FRAME_MS, size, firstFrame + i, (firstFrame + i) * FRAME_MS);
  });
}

function straight(fromY: number, toY: number, step: number, x = 50): Array<[number, number]> {
  const path: Array<[number, number]> = [];
  for (let y = fromY; step > 0 ? y <= toY : y >= toY; y += step) path.push([x, y]);
  return path;
}

test('a vehicle moving down across the line counts once as lr; moving up counts rl', () => {
  const rig = counterFor(LINE, 8);
  const { counter } = rig;
  counter.reset(0);
  run(rig, 0, 1, straight(20, 80, 3));
  counter.reset(1);
  run(rig, 1, 2, straight(80, 20, -3, 30), 20, 100);
  assert.equal([counter.lr[0], counter.rl[0]], [1, 1]);
  const seen: string[] = [];
  counter.drain((_line, direction, track, frame) => seen.push(`${track}:${direction === 0 ? 'lr' : 'rl'}@${frame}`));
  // Confirmed after two observations beyond the dead band: y = 53 (frame 11), 56 (frame 12).
  assert.equal(seen, ['1:lr@12', '2:rl@112']);
});

test('jitter on the line never counts, however long it lasts', () => {
  const rig = counterFor(LINE, 4);
  const { counter } = rig;
  counter.reset(0);
  const path: Array<[number, number]> = straight(20, 49, 3);
  for (let i = 0; i < 200; i++) path.push([50, 50 + (i % 2 === 0 ? 0.6 : -0.6)]);
  run(rig, 0, 1, path);
  assert.equal([counter.lr[0], counter.rl[0]], [0, 0]);
});

test('a track first seen past the line has no side to come from and does not count', () => {
  const rig = counterFor(LINE, 4);
  const { counter } = rig;
  counter.reset(0);
  // First established 11 px past the line: over a quarter of its height of 20.
  run(rig, 0, 1, straight(58, 90, 3));
  assert.is(counter.lr[0], 0);
});

test('a track first seen just past the line (its vehicle re-tracked while crossing) counts once it has moved on', () => {
  const rig = counterFor(LINE, 4);
  const { counter, tracks } = rig;
  counter.reset(0);
  // First established 3 px past the line (its second frame on that side; under a quarter of 20), then
  // moving on: it counts half a vehicle (10 px) further, not before.
  run(rig, 0, 1, [[50, 52], [50, 53], ...straight(56, 62, 3)]);
  assert.is(counter.lr[0], 0, 'not yet: 62 − 53 < 10');
  run(rig, 0, 1, straight(65, 90, 3), 20, 5);
  assert.equal([counter.lr[0], counter.rl[0]], [1, 0]);
  // Standing still there never counts (a queued vehicle re-tracked past a stop line does not move on).
  counter.reset(1);
  run(rig, 1, 2, Array.from({ length: 30 }, () => [70, 52] as [number, number]), 20, 40);
  assert.is(counter.lr[0], 1);
  assert.ok(tracks.id[1] === 2);
});

test('a track first seen just past the line does not count where a crossing was counted just before (its earlier track)', () => {
  const rig = counterFor(LINE, 4);
  const { counter } = rig;
  counter.reset(0);
  counter.reset(1);
  // The earlier track counts, then is lost; 15 frames (1 s) later a new track on the vehicle, just past the line.
  const bornJustPast: Array<[number, number]> = [[52, 52], [52, 53], ...straight(56, 90, 3, 52)];
  run(rig, 0, 1, straight(20, 56, 3, 50));
  run(rig, 1, 2, bornJustPast, 20, 15);
  assert.is(counter.lr[0], 1);
  // The same 3 s later (beyond 2 s) is another vehicle, and counts.
  counter.reset(2);
  run(rig, 2, 3, bornJustPast, 20, 60);
  assert.is(counter.lr[0], 2);
});

test('a centre that jumps across the line without moving (a merged queue blob) does not count', () => {
  const rig = counterFor(LINE, 4);
  const { counter } = rig;
  counter.reset(0);
  // Standing at y=45 for a while, then the blob centre hops to y=56 with zero velocity.
  const path: Array<[number, number]> = [];
  for (let i = 0; i < 10; i++) path.push([50, 45]);
  counter.reset(0);
  path.forEach(([x, y], i) => observe(counter, rig.tracks, 0, 1, x, y, 0, 0, 20, i, i * FRAME_MS));
  for (let i = 10; i < 20; i++) observe(counter, rig.tracks, 0, 1, 50, 56, 0, 0, 20, i, i * FRAME_MS);
  assert.is(counter.lr[0], 0);
});

test('a crossing against the way the track has moved for the last second does not count', () => {
  const rig = counterFor(LINE, 4);
  const { counter, tracks } = rig;
  counter.reset(0);
  // Queue jitter: the box edge moves down across the line at this moment, while the vehicle has been creeping up.
  straight(40, 60, 2).forEach(([x, y], i) => observeMoving(counter, tracks, x, y, 2 / FRAME_MS, -0.01, i, true));
  assert.is(counter.lr[0], 0);
  // The same path with the sustained motion agreeing does count.
  counter.reset(0);
  straight(40, 60, 2).forEach(([x, y], i) => observeMoving(counter, tracks, x, y, 2 / FRAME_MS, 0.01, 100 + i, true));
  assert.is(counter.lr[0], 1);
});

test('an unconfirmed track learns its side, and counts once it is confirmed', () => {
  const rig = counterFor(LINE, 4);
  const { counter, tracks } = rig;
  counter.reset(0);
  // Found standing just before the line (a queue's first vehicle), it moves off at once.
  straight(44, 80, 3).forEach(([x, y], i) => {
    const vy = i === 0 ? 0 : 3 / FRAME_MS;
    observeMoving(counter, tracks, x, y, vy, vy, i, i >= 3);
  });
  assert.is(counter.lr[0], 1);
  // Shown only from its confirmation on, the same track would have no side to come from.
  const late = counterFor(LINE, 4);
  late.counter.reset(0);
  straight(44, 80, 3).forEach(([x, y], i) => {
    if (i >= 3) observeMoving(late.counter, late.tracks, x, y, 3 / FRAME_MS, 3 / FRAME_MS, i, true);
  });
  assert.is(late.counter.lr[0], 0);
});

test('a track first established far beyond the line did not cross in view and does not count', () => {
  const rig = counterFor(LINE, 4);
  const { counter } = rig;
  counter.reset(0);
  // Seen above the line, then (after coasting unseen) found 35 px below it: more than its height of 20.
  run(rig, 0, 1, [...straight(20, 40, 3), ...straight(85, 100, 3)]);
  assert.is(counter.lr[0], 0);
});

test('crossing outside the segment does not count', () => {
  const rig = counterFor(LINE, 4);
  const { counter } = rig;
  counter.reset(0);
  run(rig, 0, 1, straight(20, 80, 3, 130));
  assert.is(counter.lr[0], 0);
});

test('a crossing is judged on the segment where the track crossed, not where it is when counted', () => {
  // Down and to the left, 3 px a frame each way: it crosses y = 50 at x = 4, inside the segment, and is
  // counted two frames later at x = -2, past A (a rider turning at the kerb end of a stop line).
  const diagonal = (x0: number, dx: number): Array<[number, number]> => Array.from({ length: 12 }, (_, i) => [x0 + dx * i, 38 + 3 * i]);
  const turning = counterFor(LINE, 4);
  turning.counter.reset(0);
  run(turning, 0, 1, diagonal(16, -3));
  assert.is(turning.counter.lr[0], 1);
  // Mirrored: it crosses at x = -4, outside, and is inside the segment by the time it would count.
  const outside = counterFor(LINE, 4);
  outside.counter.reset(0);
  run(outside, 0, 1, diagonal(-16, 3));
  assert.is(outside.counter.lr[0], 0);
});

test('a track that goes back and forth counts each direction at most once', () => {
  const rig = counterFor(LINE, 4);
  const { counter } = rig;
  counter.reset(0);
  run(rig, 0, 1, [...straight(20, 80, 3), ...straight(80, 20, -3), ...straight(20, 80, 3)]);
  assert.equal([counter.lr[0], counter.rl[0]], [1, 1]);
});

test('a second track on the same vehicle crossing at the same place right after is a duplicate', () => {
  const rig = counterFor(LINE, 4);
  const { counter } = rig;
  counter.reset(0);
  counter.reset(1);
  run(rig, 0, 1, straight(20, 80, 3, 50));
  run(rig, 1, 2, straight(14, 74, 3, 55), 20, 2);
  assert.is(counter.lr[0], 1);
  assert.is(counter.duplicates, 1);
  // A vehicle in the next lane at the same moment is not.
  counter.reset(2);
  run(rig, 2, 3, straight(20, 80, 3, 85), 20, 0);
  assert.is(counter.lr[0], 2);
});

test('a crossing counted from a piece cut out of a longer blob stands for a longer vehicle', () => {
  // Track 1 crosses and is lost; track 2 crosses at the same place 6 frames later, when track 1 has
  // moved on 18 px by its speed: past 0.8 of a 20 px vehicle, not past 0.8 of 1.2 times that.
  const secondAfterFirst = (firstSeenAlone: boolean): LineCounter => {
    const rig = counterFor(LINE, 2);
    rig.counter.reset(0);
    rig.counter.reset(1);
    rig.tracks.singly[0] = firstSeenAlone ? 1 : 0;
    run(rig, 0, 1, straight(20, 80, 3, 50));
    run(rig, 1, 2, straight(20, 80, 3, 50), 20, 6);
    return rig.counter;
  };
  assert.is(secondAfterFirst(true).lr[0], 2, 'a vehicle seen on its own has moved on: the one behind counts');
  const cut = secondAfterFirst(false);
  assert.is(cut.lr[0], 1, 'a cut piece may be the front of a truck: what crosses behind it is the same vehicle');
  assert.is(cut.duplicates, 1);
});

test('a vehicle close behind one pulling away slowly counts; a second track on one vehicle still does not', () => {
  // Two tracks move together, gap apart along the lane, accelerating from a stop just before the line:
  // slow when the first is counted, so its speed then would say it has hardly moved on.
  const pair = (gap: number, x: number): LineCounter => {
    const { counter, tracks } = counterFor(LINE, 2);
    counter.reset(0);
    counter.reset(1);
    const front: Array<[number, number]> = [];
    for (let y = 40; y < 60; y++) front.push([x, y]);
    for (let y = 60; y <= 110; y += 3) front.push([x, y]);
    front.forEach(([fx, fy], i) => {
      const [px, py] = i > 0 ? front[i - 1]! : [fx, fy];
      for (const [slot, offset] of [[0, 0], [1, gap]] as const) {
        tracks.observed[slot] = 1;
        observe(counter, tracks, slot, slot + 1, fx, fy - offset, (fx - px) / FRAME_MS, (fy - py) / FRAME_MS, 20, i, i * FRAME_MS);
      }
    });
    return counter;
  };
  const following = pair(22, 50);
  assert.is(following.lr[0], 2, 'the vehicle behind, a length back, is counted: the one ahead has moved on');
  assert.is(following.duplicates, 0);
  const fragments = pair(8, 50);
  assert.is(fragments.lr[0], 1, 'two tracks 8 px apart on one vehicle count once');
  assert.is(fragments.duplicates, 1);
});

test('a vehicle standing just past the line once counted does not swallow the vehicles passing it later', () => {
  const { counter, tracks } = counterFor(LINE, 2);
  counter.reset(0);
  counter.reset(1);
  // Track 1 crosses and stops 6 px past the line (stopped in the junction), seen there every frame.
  const stopper = [...straight(20, 56, 3, 50), ...Array.from({ length: 150 }, () => [50, 56] as [number, number])];
  const passing = (firstFrame: number): void => {
    const path = straight(20, 80, 3, 58);
    path.forEach(([x, y], i) => {
      const frame = firstFrame + i;
      const [sx, sy] = stopper[Math.min(frame, stopper.length - 1)]!;
      const [px, py] = frame > 0 ? stopper[Math.min(frame - 1, stopper.length - 1)]! : [sx, sy];
      tracks.observed[0] = 1;
      observe(counter, tracks, 0, 1, sx, sy, (sx - px) / FRAME_MS, (sy - py) / FRAME_MS, 20, frame, frame * FRAME_MS);
      const [qx, qy] = i > 0 ? path[i - 1]! : [x, y];
      observe(counter, tracks, 1, 2 + firstFrame, x, y, (x - qx) / FRAME_MS, (y - qy) / FRAME_MS, 20, frame, frame * FRAME_MS);
    });
  };
  stopper.slice(0, 20).forEach(([x, y], i) => {
    const [px, py] = i > 0 ? stopper[i - 1]! : [x, y];
    tracks.observed[0] = 1;
    observe(counter, tracks, 0, 1, x, y, (x - px) / FRAME_MS, (y - py) / FRAME_MS, 20, i, i * FRAME_MS);
  });
  assert.is(counter.lr[0], 1);
  // A rider passing beside it a moment after it crossed is taken for a second track on it…
  counter.reset(1);
  passing(14);
  assert.is(counter.lr[0], 1);
  assert.is(counter.duplicates, 1);
  // …but one passing five seconds later, when it has long stood there, is another vehicle.
  counter.reset(1);
  passing(90);
  assert.is(counter.lr[0], 2);
  assert.is(counter.duplicates, 1);
});

test('the rear of a long vehicle cut from its front (boxes nose to tail, one pace) counts with it, not again', () => {
  // A bus whose roof matches the road is seen as two boxes, 20 px front and 14 px rear, touching: the rear
  // crosses once the bus has moved the front's length on.
  const convoy = (gap: number, rearSpeedFactor: number, seenAlone = 1): LineCounter => {
    const { counter, tracks } = counterFor(LINE, 2);
    counter.reset(0);
    counter.reset(1);
    tracks.singly.fill(seenAlone);
    for (let i = 0; i < 40; i++) {
      const frontY = 30 + 2 * i;
      tracks.observed[0] = 1;
      tracks.observed[1] = 1;
      observe(counter, tracks, 0, 1, 50, frontY, 0, 2 / FRAME_MS, 20, i, i * FRAME_MS);
      // The rear box: centre 10 + 7 px + gap behind the front's, moving at the given fraction of its pace.
      observe(counter, tracks, 1, 2, 50, frontY - 17 - gap, 0, (2 * rearSpeedFactor) / FRAME_MS, 14, i, i * FRAME_MS);
    }
    return counter;
  };
  const bus = convoy(1, 1);
  assert.is(bus.lr[0], 1, 'one bus, two boxes touching: one count');
  assert.is(bus.duplicates, 1);
  assert.is(convoy(4, 1).lr[0], 2, 'a vehicle keeping a gap behind is another vehicle');
  assert.is(convoy(1, 0.5).lr[0], 2, 'a box closing up at half the pace is not moving with the one ahead');
  // Both boxes placed by the tracker inside one merged blob: their paces are predictions, not evidence.
  assert.is(convoy(1, 0.5, 0).lr[0], 1, 'two tracks touching inside one blob, whatever their predicted paces: one vehicle');
  assert.is(convoy(4, 1, 0).lr[0], 2, 'inside one blob too, a box keeping a gap is another vehicle');
});

test('the crossing log is a bounded ring: overflow is counted, totals stay right', () => {
  const rig = counterFor(LINE, 40, {}, 4);
  const { counter } = rig;
  for (let t = 0; t < 10; t++) {
    counter.reset(t);
    run(rig, t, t + 1, straight(20, 80, 3, 5 + t * 9), 8, t * 100);
  }
  assert.is(counter.lr[0], 10);
  assert.is(counter.logOverflow, 6);
  let drained = 0;
  counter.drain(() => drained++);
  assert.is(drained, 4);
});

test('a line crossed one way (a stop line): against it, only a vehicle seen on its own and moving that way as a whole counts', () => {
  const oneWay = [{ ...LINE[0]!, travel: 'lr' as const }];
  const rig = counterFor(oneWay, 8);
  const { counter, tracks } = rig;
  // A track inside a merged queue blob (not seen on its own) whose centre drifts up across the line.
  counter.reset(0);
  tracks.singly[0] = 0;
  run(rig, 0, 1, straight(80, 20, -3));
  assert.equal([counter.lr[0], counter.rl[0]], [0, 0]);
  // A wrong-way rider, seen on its own all the way up: counts rl.
  counter.reset(1);
  tracks.singly[1] = 1;
  run(rig, 1, 2, straight(80, 20, -3, 30), 20, 100);
  assert.equal([counter.lr[0], counter.rl[0]], [0, 1]);
  // The travel direction itself asks nothing more: a merged track moving down counts lr.
  counter.reset(2);
  tracks.singly[2] = 0;
  run(rig, 2, 3, straight(20, 80, 3, 70), 20, 200);
  assert.equal([counter.lr[0], counter.rl[0]], [1, 1]);
});

test('against a stop line, a rider whose shadow shares its blob at the line counts if it came from far off', () => {
  const oneWay = [{ ...LINE[0]!, travel: 'lr' as const }];
  // A track seen on its own until 10 frames (0.67 s) before it reaches the line, then inside a merged blob.
  const rider = (fromY: number): number => {
    const rig = counterFor(oneWay, 2);
    const { counter, tracks } = rig;
    counter.reset(0);
    const path = straight(fromY, 20, -3, 40);
    path.forEach(([x, y], i) => {
      const alone = y > 50 + 3 * 10;
      tracks.singly[0] = alone ? 1 : 0;
      if (alone) tracks.singlyMs[0] = i * FRAME_MS;
      const [, py] = i > 0 ? path[i - 1]! : [x, y];
      observe(counter, tracks, 0, 1, x, y, 0, (y - py) / FRAME_MS, 20, i, i * FRAME_MS);
    });
    return counter.rl[0]!;
  };
  assert.is(rider(140), 1, 'from 90 px below the line (4.5 heights): a wrong-way rider, counted');
  assert.is(rider(83), 0, 'established only 33 px below (under 2 heights): as a queue shuffling, not counted');
});

test.run();
