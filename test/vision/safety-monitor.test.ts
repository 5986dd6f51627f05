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
import { setBlob } from './fake-blobs.js';

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
  tracks.measured[t] = 1;
}

/** The lines' geometry: 'stop-N' across the northbound lane at y = 50 (northbound traffic crosses it 'rl'). */
const LINE_GEOMETRY = [
  { a: { x: 0, y: 50 }, b: { x: 40, y: 50 } },
  { a: { x: 0, y: 30 }, b: { x: 100, y: 30 } },
];

function rig(config: SafetyConfig, options: { factor?: number; lines?: typeof LINE_GEOMETRY; settleMs?: number; image?: boolean } = {}) {
  const factor = options.factor ?? 1;
  const zones = new ZoneMonitor(ZONES, 8, { workingWidth: 100 / factor, workingHeight: 100 / factor, factor });
  const safety = new SafetyMonitor(config, LINES, zones, {
    factor,
    trackCapacity: 8,
    wrongWayMinMs: 1000,
    wrongWayMinDistancePx: 30,
    lines: options.lines,
    // The scenes here start at time 0 with the stop under test: no settling time.
    settleMs: options.settleMs ?? 0,
    ...(options.image ? { image: { workingWidth: 100 / factor, sourceWidth: 100 } } : {}),
  });
  const events: SafetyEvent[] = [];
  safety.onEvent((event) => events.push(event));
  const signal = { aspect: 'green' as SignalAspect };
  const signalOf = (group: string) => (group === 'G1' ? signal.aspect : 'green');
  const tracks = new FakeTracks(8);
  return { safety, events, signal, signalOf, tracks };
}

test('red-light: a crossing counts only after the grace period, only while red, only in the stop direction', () => {
  const { safety, events, signal, signalOf, tracks } = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 500, direction: 'rl' }] });
  // A vehicle driving up the image at 20 px/s, measured every 100 ms; crossings are handed in as the
  // counter would, the monitor judging each against the signal of the moment.
  tracks.set(0, 5, 20, 95, 0, -0.02, 6, 10);
  const at = (tsMs: number) => {
    stepMeasured(tracks, 0, 100, tsMs / 100);
    safety.update(tracks, signalOf, tsMs, tsMs / 100);
  };
  for (let ts = 0; ts < 500; ts += 100) at(ts);
  signal.aspect = 'amber';
  safety.onCrossing(0, RL, 5, 5, 500, 20, 50);
  for (let ts = 500; ts < 1300; ts += 100) {
    if (ts === 1000) signal.aspect = 'red';
    at(ts);
  }
  safety.onCrossing(0, RL, 5, 13, 1300, 20, 50); // red for 300 ms: within the grace
  at(1300);
  at(1400);
  at(1500);
  safety.onCrossing(0, LR, 5, 16, 1600, 20, 50); // leaving the junction, not entering
  safety.onCrossing(1, RL, 5, 16, 1600, 20, 50); // not a stop line
  at(1600);
  assert.equal(events, []);
  safety.onCrossing(0, RL, 5, 17, 1700, 20, 50);
  at(1700);
  assert.equal(
    events.map(({ box, ...event }) => ({ ...event, w: box.w, h: box.h })),
    [{ kind: 'red-light', trackId: 5, tsMs: 1700, frame: 17, line: 'stop-N', group: 'G1', signal: 'red', redForMs: 700, w: 6, h: 10 }],
  );
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

test('red-light: a runner the tracker only extrapolated across the line is reported once it is followed on into the junction', () => {
  const { safety, events, signal, signalOf, tracks } = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 0, direction: 'rl' }] });
  signal.aspect = 'red';
  // 50 px/s up the image; inside a merged blob the tracker only extrapolates it, across the line at y = 50.
  tracks.set(0, 5, 20, 100, 0, -0.05, 6, 10);
  safety.update(tracks, signalOf, 0, 0);
  for (let frame = 1; frame <= 10; frame++) {
    tracks.step(0, 100);
    if (frame === 10) safety.onCrossing(0, RL, 5, frame, frame * 100, 20, 50);
    safety.update(tracks, signalOf, frame * 100, frame);
  }
  assert.equal(events, [], 'no evidence at the crossing');
  // Then measured on its own, going on past the line: 5 px a frame, RUNNER_CONFIRM_PX (20) after 4 frames.
  for (let frame = 11; frame <= 20; frame++) {
    stepMeasured(tracks, 0, 100, frame);
    safety.update(tracks, signalOf, frame * 100, frame);
  }
  assert.equal(
    events.map((event) => [event.kind, event.trackId, event.frame, event.tsMs, event.redForMs]),
    [['red-light', 5, 14, 1400, 1000]],
    'reported where it was followed to, red for as long as it was at the crossing',
  );
  assert.ok(Math.abs(events[0]!.box.y + events[0]!.box.h / 2 - 30) < 1, JSON.stringify(events[0]!.box));
  // A crossing that is not followed on (the track stops just past the line) is given up.
  const stops = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 0, direction: 'rl' }] });
  stops.signal.aspect = 'red';
  stops.tracks.set(0, 5, 20, 100, 0, -0.05, 6, 10);
  for (let frame = 0; frame <= 60; frame++) {
    if (frame <= 10) stops.tracks.step(0, 100);
    else {
      stops.tracks.vy[0] = 0;
      stepMeasured(stops.tracks, 0, 100, frame);
    }
    if (frame === 10) stops.safety.onCrossing(0, RL, 5, frame, frame * 100, 20, 50);
    stops.safety.update(stops.tracks, stops.signalOf, frame * 100, frame);
  }
  assert.equal(stops.events, []);
});

