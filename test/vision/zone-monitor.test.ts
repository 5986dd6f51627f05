import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GroundPlane } from '../../edge/vision/ground-plane.js';
import { LineCounter } from '../../edge/vision/line-counter.js';
import type { TrackView } from '../../edge/vision/track-view.js';
import { Tracker } from '../../edge/vision/tracker.js';
import { VehicleSizeModel } from '../../edge/vision/vehicle-size-model.js';
import { ZoneMonitor, type ZoneConfig } from '../../edge/vision/zone-monitor.js';
import { FakeTracks, heapGrowth } from './fake-tracks.js';

function rect(name: string, x0: number, y0: number, x1: number, y1: number, extra: Partial<ZoneConfig> = {}): ZoneConfig {
  return { name, points: [{ x: x0, y: y0 }, { x: x1, y: y0 }, { x: x1, y: y1 }, { x: x0, y: y1 }], ...extra };
}

/** Sets the working-pixel rectangle [x0, x1) × [y0, y1) of a mask to 1. */
function paint(mask: Uint8Array, width: number, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = y0; y < y1; y++) mask.fill(1, y * width + x0, y * width + x1);
}

test('a rectangle zone rasterises to the working pixels whose centres it contains', () => {
  // Source 80×60 at factor 2: pixel centres at odd source coordinates; x 11..49 → 20 columns, y 21..39 → 10 rows.
  const zones = new ZoneMonitor([rect('Z', 10, 20, 50, 40)], 8, { workingWidth: 40, workingHeight: 30, factor: 2 });
  assert.is(zones.pixelCount(0), 200);
  const pixels = zones.pixelsOf(0);
  assert.is(pixels[0], 10 * 40 + 5);
  assert.is(pixels[199], 19 * 40 + 24);
});

test('a triangle zone covers about its area, and the containment test agrees with the raster', () => {
  const zones = new ZoneMonitor([{ name: 'T', points: [{ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 0, y: 100 }] }], 8, { workingWidth: 100, workingHeight: 100, factor: 1 });
  assert.ok(Math.abs(zones.pixelCount(0) - 5000) <= 100, `${zones.pixelCount(0)} pixels`);
  const inRaster = new Uint8Array(100 * 100);
  for (const index of zones.pixelsOf(0)) inRaster[index] = 1;
  for (let y = 0; y < 100; y++) for (let x = 0; x < 100; x++) assert.is(zones.contains(0, x + 0.5, y + 0.5), inRaster[y * 100 + x] === 1, `pixel ${x},${y}`);
});

test('occupancy is the fraction of the zone pixels in the foreground', () => {
  const zones = new ZoneMonitor([rect('Z', 10, 20, 50, 40), rect('other', 60, 0, 80, 10)], 8, { workingWidth: 40, workingHeight: 30, factor: 2 });
  const mask = new Uint8Array(40 * 30);
  paint(mask, 40, 5, 10, 25, 15); // half the zone's rows
  paint(mask, 40, 0, 0, 5, 30); // foreground outside the zone does not count
  zones.update(mask, new FakeTracks(8), 0);
  assert.is(zones.occupancy[0], 0.5);
  assert.is(zones.occupancy[1], 0);
});

test('presence switches on after onDelayMs of occupancy and off after offDelayMs without, and tells listeners', () => {
  const zones = new ZoneMonitor([rect('Z', 0, 0, 10, 10, { presence: { onDelayMs: 200, offDelayMs: 500 } })], 4, { workingWidth: 10, workingHeight: 10, factor: 1 });
  const calls: [number, boolean, number][] = [];
  zones.onPresenceChange((zone, present, tsMs) => calls.push([zone, present, tsMs]));
  const tracks = new FakeTracks(4);
  const full = new Uint8Array(100).fill(1);
  const empty = new Uint8Array(100);
  // A brief blip shorter than the on delay is not a call.
  zones.update(full, tracks, 0);
  zones.update(full, tracks, 100);
  zones.update(empty, tracks, 150);
  zones.update(full, tracks, 1000);
  zones.update(full, tracks, 1150);
  assert.is(zones.present[0], 0);
  zones.update(full, tracks, 1200);
  assert.is(zones.present[0], 1);
  assert.equal(calls, [[0, true, 1200]]);
  // A gap shorter than the off delay keeps the call.
  zones.update(empty, tracks, 1300);
  zones.update(full, tracks, 1700);
  zones.update(empty, tracks, 2000);
  zones.update(empty, tracks, 2499);
  assert.is(zones.present[0], 1);
  zones.update(empty, tracks, 2500);
  assert.is(zones.present[0], 0);
  assert.equal(calls, [[0, true, 1200], [0, false, 2500]]);
});

