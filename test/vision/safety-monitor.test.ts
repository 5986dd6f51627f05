import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SignalAspect } from '../../protocol/index.js';
import { BlobList } from '../../edge/vision/blob-list.js';
import { LineCounter, LR, RL } from '../../edge/vision/line-counter.js';
import { SafetyMonitor, validateSafetyConfig, type SafetyConfig, type SafetyEvent } from '../../edge/vision/safety-monitor.js';
import { Tracker } from '../../edge/vision/tracker.js';
import { VehicleSizeModel } from '../../edge/vision/vehicle-size-model.js';
import { ZoneMonitor, type ZoneConfig } from '../../edge/vision/zone-monitor.js';
import { FakeTracks, heapGrowth } from './fake-tracks.js';

function rect(name: string, x0: number, y0: number, x1: number, y1: number): ZoneConfig {
  return { name, points: [{ x: x0, y: y0 }, { x: x1, y: y0 }, { x: x1, y: y1 }, { x: x0, y: y1 }] };
}

const LINES = ['stop-N', 'L2'];
// A 100×100 image at factor 1: a northbound lane on the left (traffic moves up the image), a box junction
// on the right where stopping is not allowed.
const ZONES = [rect('lane-N', 0, 0, 40, 100), rect('box', 50, 50, 90, 90)];

/**
 * Moves slot t on by its velocity over dtMs, as a measured track moves: the blob centre it is measured at
 * is never exactly on the prediction (±0.2 px here). A track moved exactly by its own velocity is the
 * tracker coasting, which the monitor does not take as evidence.
 */
function stepMeasured(tracks: FakeTracks, t: number, dtMs: number, frame: number): void {
  tracks.step(t, dtMs);
  tracks.cx[t]! += frame % 2 === 0 ? 0.2 : -0.2;
}

function rig(config: SafetyConfig, options: { factor?: number } = {}) {
  const factor = options.factor ?? 1;
  const zones = new ZoneMonitor(ZONES, 8, { workingWidth: 100 / factor, workingHeight: 100 / factor, factor });
  const safety = new SafetyMonitor(config, LINES, zones, { factor, trackCapacity: 8, wrongWayMinMs: 1000, wrongWayMinDistancePx: 30 });
  const events: SafetyEvent[] = [];
  safety.onEvent((event) => events.push(event));
  const signal = { aspect: 'green' as SignalAspect };
  const signalOf = (group: string) => (group === 'G1' ? signal.aspect : 'green');
  const tracks = new FakeTracks(8);
  return { safety, events, signal, signalOf, tracks };
}

test('red-light: a crossing counts only after the grace period, only while red, only in the stop direction', () => {
  const { safety, events, signal, signalOf, tracks } = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 500, direction: 'rl' }] });
  tracks.set(0, 5, 20, 60, 0, -0.05, 6, 10);
  safety.update(tracks, signalOf, 0, 0);
  signal.aspect = 'amber';
  safety.onCrossing(0, RL, 5, 1, 500, 20, 50);
  safety.update(tracks, signalOf, 500, 1);
  signal.aspect = 'red';
  safety.update(tracks, signalOf, 1000, 2);
  safety.onCrossing(0, RL, 5, 3, 1300, 20, 50); // red for 300 ms: within the grace
  safety.update(tracks, signalOf, 1300, 3);
  safety.onCrossing(0, LR, 5, 4, 1600, 20, 50); // leaving the junction, not entering
  safety.onCrossing(1, RL, 5, 4, 1600, 20, 50); // not a stop line
  safety.update(tracks, signalOf, 1600, 4);
  assert.equal(events, []);
  safety.onCrossing(0, RL, 5, 5, 1700, 20, 50);
  safety.update(tracks, signalOf, 1700, 5);
  assert.equal(events, [
    { kind: 'red-light', trackId: 5, tsMs: 1700, frame: 5, line: 'stop-N', group: 'G1', signal: 'red', redForMs: 700, box: { x: 17, y: 55, w: 6, h: 10 } },
  ]);
  // Green, then red again: red time restarts.
  signal.aspect = 'green';
  safety.update(tracks, signalOf, 2000, 6);
  signal.aspect = 'red';
  safety.update(tracks, signalOf, 3000, 7);
  safety.onCrossing(0, RL, 6, 8, 3400, 20, 50);
  safety.update(tracks, signalOf, 3400, 8);
  assert.is(events.length, 1);
});