test('red-light: a vehicle that stood in the no-stopping box and drives off on red is leaving the junction, not running the red', () => {
  const run = (standY: number) => {
    const r = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 0, direction: 'lr' }], noStopping: [{ zone: 'box', maxStopMs: 60_000 }] });
    r.signal.aspect = 'red';
    r.tracks.set(0, 7, 70, standY, 0, 0, 10, 10);
    let ts = stand(r, 0, 3000);
    // Drives off down the image at 50 px/s, measured; the counter counts it at y = 75.
    r.tracks.vy[0] = 0.05;
    for (let i = 0; i < 10; i++) {
      ts += 100;
      stepMeasured(r.tracks, 0, 100, ts / 100);
      if (i === 4) r.safety.onCrossing(0, LR, 7, ts / 100, ts, 70, 75);
      r.safety.update(r.tracks, r.signalOf, ts, ts / 100);
    }
    return r.events.map((event) => event.kind);
  };
  assert.equal(run(60), [], 'stood inside the box');
  assert.equal(run(40), ['red-light'], 'stood before the box (at the line)');
});

test('red-light: a track crossing on red whose box is on pixels that stood in the no-stopping zone is a vehicle leaving it, not a runner', () => {
  const run = (stoodThere: boolean) => {
    const r = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 500, direction: 'rl' }], noStopping: [{ zone: 'box', maxStopMs: 60_000 }] }, { image: true });
    const mask = new Uint8Array(100 * 100);
    const frame = new Uint8Array(100 * 100).fill(90);
    // A vehicle standing in the box junction (x 50..62), e.g. an illegal stopper that has no steady track.
    if (stoodThere) for (let y = 50; y < 90; y++) for (let x = 50; x < 62; x++) {
      mask[y * 100 + x] = 1;
      frame[y * 100 + x] = 40;
    }
    r.signal.aspect = 'red';
    // A track whose box (30 wide) reaches into the zone crosses the stop line at 5 s.
    r.tracks.set(0, 5, 45, 95, 0, -0.01, 30, 20);
    for (let ts = 100; ts <= 6000; ts += 100) {
      stepMeasured(r.tracks, 0, 100, ts / 100);
      if (ts === 5000) r.safety.onCrossing(0, RL, 5, ts / 100, ts, 45, 50);
      r.safety.seeImage(mask, frame);
      r.safety.update(r.tracks, r.signalOf, ts, ts / 100);
    }
    return r.events.map((event) => event.kind);
  };
  assert.equal(run(false), ['red-light']);
  assert.equal(run(true), []);
});

test('red-light with the stop line\'s geometry: runners the counter never counted are followed across by the monitor', () => {
  const config: SafetyConfig = { stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 0, direction: 'rl' }] };
  /** One track driving up the lane at 50 px/s (measured) from fromY for `frames` frames; no crossings handed in. */
  const run = (aspect: SignalAspect, fromY: number, frames: number, options: { newTrackAt?: number } = {}) => {
    const r = rig(config, { lines: LINE_GEOMETRY });
    r.signal.aspect = aspect;
    r.tracks.set(0, 1, 20, fromY, 0, -0.05, 6, 10);
    for (let frame = 1; frame <= frames; frame++) {
      if (frame === options.newTrackAt) {
        // The tracker loses it at the line and tracks it anew just past it.
        const y = r.tracks.cy[0]! - 5;
        r.tracks.remove(0);
        r.tracks.set(1, 2, 20, y, 0, -0.05, 6, 10);
      }
      for (let t = 0; t < 2; t++) if (r.tracks.isActive(t)) stepMeasured(r.tracks, t, 100, frame);
      r.safety.update(r.tracks, r.signalOf, frame * 100, frame);
    }
    return r.events.map((event) => [event.kind, event.trackId, Math.round(event.box.y + event.box.h / 2)]);
  };
  // Seen across the line at y = 45 (past its deadband), reported after 20 px more of measured travel.
  assert.equal(run('red', 70, 20), [['red-light', 1, 25]]);
  assert.equal(run('green', 70, 20), []);
  // Lost at y = 55 and tracked anew at y = 45, 5 px past the line.
  assert.equal(run('red', 80, 20, { newTrackAt: 6 }), [['red-light', 2, 25]]);
  // Born well past the line (y = 10): it did not come across it.
  assert.equal(run('red', 10, 20), []);
});