test('presence uses the occupancy threshold, and the default on delay is immediate', () => {
  const zones = new ZoneMonitor([rect('Z', 0, 0, 10, 10)], 4, { workingWidth: 10, workingHeight: 10, factor: 1, occupancyThreshold: 0.3 });
  const mask = new Uint8Array(100);
  paint(mask, 10, 0, 0, 10, 2); // 20 %
  zones.update(mask, new FakeTracks(4), 0);
  assert.is(zones.present[0], 0);
  paint(mask, 10, 0, 0, 10, 3); // 30 %
  zones.update(mask, new FakeTracks(4), 40);
  assert.is(zones.present[0], 1);
});

test('volume counts each confirmed track once, when its centre first enters', () => {
  // Zone: source (0,0)-(20,20) at factor 1.
  const zones = new ZoneMonitor([rect('Z', 0, 0, 20, 20)], 4, { workingWidth: 40, workingHeight: 40, factor: 1 });
  const mask = new Uint8Array(40 * 40);
  const tracks = new FakeTracks(4);
  let ts = 0;
  const frame = (x: number) => {
    tracks.cx[0] = x;
    zones.update(mask, tracks, (ts += 100));
  };
  tracks.set(0, 7, 30, 10);
  frame(30);
  assert.is(zones.volume[0], 0);
  frame(15);
  assert.is(zones.volume[0], 1);
  for (let i = 0; i < 5; i++) frame(14 - i);
  // Flicker across the border, or out and back in: still the one vehicle.
  frame(20.5);
  frame(19.5);
  for (let i = 0; i < 30; i++) frame(30);
  frame(10);
  assert.is(zones.volume[0], 1);
  // An unconfirmed track does not count; once confirmed while inside it does.
  tracks.set(1, 8, 5, 5);
  tracks.hits[1] = 1;
  zones.update(mask, tracks, (ts += 100));
  assert.is(zones.volume[0], 1);
  tracks.hits[1] = 3;
  zones.update(mask, tracks, (ts += 100));
  assert.is(zones.volume[0], 2);
});

test('volume: a track appearing where another was inside is that vehicle, for sameVehicleMs (standingVehicleMs if it stood)', () => {
  const zones = new ZoneMonitor([rect('Z', 0, 0, 40, 40)], 4, { workingWidth: 40, workingHeight: 40, factor: 1, sameVehicleMs: 2000, standingVehicleMs: 10_000 });
  const mask = new Uint8Array(40 * 40);
  const tracks = new FakeTracks(4);
  // A car (8×8 box) queued at (10, 10).
  tracks.set(0, 1, 10, 10, 0, 0, 8, 8);
  zones.update(mask, tracks, 0);
  zones.update(mask, tracks, 100);
  assert.is(zones.volume[0], 1);
  // Its track is lost and a new one is born on it (an id switch), in the slot the lost track had…
  tracks.remove(0);
  tracks.set(0, 2, 11, 12, 0, 0, 8, 8);
  zones.update(mask, tracks, 500);
  assert.is(zones.volume[0], 1, 'id switch in the same slot');
  // …and in another slot, long after, as the car stood: it melted into the background and moves off now.
  tracks.remove(0);
  zones.update(mask, tracks, 600);
  tracks.set(2, 3, 10, 11, 0, 0, 8, 8);
  zones.update(mask, tracks, 8000);
  assert.is(zones.volume[0], 1, 'id switch in another slot, within the standing time');
  // A fragment: a small piece whose centre lies in the car's box.
  tracks.set(1, 4, 13, 13, 0, 0, 3, 3);
  zones.update(mask, tracks, 8100);
  assert.is(zones.volume[0], 1, 'a fragment of the car');
  // A vehicle beside it (centres a box width apart) is another vehicle.
  tracks.set(1, 5, 20, 10, 0.01, 0, 8, 8);
  zones.update(mask, tracks, 8200);
  assert.is(zones.volume[0], 2, 'the vehicle beside it');
  // The moving one is lost: a vehicle appearing there within sameVehicleMs is it, later a new one.
  tracks.remove(1);
  tracks.remove(2);
  zones.update(mask, tracks, 8300);
  tracks.set(3, 6, 20, 11, 0, 0, 8, 8);
  zones.update(mask, tracks, 8200 + 1900);
  assert.is(zones.volume[0], 2, 'within sameVehicleMs of the moving track');
  tracks.remove(3);
  zones.update(mask, tracks, 10_200);
  tracks.set(3, 7, 30, 30, 0, 0, 8, 8);
  tracks.set(1, 8, 20, 10, 0, 0, 8, 8);
  zones.update(mask, tracks, 10_200 + 2001 + 10_000);
  assert.is(zones.volume[0], 4, 'after the windows: new vehicles');
});