test('red-light: a crossing on the tracker\'s extrapolation alone (coasting through a merged queue blob) is not a runner', () => {
  const { safety, events, signal, signalOf, tracks } = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 0, direction: 'rl' }] });
  signal.aspect = 'red';
  tracks.set(0, 5, 20, 70, 0, -0.05, 6, 10);
  safety.update(tracks, signalOf, 0, 0);
  for (let frame = 1; frame <= 20; frame++) {
    tracks.step(0, 100); // exactly on its own prediction, velocity unchanged: no measurement
    if (frame === 10) safety.onCrossing(0, RL, 5, frame, frame * 100, 20, 50);
    safety.update(tracks, signalOf, frame * 100, frame);
  }
  assert.equal(events, []);
  // The same motion, measured (the blob centre is never exactly on the prediction), is a runner.
  const measured = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 0, direction: 'rl' }] });
  measured.signal.aspect = 'red';
  measured.tracks.set(0, 5, 20, 70, 0, -0.05, 6, 10);
  measured.safety.update(measured.tracks, measured.signalOf, 0, 0);
  for (let frame = 1; frame <= 20; frame++) {
    stepMeasured(measured.tracks, 0, 100, frame);
    if (frame === 10) measured.safety.onCrossing(0, RL, 5, frame, frame * 100, 20, 50);
    measured.safety.update(measured.tracks, measured.signalOf, frame * 100, frame);
  }
  assert.equal(measured.events.map((event) => [event.kind, event.trackId, event.frame]), [['red-light', 5, 10]]);
});

test('red-light: a runner the tracker split into two tracks is reported once', () => {
  const { safety, events, signal, signalOf, tracks } = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 0, direction: 'rl' }] });
  signal.aspect = 'red';
  // 50 px/s up the image towards the stop line at y = 50, 5 px a frame.
  tracks.set(0, 5, 20, 65, 0, -0.05, 8, 12); // the vehicle's front part: at the line in frame 2
  tracks.set(1, 6, 21, 73, 0, -0.05, 8, 8); // its rear, a second track: a frame later
  tracks.set(2, 7, 70, 70, 0, -0.05, 8, 12); // another runner, elsewhere on the line
  for (let frame = 0; frame <= 3; frame++) {
    for (let t = 0; t < 3; t++) stepMeasured(tracks, t, 100, frame);
    if (frame === 2) safety.onCrossing(0, RL, 5, frame, frame * 100, 20, 50);
    if (frame === 3) {
      safety.onCrossing(0, RL, 6, frame, frame * 100, 21, 50);
      safety.onCrossing(0, RL, 7, frame, frame * 100, 70, 50);
    }
    safety.update(tracks, signalOf, frame * 100, frame);
  }
  assert.equal(events.map((event) => event.trackId), [5, 7]);
});

test('red-light: flashing red and dark are not red', () => {
  const { safety, events, signal, signalOf, tracks } = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 0 }] });
  for (const [i, aspect] of (['flashing-red', 'dark', 'flashing-amber', 'green'] as const).entries()) {
    signal.aspect = aspect;
    safety.update(tracks, signalOf, i * 2000, i * 2);
    safety.onCrossing(0, RL, 5, i * 2 + 1, i * 2000 + 1000, 20, 50);
    safety.update(tracks, signalOf, i * 2000 + 1000, i * 2 + 1);
  }
  assert.equal(events, []);
});

test('red-light without a configured direction: a crossing in a lane must follow the lane', () => {
  const { safety, events, signal, signalOf, tracks } = rig({ stopLines: [{ line: 'stop-N', group: 'G1' }], lanes: [{ zone: 'lane-N', direction: { x: 0, y: -1 } }] });
  tracks.set(0, 5, 20, 49, 0, -0.05); // northbound, with the lane
  tracks.set(1, 6, 30, 51, 0, 0.05); // southbound, against it
  signal.aspect = 'red';
  safety.update(tracks, signalOf, 0, 0);
  safety.onCrossing(0, LR, 6, 30, 1000, 30, 50);
  safety.onCrossing(0, RL, 5, 30, 1000, 20, 50);
  safety.update(tracks, signalOf, 1000, 30);
  assert.equal(events.map((event) => [event.kind, event.trackId, event.redForMs]), [['red-light', 5, 1000]]);
});