test('red-light with the stop line\'s geometry: a queue head whose box jitters across the line is never a runner', () => {
  const r = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 0, direction: 'rl' }] }, { lines: LINE_GEOMETRY });
  r.signal.aspect = 'red';
  r.tracks.set(0, 1, 20, 52, 0, 0, 6, 10);
  for (let frame = 1; frame <= 200; frame++) {
    r.tracks.cy[0] = frame % 4 < 2 ? 47 : 53; // merging with the vehicle behind and splitting again
    r.tracks.cx[0] = 20 + (frame % 2 === 0 ? 0.2 : -0.2);
    r.safety.update(r.tracks, r.signalOf, frame * 100, frame);
  }
  assert.equal(r.events, []);
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

/**
 * Runners crossing the stop line (y = 50) up the image at 50 px/s, all counted in one frame: a 4×4
 * fragment of a vehicle (track 5), a second track on the same vehicle (track 6, centre and size given),
 * and another runner beside them in the next lane (track 7). Returns the reported tracks.
 */
function runnersReported(second: { x: number; y: number; w: number; h: number }): number[] {
  const { safety, events, signal, signalOf, tracks } = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 0, direction: 'rl' }] });
  signal.aspect = 'red';
  tracks.set(0, 5, 20, 60, 0, -0.05, 4, 4);
  tracks.set(1, 6, second.x, second.y, 0, -0.05, second.w, second.h);
  tracks.set(2, 7, 60, 60, 0, -0.05, 16, 12);
  for (let frame = 0; frame <= 2; frame++) {
    for (let t = 0; t < 3; t++) stepMeasured(tracks, t, 100, frame);
    if (frame === 2) {
      safety.onCrossing(0, RL, 5, frame, frame * 100, 20, 50);
      safety.onCrossing(0, RL, 6, frame, frame * 100, second.x, 50);
      safety.onCrossing(0, RL, 7, frame, frame * 100, 60, 50);
    }
    safety.update(tracks, signalOf, frame * 100, frame);
  }
  return events.map((event) => event.trackId);
}

test('red-light: a runner reported by a fragment of it and by a track on the whole vehicle in one frame is one runner', () => {
  // The whole vehicle (16×12), its centre 6 px to the side, off the fragment's box even grown by half its size.
  assert.equal(runnersReported({ x: 26, y: 60, w: 16, h: 12 }), [5, 7]);
});

test('red-light: a runner reported by a small fragment and by a larger track on another part of it, a few pixels off, is one runner', () => {
  // A van split in two (seen on the simulator): the fragment on its front and a 16×12 track on its back,
  // 3 px apart: more than half the fragment's size, less than half the back's.
  assert.equal(runnersReported({ x: 20, y: 71, w: 16, h: 12 }), [5, 7]);
});

test('red-light: a runner seen again by a new track further on, a second later, is still one runner', () => {
  const { safety, events, signal, signalOf, tracks } = rig({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 0, direction: 'rl' }] });
  signal.aspect = 'red';
  // 20 px/s up the image; the stop line is at y = 50.
  tracks.set(0, 5, 20, 56, 0, -0.02, 8, 12);
  tracks.set(1, 9, 70, 80, 0, -0.02, 8, 12); // another vehicle, in the next lane
  for (let frame = 0; frame <= 20; frame++) {
    for (let t = 0; t < 2; t++) stepMeasured(tracks, t, 100, frame);
    if (frame === 3) safety.onCrossing(0, RL, 5, frame, frame * 100, 20, 50);
    if (frame === 18) {
      // The tracker lost the runner and counts it again under a new id, 30 px on: the same vehicle.
      tracks.set(2, 6, 21, tracks.cy[0]!, 0, -0.02, 8, 12);
      safety.onCrossing(0, RL, 6, frame, frame * 100, 21, tracks.cy[0]!);
    }
    if (frame === 15) safety.onCrossing(0, RL, 9, frame, frame * 100, 70, 50);
    safety.update(tracks, signalOf, frame * 100, frame);
  }
  assert.equal(events.map((event) => [event.trackId, event.frame]), [[5, 3], [9, 15]]);
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
  tracks.set(0, 5, 20, 99, 0, -0.05); // northbound, with the lane
  tracks.set(1, 6, 30, 1, 0, 0.05); // southbound, against it
  signal.aspect = 'red';
  for (let frame = 0; frame < 10; frame++) {
    stepMeasured(tracks, 0, 100, frame);
    stepMeasured(tracks, 1, 100, frame);
    safety.update(tracks, signalOf, frame * 100, frame);
  }
  safety.onCrossing(0, LR, 6, 10, 1000, 30, 50);
  safety.onCrossing(0, RL, 5, 10, 1000, 20, 50);
  stepMeasured(tracks, 0, 100, 10);
  stepMeasured(tracks, 1, 100, 10);
  safety.update(tracks, signalOf, 1000, 10);
  assert.equal(events.filter((event) => event.kind === 'red-light').map((event) => [event.trackId, event.redForMs]), [[5, 1000]]);
});

