import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateConfig } from '../../edge/config/index.js';
import { monitorRules } from '../../edge/signal/monitor/monitor-rules.js';
import { exampleRaw, type RawConfig } from '../config/example-raw.js';
import { expectValid } from '../config/expect-valid.js';

/** A readback entry per example group on gpiochip1 (the lamp outputs are on gpiochip0). */
function withGpioReadback(raw: RawConfig): RawConfig {
  let line = 0;
  raw.monitor = {
    sensor: 'gpio',
    readback: raw.signal.groups.map((group: RawConfig) => {
      const entry: RawConfig = { group: group.id };
      for (const lamp of Object.keys(group.outputs)) entry[lamp] = { chip: 'gpiochip1', line: line++ };
      return entry;
    }),
  };
  return raw;
}

function errorsOf(raw: RawConfig): string[] {
  const result = validateConfig(raw);
  return result.ok ? [] : result.errors;
}

test('a config without a monitor section gets the defaults (existing configs stay valid)', () => {
  const config = expectValid(exampleRaw());
  assert.equal(config.monitor, { pollMs: 20, tripMs: 300, redFailTripMs: 300, heartbeatTimeoutMs: 1000, sensor: 'sim', readback: [], readbackDebounceMs: 0 });
});

test('a gpio sensor with a readback input for every lamp of every group is valid', () => {
  const config = expectValid(withGpioReadback(exampleRaw()));
  assert.is(config.monitor.readback.length, 12);
  assert.equal(config.monitor.readback[8], { group: 'P1', dontWalk: { chip: 'gpiochip1', line: 24, activeLow: false }, walk: { chip: 'gpiochip1', line: 25, activeLow: false } });
});

const cases: Array<{ name: string; mutate(raw: RawConfig): void; errors: string[] }> = [
  {
    name: 'a poll period above 50 ms',
    mutate: (raw) => (raw.monitor = { pollMs: 80 }),
    errors: ['monitor.pollMs: must be <= 50 ms'],
  },
  {
    name: 'an unknown sensor',
    mutate: (raw) => (raw.monitor = { sensor: 'adc' }),
    errors: ["monitor.sensor: must be one of 'sim', 'gpio'"],
  },
  {
    name: 'a trip time shorter than two readings',
    mutate: (raw) => (raw.monitor = { pollMs: 50, tripMs: 60 }),
    errors: ['monitor.tripMs: must be >= 2 × monitor.pollMs (100 ms), so one glitchy reading cannot trip'],
  },
  {
    name: 'readback with the sim sensor',
    mutate: (raw) => {
      withGpioReadback(raw);
      raw.monitor.sensor = 'sim';
    },
    errors: ["monitor.readback: only used with monitor.sensor: gpio (sensor is 'sim'); remove it or set sensor: gpio"],
  },
  {
    name: 'a gpio sensor missing a group',
    mutate: (raw) => {
      withGpioReadback(raw);
      raw.monitor.readback.splice(3, 1);
    },
    errors: ["monitor.readback: group 'G4' (signal.groups[3]) has no readback entry, so the monitor could not see its lamps"],
  },
  {
    name: 'a readback lamp the group does not have, and one missing',
    mutate: (raw) => {
      withGpioReadback(raw);
      const p1 = raw.monitor.readback[8];
      p1.green = p1.walk;
      delete p1.walk;
    },
    errors: [
      'monitor.readback[8].green: P1 is a pedestrian group; its lamps are dontWalk, walk',
      'monitor.readback[8].walk: is required: pedestrian group P1 needs an input for each of dontWalk, walk',
    ],
  },
  {
    name: 'a readback for an unknown group, with a hint',
    mutate: (raw) => {
      withGpioReadback(raw);
      raw.monitor.readback[0].group = 'G11';
    },
    errors: ["monitor.readback[0].group: unknown group 'G11' (did you mean 'G1'?)", "monitor.readback: group 'G1' (signal.groups[0]) has no readback entry, so the monitor could not see its lamps"],
  },
  {
    name: 'a readback input on a lamp output line',
    mutate: (raw) => {
      withGpioReadback(raw);
      raw.monitor.readback[1].red = { chip: 'gpiochip0', line: 0 };
    },
    errors: ['monitor.readback[1].red: gpiochip0 line 0 is already used by signal.groups[0].outputs.red'],
  },
  {
    name: 'two readback inputs on one line',
    mutate: (raw) => {
      withGpioReadback(raw);
      raw.monitor.readback[2].amber = { chip: 'gpiochip1', line: 0 };
    },
    errors: ['monitor.readback[2].amber: gpiochip1 line 0 is already used by monitor.readback[0].red'],
  },
  {
    name: 'a relay readback without a flash relay',
    mutate: (raw) => {
      withGpioReadback(raw);
      delete raw.signal.flashRelay;
      raw.monitor.flashRelayReadback = { chip: 'gpiochip1', line: 40 };
    },
    errors: ['monitor.flashRelayReadback: there is no signal.flashRelay to read back; configure the relay output or remove this'],
  },
  {
    name: 'a misspelt monitor field',
    mutate: (raw) => (raw.monitor = { tripMS: 300 }),
    errors: ["monitor.tripMS: unknown field (did you mean 'tripMs'?)"],
  },
];

for (const { name, mutate, errors } of cases) {
  test(`bad monitor config: ${name}`, () => {
    const raw = exampleRaw();
    mutate(raw);
    assert.equal(errorsOf(raw), errors);
  });
}

test('rules: each group is held to the shortest yellow and red clearance of the phases serving it', () => {
  const config = expectValid(exampleRaw());
  const rules = monitorRules(config.signal);
  assert.is(rules.minYellowMs.get('G1'), 3500, 'ns-left');
  assert.is(rules.minYellowMs.get('G2'), 4000, 'ns-through');
  assert.is(rules.minYellowMs.get('G3'), 3000, 'ew-left');
  assert.is(rules.minRedClearanceMs.get('G2'), 2000);
  assert.is(rules.minRedClearanceMs.get('G7'), 1500);
  assert.is(rules.minYellowMs.has('P1'), false, 'pedestrian heads have no yellow');
  assert.is(rules.conflicts.length, 36);
  const unserved = monitorRules({
    groups: [{ id: 'A', kind: 'vehicle' }, { id: 'B', kind: 'vehicle' }],
    conflicts: [['A', 'B'], ['B', 'A']],
    phases: [{ groups: ['A'], yellow: 4, redClearance: 1 }],
  });
  assert.is(unserved.minYellowMs.get('B'), 3000, 'a group in no phase: 3 s');
  assert.is(unserved.minRedClearanceMs.get('B'), 0);
  assert.equal(unserved.conflicts, [['A', 'B']], 'a pair listed both ways counts once');
});

test.run();