test('red-light box is in source pixels', () => {
  const { safety, events, signal, signalOf, tracks } = rig({ stopLines: [{ line: 'stop-N', group: 'G1', direction: 'rl' }] }, { factor: 2 });
  tracks.set(0, 5, 10, 25, 0, -0.02, 4, 6);
  signal.aspect = 'red';
  safety.update(tracks, signalOf, 0, 0);
  safety.onCrossing(0, RL, 5, 20, 800, 10, 25);
  safety.update(tracks, signalOf, 800, 20);
  assert.equal(events[0]!.box, { x: 16, y: 44, w: 8, h: 12 });
});

test('wrong-way: only sustained motion against the lane, once per track', () => {
  const { safety, events, signalOf, tracks } = rig({ lanes: [{ zone: 'lane-N', direction: { x: 0, y: -3 } }] });
  let ts = 0;
  const run = (frames: number) => {
    for (let i = 0; i < frames; i++) {
      ts += 100;
      for (let t = 0; t < 4; t++) if (tracks.isActive(t)) stepMeasured(tracks, t, 100, ts / 100);
      safety.update(tracks, signalOf, ts, ts / 100);
    }
  };
  tracks.set(0, 1, 20, 5, 0, 0.05); // 50 px/s down a northbound lane: wrong way
  tracks.set(1, 2, 20, 95, 0, -0.05); // the right way
  tracks.set(2, 3, 30, 5, 0, 0.01); // against the lane, but only 10 px/s (a drifting estimate)
  tracks.set(3, 4, 70, 5, 0, 0.05); // fast, but not in a lane
  run(10); // 0.9 s since the reverse run started at the first frame
  assert.equal(events, []);
  run(1);
  assert.equal(events.map((event) => [event.kind, event.trackId, event.zone, event.tsMs]), [['wrong-way', 1, 'lane-N', 1100]]);
  run(30);
  assert.is(events.length, 1, 'once per track');

  // A brief reversal (a wobble of the velocity estimate) is not wrong-way.
  const wobble = rig({ lanes: [{ zone: 'lane-N', direction: { x: 0, y: -1 } }] });
  wobble.tracks.set(0, 1, 20, 50, 0, 0.05);
  for (let frame = 1; frame <= 60; frame++) {
    wobble.tracks.vy[0] = frame % 8 < 5 ? 0.05 : -0.05;
    stepMeasured(wobble.tracks, 0, 100, frame);
    wobble.safety.update(wobble.tracks, wobble.signalOf, frame * 100, frame);
  }
  assert.equal(wobble.events, []);
});

test('wrong-way: a new track in the slot of a reported one is judged afresh', () => {
  const { safety, events, signalOf, tracks } = rig({ lanes: [{ zone: 'lane-N', direction: { x: 0, y: -1 } }] });
  tracks.set(0, 1, 20, 5, 0, 0.05);
  for (let frame = 1; frame <= 15; frame++) {
    stepMeasured(tracks, 0, 100, frame);
    safety.update(tracks, signalOf, frame * 100, frame);
  }
  tracks.set(0, 2, 20, 5, 0, 0.05);
  for (let frame = 16; frame <= 30; frame++) {
    stepMeasured(tracks, 0, 100, frame);
    safety.update(tracks, signalOf, frame * 100, frame);
  }
  assert.equal(events.map((event) => event.trackId), [1, 2]);
});

test('wrong-way: a track only extrapolated by the tracker (coasting in a merged blob) is not evidence', () => {
  const { safety, events, signalOf, tracks } = rig({ lanes: [{ zone: 'lane-N', direction: { x: 0, y: -1 } }] });
  tracks.set(0, 1, 20, 5, 0, 0.05); // 50 px/s against the lane, for 3 s and 150 px, but never measured
  for (let frame = 1; frame <= 30; frame++) {
    tracks.step(0, 100);
    safety.update(tracks, signalOf, frame * 100, frame);
  }
  assert.equal(events, []);
  // Measured now and then is not enough either: fewer than wrongWayMinMeasurements on the way.
  const sparse = rig({ lanes: [{ zone: 'lane-N', direction: { x: 0, y: -1 } }] });
  sparse.tracks.set(0, 1, 20, 5, 0, 0.05);
  for (let frame = 1; frame <= 30; frame++) {
    if (frame % 8 === 0) stepMeasured(sparse.tracks, 0, 100, frame);
    else sparse.tracks.step(0, 100);
    sparse.safety.update(sparse.tracks, sparse.signalOf, frame * 100, frame);
  }
  assert.equal(sparse.events, []);
});