test('red-light box is in source pixels', () => {
  const { safety, events, signal, signalOf, tracks } = rig({ stopLines: [{ line: 'stop-N', group: 'G1', direction: 'rl' }] }, { factor: 2 });
  tracks.set(0, 5, 10, 43, 0, -0.02, 4, 6); // working pixels: 20 px/s, at y = 25 when it crosses at 800 ms
  signal.aspect = 'red';
  for (let ts = 0; ts < 800; ts += 100) {
    tracks.step(0, 100);
    tracks.cx[0] = 10 + (ts % 200 === 0 ? 0.25 : -0.25); // measured: never exactly on the prediction
    safety.update(tracks, signalOf, ts, ts / 100);
  }
  tracks.step(0, 100);
  tracks.cx[0] = 10;
  safety.onCrossing(0, RL, 5, 8, 800, 10, 25);
  safety.update(tracks, signalOf, 800, 8);
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

test('wrong-way: a crossing of a count line against the lane, by a track come from the lane\'s far end, is reported at the crossing', () => {
  const run = (bornY: number, line: number, seenTimes = 1) => {
    const r = rig({ stopLines: [{ line: 'stop-N', group: 'G1' }], lanes: [{ zone: 'lane-N', direction: { x: 0, y: -1 } }] });
    r.tracks.set(0, 3, 20, bornY, 0, 0.05, 6, 10); // 50 px/s down a northbound lane
    r.tracks.hits[0] = seenTimes; // at birth; one more a frame
    for (let frame = 1; frame <= 8; frame++) {
      stepMeasured(r.tracks, 0, 100, frame);
      r.tracks.hits[0]!++;
      if (r.tracks.cy[0]! >= 30 && r.tracks.cy[0]! < 35) r.safety.onCrossing(line, RL, 3, frame, frame * 100, 20, 32);
      r.safety.update(r.tracks, r.signalOf, frame * 100, frame);
    }
    return r.events.map((event) => [event.kind, event.trackId, event.line, event.zone, event.frame]);
  };
  // Born at y = 5: 25 px against the lane when it crosses at y = 30 (frame 5), before the sustained rule.
  assert.equal(run(5, 1), [['wrong-way', 3, 'L2', 'lane-N', 5]]);
  // Seen 6 times by then (wrongWayMinMeasurements); the same by a track seen 5 times is a merged blob
  // re-tracked, not a rider come up the lane.
  assert.equal(run(5, 1, 0), []);
  // Born 15 px before the line: a blob's centre shifting back, not a rider come up the lane.
  assert.equal(run(15, 1), []);
  // Stop lines are left to the stop-line rules (a queue's blobs shuffle back and forth across them).
  assert.equal(run(5, 0), []);
});

test('wrong-way: a rider the tracker split into two tracks is reported once', () => {
  const { safety, events, signalOf, tracks } = rig({ lanes: [{ zone: 'lane-N', direction: { x: 0, y: -1 } }] });
  tracks.set(0, 1, 20, 5, 0, 0.05, 6, 10); // its front
  tracks.set(1, 2, 21, -1, 0, 0.05, 6, 6); // its rear, a second track
  for (let frame = 1; frame <= 30; frame++) {
    for (let t = 0; t < 2; t++) stepMeasured(tracks, t, 100, frame);
    if (frame === 5) safety.onCrossing(1, RL, 1, frame, frame * 100, 20, 32);
    if (frame === 6) safety.onCrossing(1, RL, 2, frame, frame * 100, 21, 32);
    safety.update(tracks, signalOf, frame * 100, frame);
  }
  assert.equal(events.map((event) => [event.kind, event.trackId]), [['wrong-way', 1]]);
});

test('wrong-way: a new track in the slot of a reported one is judged afresh', () => {
  const { safety, events, signalOf, tracks } = rig({ lanes: [{ zone: 'lane-N', direction: { x: 0, y: -1 } }] });
  tracks.set(0, 1, 20, 5, 0, 0.05);
  for (let frame = 1; frame <= 15; frame++) {
    stepMeasured(tracks, 0, 100, frame);
    safety.update(tracks, signalOf, frame * 100, frame);
  }
  // Later than a second report of the same rider could be (sameRunnerMs), a new id in the same slot.
  tracks.remove(0);
  for (let frame = 16; frame < 40; frame++) safety.update(tracks, signalOf, frame * 100, frame);
  tracks.set(0, 2, 20, 5, 0, 0.05);
  for (let frame = 40; frame <= 55; frame++) {
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

/**
 * Drives slot t to (toX, toY) at stepPx a frame (100 ms frames) and returns the time reached, updating the
 * monitor every frame.
 */
function drive(r: ReturnType<typeof rig>, t: number, toX: number, toY: number, fromMs: number, stepPx = 4): number {
  const { safety, signalOf, tracks } = r;
  let ts = fromMs;
  for (;;) {
    const dx = toX - tracks.cx[t]!;
    const dy = toY - tracks.cy[t]!;
    const distance = Math.hypot(dx, dy);
    if (distance < 0.5) break;
    const step = Math.min(stepPx, distance);
    tracks.cx[t]! += (dx / distance) * step;
    tracks.cy[t]! += (dy / distance) * step;
    tracks.measured[t] = 1;
    ts += 100;
    safety.update(tracks, signalOf, ts, ts / 100);
  }
  return ts;
}

/** Keeps every track standing (its centre jittering ±0.2 px, as a measured box does) until untilMs. */
function stand(r: ReturnType<typeof rig>, fromMs: number, untilMs: number): number {
  let ts = fromMs;
  while (ts < untilMs) {
    ts += 100;
    for (let t = 0; t < r.tracks.capacity; t++) if (r.tracks.isActive(t)) r.tracks.cx[t]! += (ts / 100) % 2 === 0 ? 0.2 : -0.2;
    r.safety.update(r.tracks, r.signalOf, ts, ts / 100);
  }
  return ts;
}

test('illegal stop: a vehicle that drives into the zone and stands longer than maxStopMs, reported once', () => {
  const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
  r.tracks.set(0, 1, 70, 22, 0, 0, 20, 20);
  r.safety.update(r.tracks, r.signalOf, 0, 0);
  const stoppedAt = drive(r, 0, 70, 70, 0);
  stand(r, stoppedAt, stoppedAt + 2000);
  assert.equal(r.events, []);
  stand(r, stoppedAt + 2000, stoppedAt + 8000);
  assert.equal(
    r.events.map((event) => [event.kind, event.trackId, event.zone, event.tsMs]),
    [['illegal-stop', 1, 'box', stoppedAt + 2100]],
  );
  assert.ok(Math.abs(r.events[0]!.box.x + r.events[0]!.box.w / 2 - 70) < 1, JSON.stringify(r.events[0]!.box));
});

test('illegal stop: a ghost (born standing), a standing vehicle outside the zone and an unconfirmed track are not stops', () => {
  const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
  r.tracks.set(0, 1, 70, 70, 0, 0, 20, 20); // foreground where the road was uncovered: never moved there
  r.tracks.set(1, 2, 20, 0, 0, 0, 20, 20);
  r.tracks.set(2, 3, 80, 30, 0, 0, 20, 20);
  r.tracks.hits[2] = 1;
  let ts = drive(r, 1, 20, 60, 0); // drives, but stands in the lane, not in the box
  ts = drive(r, 2, 80, 80, ts);
  stand(r, ts, ts + 10_000);
  assert.equal(r.events, []);
});

test('illegal stop: a thin standing blob (a painted line, a shadow edge) is not a vehicle', () => {
  const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
  r.tracks.set(0, 1, 70, 30, 0, 0, 30, 8);
  const ts = drive(r, 0, 70, 70, 0, 2);
  stand(r, ts, ts + 10_000);
  assert.equal(r.events, []);
});

test('illegal stop: a standing vehicle the tracker re-tracks (a new id on the same spot) is one stop, timed from when it stopped', () => {
  const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
  r.tracks.set(0, 1, 70, 22, 0, 0, 20, 20);
  const stoppedAt = drive(r, 0, 70, 70, 0);
  let ts = stand(r, stoppedAt, stoppedAt + 1000);
  r.tracks.remove(0);
  r.tracks.set(1, 2, 72, 68, 0, 0, 16, 16); // a fragment of the same vehicle, tracked anew
  ts = stand(r, ts, stoppedAt + 6000);
  assert.equal(r.events.map((event) => [event.trackId, event.tsMs]), [[1, stoppedAt + 2100]]);
});

test('illegal stop: two fragments of one vehicle, each standing at its own place, are one event', () => {
  const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
  // The front and the back of a long vehicle, tracked apart: places too far apart to be one place, but
  // within half a box of each other.
  r.tracks.set(0, 1, 62, 20, 0, 0, 16, 16);
  r.tracks.set(1, 2, 80, 38, 0, 0, 16, 16);
  let ts = drive(r, 0, 62, 62, 0);
  ts = drive(r, 1, 80, 80, ts);
  stand(r, ts, ts + 6000);
  assert.equal(r.events.map((event) => [event.kind, event.trackId]), [['illegal-stop', 1]]);
  const firstAt = r.events[0]!.tsMs;
  // A vehicle stopping at that place once the event is 30 s old is its own event.
  r.tracks.remove(0);
  r.tracks.remove(1);
  r.tracks.set(3, 4, 62, 20, 0, 0, 16, 16);
  ts = drive(r, 3, 62, 62, firstAt + 30_000);
  stand(r, ts, ts + 6000);
  assert.equal(r.events.map((event) => event.trackId), [1, 4]);
});

test('illegal stop: a vehicle split into roof and body, the roof arriving outside the zone and the body born inside it, is a stop', () => {
  const run = (roofStopsAtY: number) => {
    const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
    // The roof (20×16) drives in and stands with its centre above the zone (y >= 50).
    r.tracks.set(0, 1, 70, 15, 0, 0, 20, 16);
    const stoppedAt = drive(r, 0, 70, roofStopsAtY, 0);
    // The body (20×12), tracked apart from the moment it split off: centre in the zone, box from y 53, no travel.
    r.tracks.set(1, 2, 70, 59, 0, 0, 20, 12);
    stand(r, stoppedAt, stoppedAt + 5000);
    return r.events.map((event) => [event.kind, event.trackId, event.tsMs - stoppedAt]);
  };
  assert.equal(run(43), [['illegal-stop', 2, 2100]], 'boxes 2 px apart: one vehicle, standing since the roof stopped');
  assert.equal(run(36), [], 'boxes 9 px apart: the body alone is a ghost (born standing)');
});

test('illegal stop: a box jumping as blobs merge and split (the vehicle not moving) is still standing', () => {
  const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
  r.tracks.set(0, 1, 70, 20, 0, 0, 20, 20);
  const stoppedAt = drive(r, 0, 70, 70, 0);
  for (let ts = stoppedAt + 100; ts <= stoppedAt + 3000; ts += 100) {
    const frame = ts / 100;
    r.tracks.cy[0] = frame % 10 < 5 ? 70 : 78; // merged with a neighbour for half a second, then alone again
    r.tracks.cx[0] = 70 + (frame % 2 === 0 ? 0.2 : -0.2);
    r.safety.update(r.tracks, r.signalOf, ts, frame);
  }
  assert.equal(r.events.map((event) => event.kind), ['illegal-stop']);
});

test('illegal stop: a track whose box jumps as it comes to a stop (latching onto something standing) opens no place', () => {
  const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
  r.tracks.set(0, 1, 70, 22, 0, 0, 20, 20);
  let ts = drive(r, 0, 70, 62, 0);
  // Its box jumps onto a standing blob and stays there: a passing vehicle's track caught by a ghost.
  ts += 100;
  r.tracks.cy[0] = 74;
  r.tracks.w[0] = 30;
  r.safety.update(r.tracks, r.signalOf, ts, ts / 100);
  stand(r, ts, ts + 8000);
  assert.equal(r.events, []);
});

test('illegal stop, with the stop line\'s geometry: a blob standing just past the line is the queue spilling over it', () => {
  // The stop line along the top of the box, traffic entering it down the image ('lr').
  const lines = [{ a: { x: 50, y: 50 }, b: { x: 90, y: 50 } }, LINE_GEOMETRY[1]!];
  const run = (standY: number) => {
    const r = rig({ stopLines: [{ line: 'stop-N', group: 'G1', direction: 'lr' }], noStopping: [{ zone: 'box', maxStopMs: 2000 }] }, { lines });
    r.tracks.set(0, 1, 70, 22, 0, 0, 20, 20);
    const stoppedAt = drive(r, 0, 70, standY, 0);
    stand(r, stoppedAt, stoppedAt + 6000);
    return r.events.map((event) => event.kind);
  };
  assert.equal(run(54), [], 'centre 4 px past the line');
  assert.equal(run(70), ['illegal-stop'], 'centre 20 px past the line');
});

test('illegal stop: stops that began while the monitor was settling are not reported; a reported track that moves on a little is the same stop', () => {
  const settling = (startMs: number) => {
    const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] }, { settleMs: 5000 });
    r.safety.update(r.tracks, r.signalOf, 0, 0);
    r.tracks.set(0, 1, 70, 22, 0, 0, 20, 20);
    let ts = stand(r, 0, startMs);
    ts = drive(r, 0, 70, 70, ts);
    stand(r, ts, ts + 6000);
    return r.events.length;
  };
  assert.is(settling(0), 0, 'stopped 1.2 s after the start');
  assert.is(settling(5000), 1, 'stopped 6.2 s after the start');

  const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
  r.tracks.set(0, 1, 60, 22, 0, 0, 20, 20);
  let ts = drive(r, 0, 60, 60, 0);
  ts = stand(r, ts, ts + 3000);
  assert.is(r.events.length, 1);
  ts = drive(r, 0, 68, 68, ts); // creeps on by a car's length fraction and stands again
  stand(r, ts, ts + 6000);
  assert.is(r.events.length, 1);
});

test('illegal stop: driving on and stopping elsewhere restarts the standing time', () => {
  const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] });
  r.tracks.set(0, 1, 58, 22, 0, 0, 20, 20);
  let ts = drive(r, 0, 58, 58, 0);
  ts = stand(r, ts, ts + 1500);
  // Steps wider than the still radius (it stands from the last one), not so wide that they look like
  // segmentation jumps (30 % of its size).
  ts = drive(r, 0, 86, 58, ts, 5.6);
  const secondStop = ts;
  ts = stand(r, ts, ts + 1500);
  assert.equal(r.events, []);
  stand(r, ts, secondStop + 3000);
  assert.equal(r.events.map((event) => [event.trackId, event.tsMs]), [[1, secondStop + 2100]]);
});