test('queue length runs from the stop line to the farthest occupied band, in pixels and metres', () => {
  // A lane 20×100 source px (working 10×50 at factor 2), stop line along its bottom edge.
  const zone = rect('lane', 0, 0, 20, 100, { stopLine: { a: { x: 0, y: 100 }, b: { x: 20, y: 100 } } });
  const zones = new ZoneMonitor([zone], 4, { workingWidth: 10, workingHeight: 50, factor: 2, metresPerPixel: 0.25 });
  const tracks = new FakeTracks(4);
  const mask = new Uint8Array(10 * 50);
  zones.update(mask, tracks, 0);
  assert.is(zones.queuePx[0], 0);
  paint(mask, 10, 0, 30, 10, 50); // source rows 60..100: 40 px of queue
  mask[2 * 10 + 3] = 1; // one noisy pixel near the far end is not a queue
  zones.update(mask, tracks, 40);
  assert.is(zones.queuePx[0], 40);
  assert.is(zones.queueM[0], 10);
});

test('queue length stops at a gap wider than queueMaxGapPx', () => {
  const zone = rect('lane', 0, 0, 20, 100, { stopLine: { a: { x: 0, y: 100 }, b: { x: 20, y: 100 } } });
  const mask = new Uint8Array(10 * 50);
  paint(mask, 10, 0, 45, 10, 50); // 10 px at the stop line
  paint(mask, 10, 0, 20, 10, 25); // a vehicle 40 px further back, still moving
  const bounded = new ZoneMonitor([zone], 4, { workingWidth: 10, workingHeight: 50, factor: 2, queueMaxGapPx: 10 });
  bounded.update(mask, new FakeTracks(4), 0);
  assert.is(bounded.queuePx[0], 10);
  assert.ok(Number.isNaN(bounded.queueM[0]!), 'no metres without metresPerPixel');
  const unbounded = new ZoneMonitor([zone], 4, { workingWidth: 10, workingHeight: 50, factor: 2 });
  unbounded.update(mask, new FakeTracks(4), 0);
  assert.is(unbounded.queuePx[0], 60);
});

