import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SCENE_PRESETS } from '../../../sim/scene/presets.js';

test('at least ten presets spanning light to saturated, with every effect and ≥ 3 of each injected event', () => {
  const presets = Object.values(SCENE_PRESETS);
  assert.ok(presets.length >= 10);
  assert.equal(new Set(presets.map((p) => p.trafficLevel)), new Set(['light', 'medium', 'heavy', 'saturated']));
  assert.is(new Set(presets.map((p) => p.seed)).size, presets.length, 'distinct seeds');
  assert.ok(presets.every((p) => (p.effects?.noise ?? 0) > 0 && (p.effects?.illuminationDrift ?? 0) > 0));
  assert.ok(presets.some((p) => p.effects?.shadows === true));
  assert.ok(presets.some((p) => (p.effects?.rain ?? 0) > 0));
  assert.ok(presets.some((p) => (p.effects?.suddenLightChange?.atSeconds.length ?? 0) > 0));
  const total = (key: 'redLightRunners' | 'wrongWay' | 'illegalStops'): number => presets.reduce((sum, p) => sum + (p.safety?.[key] ?? 0), 0);
  assert.ok(total('redLightRunners') >= 3 && total('wrongWay') >= 3 && total('illegalStops') >= 3);
});

test.run();