test('illegal stop from the pixels: a vehicle standing in the zone with no steady track of its own is a stop, reported once', () => {
  const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] }, { image: true, settleMs: 1000 });
  const mask = new Uint8Array(100 * 100);
  const frame = new Uint8Array(100 * 100).fill(90);
  const paint = (gray: number) => {
    for (let y = 60; y < 80; y++) for (let x = 56; x < 86; x++) {
      mask[y * 100 + x] = 1;
      frame[y * 100 + x] = gray;
    }
  };
  // A passing vehicle's track coasts slowly through the standing vehicle's blob: no track stands.
  r.tracks.set(0, 7, 60, 70, 0.002, 0, 20, 20);
  let ts = 0;
  const step = (untilMs: number) => {
    while (ts < untilMs) {
      ts += 100;
      r.tracks.step(0, 100);
      r.safety.seeImage(mask, frame);
      r.safety.update(r.tracks, r.signalOf, ts, ts / 100);
    }
  };
  step(500);
  paint(50); // a vehicle stops at 0.5 s, while the monitor settles (its first second)
  step(3000);
  assert.equal(r.events, [], 'a stop that began while the monitor settled is not reported');
  mask.fill(0);
  frame.fill(90);
  step(6000); // it drives off: the pixels are road for longer than the grace (2 s)
  paint(60);
  const stoppedAt = ts;
  step(stoppedAt + 6000);
  assert.equal(
    r.events.map((event) => [event.kind, event.zone, event.tsMs - stoppedAt, event.box]),
    [['illegal-stop', 'box', 2100, { x: 56, y: 60, w: 30, h: 20 }]],
  );
  assert.is(r.events[0]!.trackId, 7, 'the track whose centre is on it');
});