test('with a ground plane, a queue is measured on the road in metres, from the pixels that stood still', () => {
  // A lane seen in perspective: image rows 0 (40 m up the road) to 100 (the stop line, 0 m), 80 px wide.
  const image = [{ x: 30, y: 0 }, { x: 50, y: 0 }, { x: 80, y: 100 }, { x: 0, y: 100 }];
  const ground = [{ x: 0, y: 40 }, { x: 3.5, y: 40 }, { x: 3.5, y: 0 }, { x: 0, y: 0 }];
  const plane = GroundPlane.fromPoints(image, ground);
  const lane: ZoneConfig = { name: 'lane', points: image, stopLine: { a: { x: 0, y: 100 }, b: { x: 80, y: 100 } } };
  const zones = new ZoneMonitor([lane], 4, { workingWidth: 80, workingHeight: 100, factor: 1, groundPlane: plane });
  const tracks = new FakeTracks(4);
  const mask = new Uint8Array(80 * 100);
  const frame = new Uint8Array(80 * 100).fill(90);
  // A vehicle moving down the lane, 3 rows a frame at 10 fps: foreground everywhere it passes, standing nowhere.
  let ts = 0;
  for (let top = 0; top + 20 <= 100; top += 3, ts += 100) {
    mask.fill(0);
    frame.fill(90);
    paint(mask, 80, 0, top, 80, top + 20);
    for (let y = top; y < top + 20; y++) frame.fill(150 + (((y - top) * 7) % 60), y * 80, y * 80 + 80);
    zones.update(mask, tracks, ts, frame);
    assert.is(zones.queueM[0], 0, `a moving vehicle is no queue (rows ${top}..${top + 19})`);
  }
  assert.ok(Number.isNaN(zones.queuePx[0]!), 'no image-pixel queue on the ground plane');
  // It leaves; the road is empty for a while.
  mask.fill(0);
  frame.fill(90);
  for (const start = ts; ts < start + 3000; ts += 100) zones.update(mask, tracks, ts, frame);
  // Two vehicles standing: one from the stop line up to row 70, one far beyond a gap of several metres.
  mask.fill(0);
  frame.fill(90);
  paint(mask, 80, 0, 70, 80, 100);
  paint(mask, 80, 0, 10, 80, 25);
  frame.fill(40, 70 * 80, 100 * 80);
  frame.fill(40, 10 * 80, 25 * 80);
  for (const start = ts; ts < start + 1800; ts += 100) zones.update(mask, tracks, ts, frame);
  assert.is(zones.queueM[0], 0, `not standing for queueStandingMs yet (${zones.queueM[0]} m)`);
  for (const start = ts; ts <= start + 700; ts += 100) zones.update(mask, tracks, ts, frame);
  // The near vehicle's far edge (row 70) on the road, to the half-metre band.
  const expected = plane.toGround(40, 70).y;
  assert.ok(Math.abs(zones.queueM[0]! - expected) <= 0.5, `queue ${zones.queueM[0]} m, the vehicle reaches ${expected.toFixed(2)} m`);
  // Without a gap limit the far vehicle joins the queue.
  const unbounded = new ZoneMonitor([lane], 4, { workingWidth: 80, workingHeight: 100, factor: 1, groundPlane: plane, queueMaxGapM: Infinity });
  for (let t = 0; t <= 3000; t += 100) unbounded.update(mask, tracks, t, frame);
  assert.ok(unbounded.queueM[0]! > plane.toGround(40, 11).y - 0.5, `queue ${unbounded.queueM[0]} m reaches the far vehicle`);
});

test('zones without a stop line report no queue', () => {
  const zones = new ZoneMonitor([rect('Z', 0, 0, 10, 10)], 4, { workingWidth: 10, workingHeight: 10, factor: 1, metresPerPixel: 0.1 });
  zones.update(new Uint8Array(100).fill(1), new FakeTracks(4), 0);
  assert.ok(Number.isNaN(zones.queuePx[0]!));
  assert.ok(Number.isNaN(zones.queueM[0]!));
});

test('freeze marks exactly the pixels of zones whose signal is red, and clears the rest', () => {
  const zones = new ZoneMonitor(
    [rect('north', 0, 0, 10, 10, { phase: 'G1' }), rect('south', 20, 20, 30, 30, { phase: 'G2' }), rect('plain', 0, 20, 10, 30)],
    4,
    { workingWidth: 40, workingHeight: 40, factor: 1 },
  );
  const red = new Set(['G1']);
  const isRed = (z: number) => red.has(zones.phases[z] ?? '');
  const freezeMask = new Uint8Array(40 * 40).fill(1);
  zones.freeze(freezeMask, isRed);
  assert.is(freezeMask.reduce((sum, value) => sum + value, 0), zones.pixelCount(0));
  for (const index of zones.pixelsOf(0)) assert.is(freezeMask[index], 1);
  red.delete('G1');
  red.add('G2');
  zones.freeze(freezeMask, isRed);
  assert.is(freezeMask.reduce((sum, value) => sum + value, 0), zones.pixelCount(1));
  for (const index of zones.pixelsOf(1)) assert.is(freezeMask[index], 1);
});

