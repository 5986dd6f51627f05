import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApproachScene } from '../../../sim/scene/approach-scene.js';
import { lineSide } from '../../../sim/scene/line-side.js';
import type { CountLine, SceneOptions, TruthCrossing } from '../../../sim/scene/scene-types.js';

const EFFECTS = { noise: 4, illuminationDrift: 0.08, shadows: true, rain: 0.6, suddenLightChange: { atSeconds: [2], factor: 0.7 } };

function frameHashes(options: SceneOptions, frames: number): string[] {
  const scene = new ApproachScene(options);
  const out = new Uint8Array(scene.width * scene.height);
  const hashes: string[] = [];
  for (let i = 0; i < frames; i++) {
    scene.renderFrame(i, out);
    hashes.push(createHash('sha1').update(out).digest('hex'));
  }
  return hashes;
}

test('the same seed renders identical frames; another seed differs', () => {
  const options: SceneOptions = { seed: 42, trafficLevel: 'heavy', effects: EFFECTS };
  const first = frameHashes(options, 40);
  assert.equal(frameHashes(options, 40), first);
  const other = frameHashes({ ...options, seed: 43 }, 40);
  assert.ok(other.every((hash, i) => hash !== first[i]));
  assert.is(new Set(first).size, first.length, 'consecutive frames differ');
});

test('a frame depends only on the seed and its index, not on which earlier frames were rendered', () => {
  const options: SceneOptions = { seed: 9, trafficLevel: 'medium', effects: EFFECTS };
  const everyFrame = frameHashes(options, 31)[30];
  const skipping = new ApproachScene(options);
  const out = new Uint8Array(skipping.width * skipping.height);
  skipping.renderFrame(3, out);
  skipping.renderFrame(30, out);
  assert.is(createHash('sha1').update(out).digest('hex'), everyFrame);
  assert.throws(() => skipping.renderFrame(29, out), /cannot go to frame 29/);
});

test('the picture has a textured road and vehicles both darker and lighter than it', () => {
  const scene = new ApproachScene({ seed: 5, trafficLevel: 'heavy' });
  const out = new Uint8Array(scene.width * scene.height);
  scene.renderFrame(0, out);
  let darker = 0;
  let lighter = 0;
  for (const box of scene.boxes()) {
    const value = out[Math.round(box.centerY) * scene.width + Math.round(box.centerX)]!;
    if (box.y1 - box.y0 < 10) continue;
    if (value < 80) darker++;
    if (value > 150) lighter++;
  }
  assert.ok(darker > 0 && lighter > 0, `darker ${darker}, lighter ${lighter}`);
  const distinct = new Set(out.subarray(scene.width * 200, scene.width * 201));
  assert.ok(distinct.size > 10, 'the road is not flat');
});

interface LoggedCentre {
  frame: number;
  x: number;
  y: number;
}

/** Crossings recomputed from logged centres, independently of the scene's recorder. */
function recomputeCrossings(line: CountLine, centres: Map<number, LoggedCentre[]>): TruthCrossing[] {
  const crossings: TruthCrossing[] = [];
  const side = (x: number, y: number): number => (line.b.x - line.a.x) * (y - line.a.y) - (line.b.y - line.a.y) * (x - line.a.x);
  for (const [vehicleId, track] of centres) {
    let last: LoggedCentre | null = null;
    for (const point of track) {
      const s = side(point.x, point.y);
      if (s === 0) continue;
      if (last !== null) {
        const sl = side(last.x, last.y);
        if (Math.sign(sl) !== Math.sign(s)) {
          // Where the move meets the line, as a fraction along A→B.
          const k = sl / (sl - s);
          const ix = last.x + (point.x - last.x) * k;
          const iy = last.y + (point.y - last.y) * k;
          const ab2 = (line.b.x - line.a.x) ** 2 + (line.b.y - line.a.y) ** 2;
          const t = ((ix - line.a.x) * (line.b.x - line.a.x) + (iy - line.a.y) * (line.b.y - line.a.y)) / ab2;
          if (t >= 0 && t <= 1) crossings.push({ vehicleId, line: line.name, direction: sl < 0 ? 'lr' : 'rl', frame: point.frame });
        }
      }
      last = point;
    }
  }
  return crossings;
}

const byKey = (a: TruthCrossing, b: TruthCrossing): number => a.frame - b.frame || a.vehicleId - b.vehicleId || a.line.localeCompare(b.line);