/**
 * A vehicle stands in the zone 40 s (reported), drives off, and its ghost stays foreground where it stood:
 * a background that had partly learnt the vehicle sees the uncovered road as foreground. A passing track
 * latches onto that blob and stands there past the limit. `after` paints what the pixels show then: the
 * road (a ghost) or another vehicle (a real second stop). Returns the events' track ids.
 */
function stopThenGhost(after: 'road' | 'vehicle'): number[] {
  const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] }, { image: true });
  const mask = new Uint8Array(100 * 100);
  const frame = new Uint8Array(100 * 100).fill(90);
  const paint = (gray: number) => {
    for (let y = 60; y < 80; y++) for (let x = 60; x < 80; x++) {
      mask[y * 100 + x] = 1;
      // Sensor noise of ±4.
      frame[y * 100 + x] = gray + (((x * 7 + y * 13) % 9) - 4);
    }
  };
  let ts = 0;
  const look = (untilMs: number, jitter: boolean) => {
    while (ts < untilMs) {
      ts += 100;
      for (let t = 0; t < r.tracks.capacity; t++) if (jitter && r.tracks.isActive(t)) r.tracks.cx[t]! += (ts / 100) % 2 === 0 ? 0.2 : -0.2;
      r.safety.seeImage(mask, frame);
      r.safety.update(r.tracks, r.signalOf, ts, ts / 100);
    }
  };
  look(1000, false); // the empty road
  r.tracks.set(0, 1, 70, 22, 0, 0, 20, 20);
  ts = drive(r, 0, 70, 70, ts);
  paint(40);
  look(ts + 40_000, true);
  r.tracks.remove(0); // it drives off
  frame.fill(90);
  if (after === 'vehicle') paint(170);
  else for (let y = 60; y < 80; y++) for (let x = 60; x < 80; x++) mask[y * 100 + x] = 1;
  look(ts + 3000, false);
  // A track latches onto the blob from the side and stands on it.
  r.tracks.set(1, 2, 70, 22, 0, 0, 20, 20);
  ts = drive(r, 1, 70, 70, ts);
  look(ts + 6000, true);
  return r.events.map((event) => event.trackId);
}