test('once a foreground mask has been seen, freeze holds only the foreground pixels of a red zone', () => {
  const zones = new ZoneMonitor([rect('queue', 0, 0, 20, 20, { phase: 'G1' }), rect('plain', 20, 20, 40, 40)], 4, { workingWidth: 40, workingHeight: 40, factor: 1 });
  const mask = new Uint8Array(40 * 40);
  paint(mask, 40, 5, 5, 10, 15); // a queued vehicle in the zone: 50 pixels
  paint(mask, 40, 25, 25, 30, 30); // a vehicle outside any red zone
  zones.update(mask, new FakeTracks(4), 0);
  const freezeMask = new Uint8Array(40 * 40);
  zones.freeze(freezeMask, () => true);
  // The vehicle's pixels stay foreground; the empty road around it keeps learning (light changes).
  assert.is(freezeMask.reduce((sum, value) => sum + value, 0), 50);
  for (let y = 5; y < 15; y++) for (let x = 5; x < 10; x++) assert.is(freezeMask[y * 40 + x], 1);
  zones.freeze(freezeMask, () => false);
  assert.is(freezeMask.reduce((sum, value) => sum + value, 0), 0);
});

test('invalid zones are refused with every problem named', () => {
  assert.throws(
    () => new ZoneMonitor([rect('Z', 0, 0, 10, 10), rect('Z', 0, 0, 5, 5), { name: 'line', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }], 4, { workingWidth: 10, workingHeight: 10, factor: 1 }),
    (error: Error) => error.message.includes("zones[1].name: 'Z' is used by another zone") && error.message.includes('zones[2].points: a zone needs at least 3 points'),
  );
  assert.throws(
    () => new ZoneMonitor([rect('far', 100, 100, 120, 120)], 4, { workingWidth: 10, workingHeight: 10, factor: 1 }),
    /zones\[0\] 'far': covers no working pixel/,
  );
});

test('the real Tracker is a TrackView', () => {
  const tracker = new Tracker(new LineCounter([], 16), new VehicleSizeModel(30), 8, { capacity: 16 });
  const view: TrackView = tracker;
  const zones = new ZoneMonitor([rect('Z', 0, 0, 10, 10)], view.capacity, { workingWidth: 40, workingHeight: 30, factor: 1 });
  zones.update(new Uint8Array(40 * 30), view, 0);
  assert.is(zones.volume[0], 0);
});

test('update and freeze allocate nothing per call in steady state', () => {
  const zone = rect('lane', 0, 0, 40, 120, { phase: 'G1', stopLine: { a: { x: 0, y: 120 }, b: { x: 40, y: 120 } } });
  const zones = new ZoneMonitor([zone, rect('box', 50, 50, 100, 100)], 32, { workingWidth: 80, workingHeight: 60, factor: 2, metresPerPixel: 0.1 });
  let changes = 0;
  zones.onPresenceChange(() => changes++);
  const tracks = new FakeTracks(32);
  for (let t = 0; t < 32; t++) tracks.set(t, t + 1, (t * 5) % 80, (t * 7) % 60, 0.01, 0.02);
  const masks = [new Uint8Array(80 * 60), new Uint8Array(80 * 60).fill(1)];
  // Source frames (160×120) for the queue's standing pixels: one still, one changing.
  const frames = [new Uint8Array(160 * 120).fill(100), Uint8Array.from({ length: 160 * 120 }, (_, i) => i % 251)];
  const freezeMask = new Uint8Array(80 * 60);
  const isRed = (z: number) => z === 0;
  const growth = heapGrowth((i) => {
    zones.freeze(freezeMask, isRed);
    zones.update(masks[(i >> 4) & 1]!, tracks, i * 40, frames[(i >> 7) & 1]!);
  });
  assert.ok(changes > 0, 'presence changed during the run');
  assert.ok(growth < 100_000, `heap grew ${growth} bytes over 10,000 updates`);
});

test.run();
