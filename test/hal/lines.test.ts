import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Level } from '../../edge/hal/gpio.js';
import { activeLowMask, bankMask, openDebouncedInput, openLogicalOutputs } from '../../edge/hal/lines.js';
import { SimGpioBinding } from '../../sim/sim-gpio.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

function bench(): { clock: VirtualClock; gpio: SimGpioBinding } {
  const clock = new VirtualClock();
  return { clock, gpio: new SimGpioBinding({ clock }) };
}

const level = (gpio: SimGpioBinding, line: number): Level => gpio.outputLevel('gpiochip0', line);

test('activeLowMask and bankMask cover all 32 bits', () => {
  assert.is(activeLowMask([{ chip: 'c', line: 0 }, { chip: 'c', line: 1, activeLow: true }]), 0b10);
  const pins = Array.from({ length: 32 }, (_, line) => ({ chip: 'c', line, activeLow: line === 31 }));
  assert.is(activeLowMask(pins), 0x8000_0000);
  assert.is(bankMask(3), 0b111);
  assert.is(bankMask(32), 0xffff_ffff);
});

test('logical outputs invert active-low pins only, at open and on every write', async () => {
  const { gpio } = bench();
  const bank = await openLogicalOutputs(
    gpio,
    [
      { chip: 'gpiochip0', line: 1 },
      { chip: 'gpiochip0', line: 2, activeLow: true },
      { chip: 'gpiochip0', line: 3, activeLow: true },
    ],
    0b000,
  );
  // All logically off: the active-low pins sit high.
  assert.equal([level(gpio, 1), level(gpio, 2), level(gpio, 3)], [0, 1, 1]);
  assert.is(bank.commanded(), 0b000);
  await bank.write(0b011, 0b011);
  assert.equal([level(gpio, 1), level(gpio, 2), level(gpio, 3)], [1, 0, 1]);
  assert.is(bank.commanded(), 0b011);
  await bank.write(0b100, 0b100);
  assert.equal([level(gpio, 1), level(gpio, 2), level(gpio, 3)], [1, 0, 0]);
  assert.is(bank.commanded(), 0b111);
  assert.is(bank.size, 3);
  assert.is(bank.pins.length, 3);
  await bank.close();
  assert.is(gpio.lineMode('gpiochip0', 1), 'free');
});

test('debounced input: pulses shorter than debounceMs are ignored', async () => {
  const { clock, gpio } = bench();
  const input = await openDebouncedInput(gpio, { chip: 'gpiochip0', line: 20 }, clock, { edge: 'both', debounceMs: 30 });
  const changes: Array<[Level, number]> = [];
  input.onChange((lvl, ts) => changes.push([lvl, ts]));
  for (let i = 0; i < 5; i++) {
    gpio.setInput('gpiochip0', 20, 1);
    clock.advance(10);
    gpio.setInput('gpiochip0', 20, 0);
    clock.advance(15);
  }
  clock.advance(100);
  assert.equal(changes, []);
  assert.is(input.level(), 0);
});

test('debounced input: a stable change is reported once, debounceMs after its last bounce', async () => {
  const { clock, gpio } = bench();
  const input = await openDebouncedInput(gpio, { chip: 'gpiochip0', line: 21 }, clock, { edge: 'both', debounceMs: 30 });
  const changes: Array<[Level, number, number]> = [];
  input.onChange((lvl, ts) => changes.push([lvl, ts, clock.monotonic()]));
  clock.advance(100);
  gpio.setInput('gpiochip0', 21, 1); // contact bounce: 1, 0, 1 within 10 ms
  clock.advance(4);
  gpio.setInput('gpiochip0', 21, 0);
  clock.advance(6);
  gpio.setInput('gpiochip0', 21, 1); // stable from t=110
  clock.advance(29);
  assert.equal(changes, []);
  assert.is(input.level(), 0);
  clock.advance(1);
  // Reported at t=140, stamped with the start of the stable level.
  assert.equal(changes, [[1, 110, 140]]);
  assert.is(input.level(), 1);
  clock.advance(1000);
  assert.is(changes.length, 1);
});

test('debounced input: active-low pins report logical levels, edge filter is on logical levels', async () => {
  const { clock, gpio } = bench();
  gpio.setInput('gpiochip0', 22, 1); // idle high: a pull-up with a switch to ground
  const input = await openDebouncedInput(gpio, { chip: 'gpiochip0', line: 22, activeLow: true }, clock, {
    edge: 'rising',
    debounceMs: 20,
  });
  assert.is(input.level(), 0);
  const changes: Level[] = [];
  input.onChange((lvl) => changes.push(lvl));
  gpio.setInput('gpiochip0', 22, 0); // pressed
  clock.advance(20);
  assert.is(input.level(), 1);
  gpio.setInput('gpiochip0', 22, 1); // released: a logical falling edge, not reported
  clock.advance(20);
  assert.is(input.level(), 0);
  assert.equal(changes, [1]);
});

test('debounced input with debounceMs 0 reports every change immediately', async () => {
  const { clock, gpio } = bench();
  const input = await openDebouncedInput(gpio, { chip: 'gpiochip0', line: 23 }, clock, { edge: 'both', debounceMs: 0 });
  const changes: Array<[Level, number]> = [];
  input.onChange((lvl, ts) => changes.push([lvl, ts]));
  clock.advance(7);
  gpio.setInput('gpiochip0', 23, 1);
  gpio.setInput('gpiochip0', 23, 0);
  assert.equal(changes, [
    [1, 7],
    [0, 7],
  ]);
});

test('closing a debounced input cancels a pending change and frees the line', async () => {
  const { clock, gpio } = bench();
  const input = await openDebouncedInput(gpio, { chip: 'gpiochip0', line: 24 }, clock, { edge: 'both', debounceMs: 50 });
  let called = false;
  input.onChange(() => (called = true));
  gpio.setInput('gpiochip0', 24, 1);
  await input.close();
  clock.advance(100);
  assert.is(called, false);
  assert.is(clock.pending(), 0);
  assert.is(gpio.lineMode('gpiochip0', 24), 'free');
});

test.run();
