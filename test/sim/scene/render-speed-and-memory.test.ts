import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApproachScene } from '../../../sim/scene/approach-scene.js';

test('rendering 2,000 frames does not grow the heap', () => {
  const scene = new ApproachScene({ seed: 77, trafficLevel: 'saturated', effects: { noise: 4, shadows: true, rain: 1, illuminationDrift: 0.1 } });
  const out = new Uint8Array(scene.width * scene.height);
  for (let i = 0; i < 300; i++) {
    scene.renderFrame(i, out);
    scene.boxes();
  }
  const truthBefore = scene.truth().crossings.length + scene.truth().vehicles.length + scene.truth().safety.length;
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  for (let i = 300; i < 2300; i++) {
    scene.renderFrame(i, out);
    scene.boxes();
  }
  const seconds = (performance.now() - started) / 1000;
  const heapAfter = process.memoryUsage().heapUsed;
  const truthEntries = scene.truth().crossings.length + scene.truth().vehicles.length + scene.truth().safety.length - truthBefore;
  // Without --expose-gc heapUsed includes young garbage not yet scavenged (V8 boxes some doubles), so
  // the bound is generous: a buffer or vehicle kept per frame would be 150 MB over 2,000 frames.
  const growth = heapAfter - heapBefore;
  assert.ok(growth < 12_000_000 + truthEntries * 300, `heap grew ${Math.round(growth / 1024)} KiB over 2,000 frames`);
  assert.ok(2000 / seconds > 100, `${Math.round(2000 / seconds)} frames/s at 320×240`);
});

test('boxes() reuses one array and a bounded set of box objects', () => {
  const scene = new ApproachScene({ seed: 78, trafficLevel: 'saturated' });
  const first = scene.boxes();
  const seen = new Set<object>();
  for (let i = 0; i < 600; i++) {
    scene.advanceTo(i);
    const boxes = scene.boxes();
    assert.ok(boxes === first);
    for (const box of boxes) seen.add(box);
  }
  assert.ok(seen.size <= 256, `${seen.size} box objects (the vehicle pool holds 256)`);
});

test.run();