test('illegal stop: only after maxStopMs standing still in the zone, once per visit', () => {
  const { safety, events, signalOf, tracks } = rig({ noStopping: [{ zone: 'box', maxStopMs: 10_000, stillPxPerS: 3 }] });
  tracks.set(0, 1, 70, 70, 0.001, 0); // 1 px/s: standing
  tracks.set(1, 2, 60, 60, 0.005, 0); // 5 px/s: creeping through
  tracks.set(2, 3, 20, 20); // standing, outside the zone
  tracks.set(3, 4, 80, 80);
  tracks.hits[3] = 1; // standing but never confirmed (noise)
  let ts = 0;
  const run = (untilMs: number) => {
    for (; ts <= untilMs; ts += 100) safety.update(tracks, signalOf, ts, ts / 100);
  };
  run(10_000);
  assert.equal(events, []);
  run(10_100);
  assert.equal(events.map((event) => [event.kind, event.trackId, event.zone, event.tsMs]), [['illegal-stop', 1, 'box', 10_100]]);
  run(30_000);
  assert.is(events.length, 1);
  // Leaves, comes back and stops again: a new visit.
  tracks.cx[0] = 95;
  run(31_000);
  tracks.cx[0] = 70;
  run(41_000);
  assert.is(events.length, 1);
  run(41_200);
  assert.equal(events.map((event) => event.trackId), [1, 1]);
});

test('illegal stop: a standing vehicle the tracker re-tracks (a new id on the same spot) is one stop', () => {
  const { safety, events, signalOf, tracks } = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
  tracks.set(0, 1, 70, 70, 0, 0, 10, 10);
  let ts = 0;
  for (; ts <= 2500; ts += 100) safety.update(tracks, signalOf, ts, ts / 100);
  tracks.remove(0);
  tracks.set(1, 2, 71, 69, 0, 0, 10, 10); // the same vehicle, tracked again
  tracks.set(2, 3, 55, 55, 0, 0, 4, 4); // another vehicle standing elsewhere in the box
  for (; ts <= 6000; ts += 100) safety.update(tracks, signalOf, ts, ts / 100);
  assert.equal(events.map((event) => event.trackId), [1, 3]);
});

test('illegal stop: moving again restarts the stopped time', () => {
  const { safety, events, signalOf, tracks } = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
  tracks.set(0, 1, 70, 70);
  for (let ts = 0; ts <= 6000; ts += 100) {
    tracks.vx[0] = ts % 1500 < 500 ? 0.02 : 0; // half a second of moving (20 px/s) every 1.5 s
    safety.update(tracks, signalOf, ts, ts / 100);
  }
  assert.equal(events, []);
});

test('illegal stop: a standing vehicle whose box jitters (velocity flickering around zero) is still standing', () => {
  const { safety, events, signalOf, tracks } = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
  tracks.set(0, 1, 70, 70);
  for (let ts = 0; ts <= 3000; ts += 100) {
    tracks.vx[0] = (ts / 100) % 2 === 0 ? 0.006 : -0.006; // ±6 px/s from one frame to the next
    safety.update(tracks, signalOf, ts, ts / 100);
  }
  assert.equal(events.map((event) => event.kind), ['illegal-stop']);
});

