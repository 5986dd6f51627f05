import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RealClock } from '../../edge/hal/real-clock.js';
import { inputCheck, type WatchedInput } from '../../edge/selftest/input-check.js';
import { runSelftest } from '../../edge/selftest/selftest-runner.js';
import { SimGpioBinding } from '../../sim/sim-gpio.js';

/** Inputs on simulated lines, driven from the test bench as a technician's hand would. */
const test = suite('selftest: inputs');

const INPUTS: WatchedInput[] = [
  { id: 'loop-1', kind: 'loop', pin: { chip: 'gpiochip0', line: 48 }, debounceMs: 5 },
  { id: 'button-1', kind: 'button', pin: { chip: 'gpiochip0', line: 50, activeLow: true }, debounceMs: 5 },
  { id: 'preempt', kind: 'preempt', pin: { chip: 'gpiochip0', line: 52 }, debounceMs: 5 },
];

function bench() {
  const gpio = new SimGpioBinding({ clock: new RealClock() });
  gpio.setInput('gpiochip0', 50, 1); // the button's pull-up: released
  return gpio;
}

test('without a watch window each input reports its level', async () => {
  const gpio = bench();
  gpio.setInput('gpiochip0', 48, 1);
  const { rows } = await runSelftest([inputCheck({ gpio, clock: new RealClock(), inputs: INPUTS, watchMs: 0 })]);
  assert.equal(
    rows.map((entry) => [entry.check, entry.status, entry.measured.level]),
    [
      ['input loop-1', 'pass', 1],
      ['input button-1', 'pass', 0],
      ['input preempt', 'pass', 0],
    ],
  );
  assert.match(rows[0]!.detail, /^loop occupied \(level 1\)/);
});

test('a press during the window is counted; an input nobody touched is a warning', async () => {
  const gpio = bench();
  const onWatchStart = (watchMs: number) => {
    assert.is(watchMs, 300);
    // The technician presses and releases the button (active low: 0 = pressed).
    setTimeout(() => gpio.setInput('gpiochip0', 50, 0), 50);
    setTimeout(() => gpio.setInput('gpiochip0', 50, 1), 150);
  };
  const { rows, passed } = await runSelftest([inputCheck({ gpio, clock: new RealClock(), inputs: INPUTS, watchMs: 300, onWatchStart })]);
  assert.is(passed, true);
  const byName = Object.fromEntries(rows.map((entry) => [entry.check, entry]));
  assert.is(byName['input button-1']!.status, 'pass');
  assert.is(byName['input button-1']!.measured.changes, 2);
  assert.match(byName['input button-1']!.detail, /changed 2 times in 0.3 s/);
  assert.is(byName['input loop-1']!.status, 'warn');
  assert.match(byName['input loop-1']!.detail, /no change in 0.3 s/);
});

test('an asserted preempt and a button held pressed are warnings', async () => {
  const gpio = bench();
  gpio.setInput('gpiochip0', 52, 1);
  gpio.setInput('gpiochip0', 50, 0);
  const { rows } = await runSelftest([inputCheck({ gpio, clock: new RealClock(), inputs: INPUTS, watchMs: 0 })]);
  assert.equal(rows.map((entry) => entry.status), ['pass', 'warn', 'warn']);
  assert.match(rows[1]!.detail, /stuck button, or a wrong activeLow/);
  assert.match(rows[2]!.detail, /preempt is asserted now/);
});

test('an input line held elsewhere fails with EBUSY', async () => {
  const gpio = bench();
  await gpio.openInput(INPUTS[0]!.pin, 'both');
  const { rows } = await runSelftest([inputCheck({ gpio, clock: new RealClock(), inputs: INPUTS, watchMs: 0 })]);
  assert.equal(rows.map((entry) => [entry.check, entry.status, entry.measured.code]), [['inputs', 'fail', 'EBUSY']]);
});

test.run();
