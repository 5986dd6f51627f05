/**
 * The phase controller's config: mode, startup, time-of-day plans and schedule, detectors and preempt.
 * Each row is a small edit of the example config and the exact errors it must produce, naming the path.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateConfig } from '../../edge/config/index.js';
import { exampleRaw, type RawConfig } from './example-raw.js';
import { expectValid } from './expect-valid.js';

interface BadConfigCase {
  name: string;
  mutate(raw: RawConfig): void;
  errors: string[];
}

const PHASES = 'phases: ns-left, ns-through, ew-left, ew-through';

const cases: BadConfigCase[] = [
  { name: 'yellow below 3 s stays rejected', mutate: (raw) => (raw.signal.phases[2].yellow = 2), errors: ['signal.phases[2].yellow: must be >= 3 s'] },
  { name: 'minGreen below its minimum', mutate: (raw) => (raw.signal.phases[2].minGreen = 4), errors: ['signal.phases[2].minGreen: must be >= 5 s'] },
  {
    name: 'a crosswalk phase without pedestrian clearance',
    mutate: (raw) => delete raw.signal.phases[1].pedClearance,
    errors: ["signal.phases[1].pedClearance: is required, because the phase serves pedestrian group 'P2'"],
  },
  { name: 'an unknown mode', mutate: (raw) => (raw.signal.mode = 'adaptive'), errors: ["signal.mode: must be one of 'actuated', 'fixed'"] },
  { name: 'an unknown flash aspect', mutate: (raw) => (raw.signal.flashAspect = 'flashing-green'), errors: ["signal.flashAspect: must be one of 'flashing-amber', 'flashing-red'"] },
  { name: 'startup without all red', mutate: (raw) => (raw.signal.startup.allRedS = 0), errors: ['signal.startup.allRedS: must be >= 1 s'] },
  { name: 'a negative startup flash', mutate: (raw) => (raw.signal.startup.flashS = -1), errors: ['signal.startup.flashS: must be >= 0 s'] },
  { name: 'a schedule time past midnight', mutate: (raw) => (raw.signal.schedule[1].start = '24:00'), errors: ['signal.schedule[1].start: must be a time HH:MM from 00:00 to 23:59'] },
  {
    name: 'a day written in full',
    mutate: (raw) => (raw.signal.schedule[0].days[0] = 'monday'),
    errors: ["signal.schedule[0].days[0]: must be one of 'sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'"],
  },
  { name: 'a schedule naming a misspelt plan', mutate: (raw) => (raw.signal.schedule[0].plan = 'peek'), errors: ["signal.schedule[0].plan: unknown plan 'peek' (did you mean 'peak'?)"] },
  {
    name: 'two schedule entries starting at the same moment',
    mutate: (raw) => raw.signal.schedule.push({ days: ['tue'], start: '09:00', plan: 'night' }),
    errors: ['signal.schedule[6].start: signal.schedule[1] already starts on tue at 09:00'],
  },
  {
    name: 'an unknown time zone',
    mutate: (raw) => (raw.signal.timeZone = 'Mars/Olympus'),
    errors: ["signal.timeZone: 'Mars/Olympus' is not a time zone (use an IANA name such as UTC or Asia/Ho_Chi_Minh)"],
  },
  {
    name: 'a plan timing an unknown phase',
    mutate: (raw) => (raw.signal.plans[0].timings[1].phase = 'ew-thru'),
    errors: [`signal.plans[0].timings[1].phase: unknown phase 'ew-thru' (${PHASES})`],
  },
  {
    name: 'a plan timing one phase twice',
    mutate: (raw) => (raw.signal.plans[0].timings[1].phase = 'ns-through'),
    errors: ["signal.plans[0].timings[1].phase: phase 'ns-through' already has timings at signal.plans[0].timings[0]"],
  },
  {
    name: "a plan minGreen above the phase's maxGreen",
    mutate: (raw) => (raw.signal.plans[1].timings = [{ phase: 'ns-left', minGreen: 30 }]),
    errors: ["signal.plans[1].timings[0].minGreen: makes maxGreen (20 s) shorter than minGreen (30 s) for phase 'ns-left'"],
  },
  {
    name: 'a plan maxGreen beyond its range',
    mutate: (raw) => (raw.signal.plans[0].timings[0].maxGreen = 400),
    errors: ['signal.plans[0].timings[0].maxGreen: must be <= 300 s'],
  },
  {
    name: 'a plan may not override a clearance',
    mutate: (raw) => (raw.signal.plans[0].timings[0].yellow = 3),
    errors: ['signal.plans[0].timings[0].yellow: unknown field (allowed: phase, minGreen, maxGreen, passage, recall)'],
  },
  {
    name: 'two plans with one id',
    mutate: (raw) => (raw.signal.plans[2].id = 'peak'),
    errors: ["signal.plans[2].id: duplicate id 'peak' (first used at signal.plans[0].id)", "signal.schedule[5].plan: unknown plan 'night' (plans: peak, off-peak)"],
  },
  {
    name: 'a detector with both phase and group',
    mutate: (raw) => (raw.signal.detectors[0].group = 'G1'),
    errors: ['signal.detectors[0]: give exactly one of phase or group (the phase this detector calls)'],
  },
  {
    name: 'a detector calling nothing',
    mutate: (raw) => delete raw.signal.detectors[1].phase,
    errors: ['signal.detectors[1]: give exactly one of phase or group (the phase this detector calls)'],
  },
  { name: 'a detector calling a misspelt phase', mutate: (raw) => (raw.signal.detectors[0].phase = 'ns-lft'), errors: ["signal.detectors[0].phase: unknown phase 'ns-lft' (did you mean 'ns-left'?)"] },
  {
    name: 'a button on a phase without a crosswalk',
    mutate: (raw) => {
      raw.signal.detectors[2].phase = 'ns-left';
      delete raw.signal.detectors[2].group;
    },
    errors: ["signal.detectors[2].phase: a button calls pedestrian service, but phase 'ns-left' serves no pedestrian group"],
  },
  {
    name: 'a loop on a crosswalk',
    mutate: (raw) => {
      raw.signal.detectors[0].group = 'P1';
      delete raw.signal.detectors[0].phase;
    },
    errors: ["signal.detectors[0].group: a loop detector needs a vehicle group, and 'P1' is not one"],
  },
  { name: 'an unknown detector kind', mutate: (raw) => (raw.signal.detectors[0].kind = 'radar'), errors: ["signal.detectors[0].kind: must be one of 'loop', 'button'"] },
  { name: 'a debounce beyond 2 s', mutate: (raw) => (raw.signal.detectors[3].debounceMs = 5000), errors: ['signal.detectors[3].debounceMs: must be <= 2000 ms'] },
  {
    name: 'two detectors with one id',
    mutate: (raw) => (raw.signal.detectors[1].id = 'loop-ns-left'),
    errors: ["signal.detectors[1].id: duplicate id 'loop-ns-left' (first used at signal.detectors[0].id)"],
  },
  {
    name: 'a detector on a lamp output line',
    mutate: (raw) => (raw.signal.detectors[1].input.line = 5),
    errors: ['signal.detectors[1].input: gpiochip0 line 5 is already used by signal.groups[1].outputs.green'],
  },
  {
    name: 'the preempt on a detector line',
    mutate: (raw) => (raw.signal.preempt.input.line = 48),
    errors: ['signal.preempt.input: gpiochip0 line 48 is already used by signal.detectors[0].input'],
  },
  {
    name: 'a preempt naming unknown phases',
    mutate: (raw) => {
      raw.signal.preempt.phase = 'ns-thru';
      raw.signal.preempt.exitPhase = 'nope';
    },
    errors: [`signal.preempt.phase: unknown phase 'ns-thru' (${PHASES})`, `signal.preempt.exitPhase: unknown phase 'nope' (${PHASES})`],
  },
  { name: 'a preempt dwell below 5 s', mutate: (raw) => (raw.signal.preempt.dwellS = 2), errors: ['signal.preempt.dwellS: must be >= 5 s'] },
  { name: 'a misspelt preempt field', mutate: (raw) => (raw.signal.preempt.dwell = 10), errors: ["signal.preempt.dwell: unknown field (did you mean 'dwellS'?)"] },
];

for (const { name, mutate, errors } of cases) {
  test(name, () => {
    const raw = exampleRaw();
    mutate(raw);
    const result = validateConfig(raw);
    assert.equal(result.ok ? [] : result.errors, errors);
  });
}

test('the example config shows every controller field, and they load as written', () => {
  const { signal } = expectValid(exampleRaw());
  assert.is(signal.mode, 'actuated');
  assert.equal(signal.startup, { flashS: 5, allRedS: 3 });
  assert.equal(signal.plans.map((plan) => plan.id), ['peak', 'off-peak', 'night']);
  assert.is(signal.plans[2]!.mode, 'fixed');
  assert.equal(signal.schedule[5], { start: '23:00', plan: 'night', days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] });
  assert.equal(signal.detectors.map((detector) => [detector.kind, detector.phase ?? detector.group, detector.debounceMs]), [
    ['loop', 'ns-left', 50],
    ['loop', 'ew-left', 50],
    ['button', 'P2', 50],
    ['button', 'P1', 50],
  ]);
  assert.equal(signal.preempt, { input: { line: 52, chip: 'gpiochip0', activeLow: false }, phase: 'ns-through', dwellS: 15, exitPhase: 'ew-through', debounceMs: 100 });
});

test('without the controller fields, defaults give an actuated controller with no plans, detectors or preempt', () => {
  const raw = exampleRaw();
  for (const field of ['mode', 'flashAspect', 'startup', 'timeZone', 'plans', 'schedule', 'detectors', 'preempt']) delete raw.signal[field];
  const { signal } = expectValid(raw);
  assert.equal(
    { mode: signal.mode, flashAspect: signal.flashAspect, startup: signal.startup, timeZone: signal.timeZone, plans: signal.plans, schedule: signal.schedule, detectors: signal.detectors, preempt: signal.preempt },
    { mode: 'actuated', flashAspect: 'flashing-amber', startup: { flashS: 5, allRedS: 3 }, timeZone: 'UTC', plans: [], schedule: [], detectors: [], preempt: undefined },
  );
});

test.run();