test('truth crossings equal a recomputation from the per-frame boxes, and vehicles queue at red', () => {
  const scene = new ApproachScene({ seed: 7, trafficLevel: 'heavy', lanes: { inbound: 3, outbound: true }, safety: { redLightRunners: 1, wrongWay: 1 }, durationSeconds: 70 });
  const stop = scene.countLines.find((line) => line.name === 'stop')!;
  const centres = new Map<number, LoggedCentre[]>();
  const still = new Map<number, { key: string; since: number }>();
  let longestRedStandstillS = 0;
  for (let frame = 0; frame < 70 * scene.fps; frame++) {
    scene.advanceTo(frame);
    const red = scene.signalState() === 'red';
    for (const box of scene.boxes()) {
      let track = centres.get(box.vehicleId);
      if (track === undefined) centres.set(box.vehicleId, (track = []));
      track.push({ frame, x: box.centerX, y: box.centerY });
      const key = `${box.x0},${box.y0},${box.x1},${box.y1}`;
      const entry = still.get(box.vehicleId);
      if (entry === undefined || entry.key !== key || !red) still.set(box.vehicleId, { key, since: frame });
      else if (lineSide(stop.a.x, stop.a.y, stop.b.x, stop.b.y, box.centerX, box.centerY) < 0) {
        longestRedStandstillS = Math.max(longestRedStandstillS, (frame - entry.since) / scene.fps);
      }
    }
  }
  assert.ok(longestRedStandstillS >= 5, `longest standstill at red behind the stop line ${longestRedStandstillS} s`);
  const truth = scene.truth();
  const expected = scene.countLines.flatMap((line) => recomputeCrossings(line, centres)).sort(byKey);
  assert.ok(expected.length > 30, `${expected.length} crossings`);
  assert.equal([...truth.crossings].sort(byKey), expected);
  const counted = scene.counts();
  assert.is(counted.count!.total, expected.filter((c) => c.line === 'count').length);
  assert.ok(truth.vehicles.every((v) => v.exitFrame === null || v.exitFrame >= v.enterFrame));
});

test('direction convention: A→B left to right, moving down the image is lr (side goes from < 0 to > 0)', () => {
  // A=(0,0) B=(10,0): side(P) = 10·Py, negative above the line and positive below.
  assert.is(lineSide(0, 0, 10, 0, 5, -2), -20);
  assert.is(lineSide(0, 0, 10, 0, 5, 3), 30);
  // Reversed line B→A flips the sign, so the same motion would be rl.
  assert.is(lineSide(10, 0, 0, 0, 5, 3), -30);
  const scene = new ApproachScene({ seed: 3, trafficLevel: 'medium', lanes: { inbound: 2, outbound: true } });
  scene.advanceTo(60 * scene.fps);
  const crossings = scene.truth().crossings;
  for (const line of scene.countLines) assert.ok(line.a.x < line.b.x && line.a.y === line.b.y, `${line.name} runs left to right`);
  assert.ok(crossings.some((c) => c.line === 'count' && c.direction === 'lr'), 'inbound traffic crosses lr');
  assert.ok(crossings.some((c) => c.line === 'count' && c.direction === 'rl'), 'outbound traffic crosses rl');
  assert.ok(crossings.filter((c) => c.line === 'stop').every((c) => c.direction === 'lr'), 'no wrong-way rider here: the stop line sees only lr');
});

test('only injected runners cross the stop line at red, and each injected kind shows in the truth', () => {
  for (const seed of [11, 12, 13]) {
    const scene = new ApproachScene({ seed, trafficLevel: seed === 13 ? 'saturated' : 'heavy', safety: { redLightRunners: 2, wrongWay: 1, illegalStops: 1 } });
    const lateRed: number[] = [];
    let redSince = -1;
    for (let frame = 0; frame < 120 * scene.fps; frame++) {
      const before = scene.truth().crossings.length;
      scene.advanceTo(frame);
      if (scene.signalState() !== 'red') redSince = -1;
      else if (redSince < 0) redSince = frame;
      for (const crossing of scene.truth().crossings.slice(before)) {
        if (crossing.line === 'stop' && crossing.direction === 'lr' && redSince >= 0 && (frame - redSince) / scene.fps >= 0.5) lateRed.push(crossing.vehicleId);
      }
    }
    const safety = scene.truth().safety;
    const runners = safety.filter((e) => e.kind === 'red-light').map((e) => e.vehicleId);
    assert.equal(lateRed, runners, `seed ${seed}: every crossing at red is a recorded runner`);
    assert.ok(runners.length >= 1 && runners.length <= 2, `seed ${seed}: ${runners.length} runners`);
    assert.ok(safety.some((e) => e.kind === 'wrong-way' && e.line === 'count'), `seed ${seed}: wrong-way`);
    assert.ok(safety.some((e) => e.kind === 'illegal-stop' && e.zone === 'no-stopping'), `seed ${seed}: illegal stop`);
  }
});

test('without injected events there are none in the truth', () => {
  const scene = new ApproachScene({ seed: 21, trafficLevel: 'saturated' });
  scene.advanceTo(120 * scene.fps);
  assert.equal(scene.truth().safety, []);
});

test('an external signal drives the queue: always red means nothing crosses the stop line', () => {
  const scene = new ApproachScene({ seed: 8, trafficLevel: 'medium', signal: () => 'red' });
  scene.advanceTo(40 * scene.fps);
  assert.is(scene.signalState(), 'red');
  assert.is(scene.counts().stop!.total, 0);
});

test('zones and lane directions describe the layout', () => {
  const scene = new ApproachScene({ seed: 1, lanes: { inbound: 3, outbound: true } });
  assert.equal(scene.zones.map((zone) => zone.name), ['queue-in-0', 'queue-in-1', 'queue-in-2', 'no-stopping']);
  assert.equal(scene.laneDirections.map((lane) => `${lane.lane}:${lane.travel}`), ['in-0:down', 'in-1:down', 'in-2:down', 'out:up']);
  const stopY = scene.countLines[0]!.a.y;
  assert.ok(stopY >= 0.6 * scene.height && stopY <= 0.7 * scene.height);
  for (const lane of scene.laneDirections) assert.ok(lane.travel === 'down' ? lane.direction.y > 0 : lane.direction.y < 0);
});

test.run();