test('references to unknown lines and zones are refused, naming the field', () => {
  const problems = validateSafetyConfig(
    {
      stopLines: [{ line: 'stop-X', group: 'G1' }, { line: 'stop-N', group: 'G1', graceMs: -1 }, { line: 'stop-N', group: 'G2' }],
      lanes: [{ zone: 'lane-S', direction: { x: 0, y: 1 } }, { zone: 'lane-N', direction: { x: 0, y: 0 } }],
      noStopping: [{ zone: 'bx', maxStopMs: 0 }],
    },
    LINES,
    ['lane-N', 'box'],
  );
  assert.equal(problems, [
    "stopLines[0].line: unknown count line 'stop-X' (known: stop-N, L2)",
    'stopLines[1].graceMs: must be >= 0, got -1',
    "stopLines[2].line: 'stop-N' is already a stop line in stopLines[1]",
    "lanes[0].zone: unknown zone 'lane-S' (known: lane-N, box)",
    'lanes[1].direction: must be a non-zero vector {x, y}',
    "noStopping[0].zone: unknown zone 'bx' (known: lane-N, box)",
    'noStopping[0].maxStopMs: must be > 0, got 0',
  ]);
  assert.throws(() => rig({ lanes: [{ zone: 'nope', direction: { x: 1, y: 0 } }] }), /invalid safety config:\n {2}lanes\[0\]\.zone: unknown zone 'nope'/);
});

test('end to end with the real tracker and line counter: a vehicle crossing the stop line on red', () => {
  // Working 100×100 at factor 1; stop line across at y = 50, traffic moving down the image (lr).
  const counter = new LineCounter([{ name: 'stop-N', a: { x: 0, y: 50 }, b: { x: 100, y: 50 } }], 16);
  const tracker = new Tracker(counter, new VehicleSizeModel(100), 8, { capacity: 16 });
  const zones = new ZoneMonitor([rect('lane-S', 30, 0, 70, 100)], 16, { workingWidth: 100, workingHeight: 100, factor: 1 });
  const safety = new SafetyMonitor({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 500 }], lanes: [{ zone: 'lane-S', direction: { x: 0, y: 1 } }] }, counter.names, zones, {
    factor: 1,
    trackCapacity: tracker.capacity,
  });
  const events: SafetyEvent[] = [];
  safety.onEvent((event) => events.push(event));
  const signalOf = (): SignalAspect => 'red';
  const blobs = new BlobList(8);
  for (let frame = 0; frame < 40; frame++) {
    const tsMs = frame * 40;
    const top = 20 + frame * 2;
    blobs.count = 1;
    blobs.minX[0] = 47;
    blobs.maxX[0] = 52;
    blobs.minY[0] = top;
    blobs.maxY[0] = top + 5;
    blobs.area[0] = 36;
    tracker.update(blobs, tsMs, frame);
    counter.drain(safety.onCrossing);
    safety.update(tracker, signalOf, tsMs, frame);
  }
  assert.is(counter.lr[0], 1);
  assert.is(events.length, 1);
  const event = events[0]!;
  assert.is(event.kind, 'red-light');
  assert.is(event.line, 'stop-N');
  assert.ok(event.redForMs! > 500, `red for ${event.redForMs} ms`);
  assert.ok(Math.abs(event.box.x + event.box.w / 2 - 50) < 1, `box ${JSON.stringify(event.box)}`);
});

test('onCrossing and update allocate nothing per call in steady state', () => {
  const { safety, signal, signalOf, tracks } = rig({
    stopLines: [{ line: 'stop-N', group: 'G1' }],
    lanes: [{ zone: 'lane-N', direction: { x: 0, y: -1 } }],
    noStopping: [{ zone: 'box' }],
  });
  let events = 0;
  safety.onEvent(() => events++);
  for (let t = 0; t < 8; t++) tracks.set(t, t + 1, t < 4 ? 10 + t * 5 : 60 + t, 50, 0, t < 4 ? -0.05 : 0.01);
  const growth = heapGrowth((i) => {
    signal.aspect = (i >> 6) % 2 === 0 ? 'green' : 'amber';
    // Whole numbers only: the test's own double arithmetic would box numbers whenever it runs unoptimised.
    for (let t = 0; t < 8; t++) tracks.cy[t] = 10 + ((i + t * 7) % 80);
    safety.onCrossing(0, RL, 1, i, i * 40, 20, 50);
    safety.update(tracks, signalOf, i * 40, i);
  });
  assert.is(events, 0, 'no events in the steady state measured');
  assert.ok(growth < 100_000, `heap grew ${growth} bytes over 10,000 updates`);
});

test.run();
