import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GpioError, type Level } from '../../edge/hal/gpio.js';
import { SimGpioBinding, type SimPinChange } from '../../sim/sim-gpio.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

const pins = (...lines: number[]) => lines.map((line) => ({ chip: 'gpiochip0', line }));

function bench(): { clock: VirtualClock; gpio: SimGpioBinding } {
  const clock = new VirtualClock();
  return { clock, gpio: new SimGpioBinding({ clock }) };
}

async function gpioErrorCode(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    assert.instance(error, GpioError);
    return (error as GpioError).code;
  }
  return 'no error';
}

test('a default chip gpiochip0 with 64 lines exists; createChip adds more', async () => {
  const { gpio } = bench();
  gpio.createChip('gpiochip1', 8, 'pinctrl-rp1');
  assert.equal(await gpio.list(), [
    { chip: 'gpiochip0', label: 'sim-gpiochip0', lines: 64 },
    { chip: 'gpiochip1', label: 'pinctrl-rp1', lines: 8 },
  ]);
  // A chip may be named by label, as in config.
  const bank = await gpio.openOutputs([{ chip: 'pinctrl-rp1', line: 7 }], 1);
  assert.is(gpio.outputLevel('gpiochip1', 7), 1);
  await bank.close();
  assert.throws(() => gpio.createChip('gpiochip1', 8), /already exists/);
});

test('a masked write applies all its lines at once, with one history timestamp', async () => {
  const { clock, gpio } = bench();
  const bank = await gpio.openOutputs(pins(1, 2, 3), 0b001);
  gpio.clearHistory();
  clock.advance(40);
  await bank.write(0b110, 0b110);
  assert.equal(gpio.history, [
    { tsMs: 40, chip: 'gpiochip0', line: 2, level: 1, commanded: 1 },
    { tsMs: 40, chip: 'gpiochip0', line: 3, level: 1, commanded: 1 },
  ]);
  assert.equal([1, 2, 3].map((line) => gpio.outputLevel('gpiochip0', line)), [1, 1, 1]);
  assert.equal([1, 2, 3].map((line) => gpio.lineMode('gpiochip0', line)), ['output', 'output', 'output']);
});

test('opening outputs is recorded as a write of the initial levels', async () => {
  const { gpio } = bench();
  await gpio.openOutputs(pins(4, 5), 0b10);
  assert.equal(
    gpio.history.map((w) => [w.line, w.level]),
    [
      [4, 0],
      [5, 1],
    ],
  );
});

test('recording = false keeps history empty', async () => {
  const { gpio } = bench();
  gpio.recording = false;
  const bank = await gpio.openOutputs(pins(1), 0);
  await bank.write(1, 1);
  assert.is(gpio.history.length, 0);
  assert.is(gpio.outputLevel('gpiochip0', 1), 1);
});

test('onOutputChange gets the changed lines of one write together, and nothing for no change', async () => {
  const { gpio } = bench();
  const calls: SimPinChange[][] = [];
  const remove = gpio.onOutputChange((changes) => calls.push([...changes]));
  const bank = await gpio.openOutputs(pins(10, 11, 12), 0b000);
  assert.is(calls.length, 0);
  await bank.write(0b111, 0b101);
  await bank.write(0b001, 0b001);
  assert.equal(
    calls.map((changes) => changes.map((c) => [c.line, c.level])),
    [
      [
        [10, 1],
        [12, 1],
      ],
    ],
  );
  await bank.close();
  // Released lines stop being driven: the lamps go dark.
  assert.equal(calls[1]?.map((c) => [c.line, c.level]), [
    [10, 0],
    [12, 0],
  ]);
  remove();
  const again = await gpio.openOutputs(pins(10), 1);
  await again.write(1, 0);
  assert.is(calls.length, 2);
});

test('stuck fault: the pin holds its level whatever is written, and recovers on clearFault', async () => {
  const { gpio } = bench();
  const bank = await gpio.openOutputs(pins(7), 1);
  gpio.injectFault('gpiochip0', 7, { kind: 'stuck', level: 0 });
  assert.is(gpio.outputLevel('gpiochip0', 7), 0);
  gpio.clearHistory();
  await bank.write(1, 1);
  assert.is(bank.commanded(), 1, 'the driver believes it wrote');
  assert.is(gpio.outputLevel('gpiochip0', 7), 0);
  assert.equal(gpio.history, [{ tsMs: 0, chip: 'gpiochip0', line: 7, level: 0, commanded: 1 }]);
  gpio.clearFault('gpiochip0', 7);
  assert.is(gpio.outputLevel('gpiochip0', 7), 1);
});

test('ignore-writes fault: writes succeed but the level does not change', async () => {
  const { gpio } = bench();
  const bank = await gpio.openOutputs(pins(8), 0);
  gpio.injectFault('gpiochip0', 8, { kind: 'ignore-writes' });
  gpio.clearHistory();
  await bank.write(1, 1);
  assert.is(gpio.outputLevel('gpiochip0', 8), 0);
  assert.equal(gpio.history, [{ tsMs: 0, chip: 'gpiochip0', line: 8, level: 0, commanded: 1 }]);
  gpio.clearFault('gpiochip0', 8);
  assert.is(gpio.outputLevel('gpiochip0', 8), 1, 'a repaired pin follows the last command');
});