test('illegal stop: the ghost a vehicle leaves where it stood (the empty road as foreground) is not a stop; a vehicle there is', () => {
  assert.equal(stopThenGhost('road'), [1]);
  assert.equal(stopThenGhost('vehicle'), [1, 2]);
});

test('illegal stop: a vehicle found by both its track and its pixels is one event', () => {
  const r = rig({ noStopping: [{ zone: 'box', maxStopMs: 2000 }] }, { image: true });
  const mask = new Uint8Array(100 * 100);
  const frame = new Uint8Array(100 * 100).fill(90);
  r.tracks.set(0, 1, 70, 22, 0, 0, 20, 20);
  const stoppedAt = drive(r, 0, 70, 70, 0);
  for (let y = 60; y < 80; y++) for (let x = 60; x < 80; x++) {
    mask[y * 100 + x] = 1;
    frame[y * 100 + x] = 40;
  }
  for (let ts = stoppedAt + 100; ts <= stoppedAt + 40_000; ts += 100) {
    r.tracks.cx[0]! += (ts / 100) % 2 === 0 ? 0.2 : -0.2;
    r.safety.seeImage(mask, frame);
    r.safety.update(r.tracks, r.signalOf, ts, ts / 100);
  }
  assert.equal(r.events.map((event) => [event.kind, event.trackId]), [['illegal-stop', 1]], 'not again after 30 s either');
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

/**
 * The real tracker and line counter feeding the monitor: working 100×100 at factor 1, a stop line across
 * at y = 50, a southbound lane (traffic moving down the image, lr) and the signal always red.
 */
function realPipeline(config: SafetyConfig) {
  const counter = new LineCounter([{ name: 'stop-N', a: { x: 0, y: 50 }, b: { x: 100, y: 50 } }], 16);
  const tracker = new Tracker(counter, new VehicleSizeModel(100), 8, { capacity: 16 });
  const zones = new ZoneMonitor([rect('lane-S', 30, 0, 70, 100)], 16, { workingWidth: 100, workingHeight: 100, factor: 1 });
  const safety = new SafetyMonitor(config, counter.names, zones, { factor: 1, trackCapacity: tracker.capacity });
  const events: SafetyEvent[] = [];
  safety.onEvent((event) => events.push(event));
  const signalOf = (): SignalAspect => 'red';
  const blobs = new BlobList(8);
  return { counter, tracker, safety, events, signalOf, blobs };
}

test('end to end with the real tracker and line counter: a vehicle crossing the stop line on red', () => {
  const { counter, tracker, safety, events, signalOf, blobs } = realPipeline({
    stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 500 }],
    lanes: [{ zone: 'lane-S', direction: { x: 0, y: 1 } }],
  });
  for (let frame = 0; frame < 40; frame++) {
    const tsMs = frame * 40;
    const top = 20 + frame * 2;
    blobs.count = 1;
    setBlob(blobs, 0, 47, top, 52, top + 5);
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

test('end to end with the real tracker and line counter: a queue standing at red, jittering and merging at the line, is never a runner', () => {
  const { counter, tracker, safety, events, signalOf, blobs } = realPipeline({ stopLines: [{ line: 'stop-N', group: 'G1', graceMs: 500, direction: 'lr' }] });
  const put = (b: number, top: number, bottom: number) => setBlob(blobs, b, 46, top, 53, bottom);
  // Three vehicles 8 px long drive down at 2 px a frame and queue: the head's box ends 3 px past the line.
  const stopTops = [45, 35, 25];
  for (let frame = 0; frame < 750; frame++) {
    const tsMs = frame * 40;
    const jitter = frame % 3 === 0 ? 1 : frame % 3 === 1 ? -1 : 0;
    const tops = stopTops.map((stopTop, k) => Math.min(stopTop, -10 - 12 * k + frame * 2) + (frame > 100 ? jitter : 0));
    const merged = frame > 100 && frame % 40 >= 30; // head and second vehicle one blob for a moment
    blobs.count = 0;
    if (merged) put(blobs.count++, tops[1]!, tops[0]! + 7);
    else {
      if (tops[0]! >= 0) put(blobs.count++, tops[0]!, tops[0]! + 7);
      if (tops[1]! >= 0) put(blobs.count++, tops[1]!, tops[1]! + 7);
    }
    if (tops[2]! >= 0) put(blobs.count++, tops[2]!, tops[2]! + 7);
    tracker.update(blobs, tsMs, frame);
    counter.drain(safety.onCrossing);
    safety.update(tracker, signalOf, tsMs, frame);
  }
  assert.equal(events, []);
});

test('onCrossing and update allocate nothing per call in steady state', () => {
  const { safety, signal, signalOf, tracks } = rig(
    {
      stopLines: [{ line: 'stop-N', group: 'G1', direction: 'rl' }],
      lanes: [{ zone: 'lane-N', direction: { x: 0, y: -1 } }],
      noStopping: [{ zone: 'box' }],
    },
    { lines: LINE_GEOMETRY, image: true },
  );
  // Foreground in the box zone whose gray changes every 64 frames (2.6 s): watched, never standing 10 s.
  const mask = new Uint8Array(100 * 100);
  const frames = [new Uint8Array(100 * 100).fill(40), new Uint8Array(100 * 100).fill(120)];
  for (let y = 55; y < 85; y++) mask.fill(1, y * 100 + 55, y * 100 + 85);
  let events = 0;
  safety.onEvent(() => events++);
  for (let t = 0; t < 8; t++) tracks.set(t, t + 1, t < 4 ? 10 + t * 5 : 60 + t, 50, 0, t < 4 ? -0.05 : 0.01);
  const growth = heapGrowth((i) => {
    signal.aspect = (i >> 6) % 3 === 0 ? 'green' : (i >> 6) % 3 === 1 ? 'amber' : 'red';
    // Whole numbers only: the test's own double arithmetic would box numbers whenever it runs unoptimised.
    // The boxes jump every frame (against their velocity): candidates on red are never confirmed.
    for (let t = 0; t < 8; t++) tracks.cy[t] = 10 + ((i + t * 7) % 80);
    safety.onCrossing(0, RL, 1, i, i * 40, 20, 50);
    safety.onCrossing(1, RL, 2, i, i * 40, 15, 50);
    safety.seeImage(mask, frames[(i >> 6) & 1]!);
    safety.update(tracks, signalOf, i * 40, i);
  });
  assert.is(events, 0, 'no events in the steady state measured');
  assert.ok(growth < 100_000, `heap grew ${growth} bytes over 10,000 updates`);
});

test.run();