test('slow fault: the level changes delayMs later on the clock; other lines of the write do not wait', async () => {
  const { clock, gpio } = bench();
  const bank = await gpio.openOutputs(pins(20, 21), 0);
  gpio.injectFault('gpiochip0', 20, { kind: 'slow', delayMs: 150 });
  gpio.clearHistory();
  clock.advance(10);
  await bank.write(0b11, 0b11);
  assert.is(gpio.outputLevel('gpiochip0', 20), 0);
  assert.is(gpio.outputLevel('gpiochip0', 21), 1);
  clock.advance(149);
  assert.is(gpio.outputLevel('gpiochip0', 20), 0);
  clock.advance(1);
  assert.is(gpio.outputLevel('gpiochip0', 20), 1);
  assert.equal(
    gpio.history.map((w) => [w.tsMs, w.line, w.level]),
    [
      [10, 21, 1],
      [160, 20, 1],
    ],
  );
});

test('open-error fault: opening the line rejects with the injected code, until cleared', async () => {
  const { gpio } = bench();
  gpio.injectFault('gpiochip0', 9, { kind: 'open-error', code: 'EIO' });
  assert.is(await gpioErrorCode(() => gpio.openOutputs(pins(8, 9), 0)), 'EIO');
  assert.is(await gpioErrorCode(() => gpio.openInput(pins(9)[0]!, 'both')), 'EIO');
  assert.is(gpio.lineMode('gpiochip0', 8), 'free', 'nothing half-claimed');
  gpio.clearFault('gpiochip0', 9);
  const bank = await gpio.openOutputs(pins(8, 9), 0b10);
  assert.is(gpio.outputLevel('gpiochip0', 9), 1);
  await bank.close();
});

test('error codes: EBUSY, EINVAL, ENOENT, ECLOSED', async () => {
  const { gpio } = bench();
  const bank = await gpio.openOutputs(pins(1), 0);
  assert.is(await gpioErrorCode(() => gpio.openOutputs(pins(1), 0)), 'EBUSY');
  assert.is(await gpioErrorCode(() => gpio.openOutputs(pins(2, 2), 0)), 'EBUSY');
  assert.is(await gpioErrorCode(() => gpio.openOutputs(pins(64), 0)), 'EINVAL');
  assert.is(await gpioErrorCode(() => gpio.openOutputs(pins(-1), 0)), 'EINVAL');
  assert.is(await gpioErrorCode(() => gpio.openOutputs([], 0)), 'EINVAL');
  assert.is(await gpioErrorCode(() => gpio.openOutputs(pins(...Array.from({ length: 33 }, (_, i) => i + 10)), 0)), 'EINVAL');
  assert.is(await gpioErrorCode(() => gpio.openInput({ chip: 'gpiochip9', line: 0 }, 'both')), 'ENOENT');
  await bank.close();
  assert.is(await gpioErrorCode(() => bank.write(1, 1)), 'ECLOSED');
  await gpio.close();
  assert.is(await gpioErrorCode(() => gpio.list()), 'ECLOSED');
});

test('a 32-line bank handles bit 31 without sign trouble', async () => {
  const { gpio } = bench();
  const bank = await gpio.openOutputs(pins(...Array.from({ length: 32 }, (_, i) => i)), 0);
  await bank.write(0x8000_0000, 0xffff_ffff);
  assert.is(bank.commanded(), 0x8000_0000);
  assert.is(gpio.outputLevel('gpiochip0', 31), 1);
  assert.is(gpio.outputLevel('gpiochip0', 30), 0);
});

test('setInput fires edges per the input edge kind, stamped with the clock', async () => {
  const { clock, gpio } = bench();
  const rising = await gpio.openInput({ chip: 'gpiochip0', line: 30 }, 'rising');
  const falling = await gpio.openInput({ chip: 'gpiochip0', line: 31 }, 'falling');
  const seen: string[] = [];
  rising.onEdge((level, ts) => seen.push(`r${level}@${ts}`));
  falling.onEdge((level, ts) => seen.push(`f${level}@${ts}`));
  clock.advance(5);
  gpio.setInput('gpiochip0', 30, 1);
  gpio.setInput('gpiochip0', 31, 1);
  gpio.setInput('gpiochip0', 30, 1); // no change, no edge
  clock.advance(5);
  gpio.setInput('gpiochip0', 30, 0);
  gpio.setInput('gpiochip0', 31, 0);
  assert.equal(seen, ['r1@5', 'f0@10']);
  assert.is(await rising.read(), 0);
});

test('a stuck fault on an input overrides what is driven onto it', async () => {
  const { gpio } = bench();
  const input = await gpio.openInput({ chip: 'gpiochip0', line: 40 }, 'both');
  const seen: Level[] = [];
  input.onEdge((level) => seen.push(level));
  gpio.injectFault('gpiochip0', 40, { kind: 'stuck', level: 1 });
  gpio.setInput('gpiochip0', 40, 0);
  assert.is(await input.read(), 1);
  gpio.clearFault('gpiochip0', 40);
  assert.is(await input.read(), 0);
  assert.equal(seen, [1, 0]);
});

test('driving an open output from outside is refused', async () => {
  const { gpio } = bench();
  await gpio.openOutputs(pins(3), 0);
  assert.throws(() => gpio.setInput('gpiochip0', 3, 1), /output/);
});

test('the level set on a free line is what a later open reads', async () => {
  const { gpio } = bench();
  gpio.setInput('gpiochip0', 50, 1);
  const input = await gpio.openInput({ chip: 'gpiochip0', line: 50 }, 'both');
  assert.is(await input.read(), 1);
});

test('closing the binding closes every handle and frees the lines', async () => {
  const { gpio } = bench();
  await gpio.openOutputs(pins(1, 2), 0b11);
  await gpio.openInput({ chip: 'gpiochip0', line: 3 }, 'both');
  await gpio.close();
  assert.equal([1, 2, 3].map((line) => gpio.lineMode('gpiochip0', line)), ['free', 'free', 'free']);
  assert.is(gpio.outputLevel('gpiochip0', 1), 0);
});

test.run();
