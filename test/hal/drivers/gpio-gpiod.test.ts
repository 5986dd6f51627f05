import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GPIOD_MISSING_MESSAGE, GpiodGpioBinding, loadNodeLibgpiod } from '../../../edge/hal/drivers/gpio-gpiod.js';
import { GpioError, type Level } from '../../../edge/hal/gpio.js';
import { SimKernelGpio } from '../../../sim/kernel-gpio.js';
import { SimLibgpiod } from '../../../sim/libgpiod.js';
import { VirtualClock } from '../../../sim/virtual-clock.js';

interface GpiodRig {
  kernel: SimKernelGpio;
  clock: VirtualClock;
  binding: GpiodGpioBinding;
}

const it = suite<GpiodRig>('gpiod gpio: driver');
const POLL_MS = 5;

it.before.each((context) => {
  context.kernel = new SimKernelGpio();
  context.clock = new VirtualClock();
  context.binding = new GpiodGpioBinding({ clock: context.clock, libgpiod: new SimLibgpiod(context.kernel), pollIntervalMs: POLL_MS });
});

it.after.each(async ({ binding }) => {
  await binding.close();
});

it('lists the chips with their labels and requests lines under its consumer name', async ({ binding, kernel }) => {
  assert.equal(await binding.list(), [
    { chip: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 },
    { chip: 'gpiochip1', label: 'raspberrypi-exp-gpio', lines: 8 },
  ]);
  const bank = await binding.openOutputs([{ chip: 'pinctrl-bcm2711', line: 17 }], 1);
  assert.is(kernel.consumer('gpiochip0', 17), 'nutgiao');
  assert.is(kernel.getValue('gpiochip0', 17), 1, 'requested at its initial level');
  await bank.close();
  assert.is(kernel.consumer('gpiochip0', 17), null);
});

it('a line is one line whether its chip is named by device or by label', async ({ binding }) => {
  const bank = await binding.openOutputs([{ chip: 'gpiochip0', line: 17 }], 0);
  const error = await rejection(binding.openInput({ chip: 'pinctrl-bcm2711', line: 17 }, 'both'));
  assert.is(error.code, 'EBUSY');
  await bank.close();
});

it('a line another process holds is EBUSY from the kernel, and nothing of the request stays held', async ({ binding, kernel }) => {
  kernel.request('gpiochip0', 6, 'gpioset', 'out');
  const error = await rejection(binding.openOutputs([{ chip: 'gpiochip0', line: 5 }, { chip: 'gpiochip0', line: 6 }], 0));
  assert.is(error.code, 'EBUSY');
  assert.match(error.message, 'requesting gpiochip0:6');
  assert.is(kernel.consumer('gpiochip0', 5), null);
});

it('a masked write sets only the changed lines', async ({ binding, kernel }) => {
  const bank = await binding.openOutputs([5, 6, 13].map((line) => ({ chip: 'gpiochip0', line })), 0b001);
  await bank.write(0b110, 0b010);
  assert.equal([5, 6, 13].map((line) => kernel.getValue('gpiochip0', line)), [1, 1, 0]);
  assert.is(bank.commanded(), 0b011);
});

it('inputs are sampled every pollIntervalMs: a level held for a period is seen, a shorter pulse is not', async ({ binding, kernel, clock }) => {
  const input = await binding.openInput({ chip: 'gpiochip0', line: 26 }, 'both');
  const seen: { level: Level; tsMs: number }[] = [];
  input.onEdge((level, tsMs) => seen.push({ level, tsMs }));
  clock.advance(2);
  kernel.setInput('gpiochip0', 26, 1);
  clock.advance(POLL_MS);
  assert.equal(seen, [{ level: 1, tsMs: 5 }], 'seen at the next sample, stamped with the binding clock');
  kernel.setInput('gpiochip0', 26, 0);
  kernel.setInput('gpiochip0', 26, 1);
  clock.advance(POLL_MS);
  assert.is(seen.length, 1, 'a pulse between two samples is missed (node-libgpiod cannot read edge events)');
  assert.is(await input.read(), 1);
  await input.close();
  assert.is(clock.pending(), 0, 'closing the input stops its sampling');
});

it('without node-libgpiod the driver says how to install it', async () => {
  const missing = Object.assign(new Error("Cannot find module 'node-libgpiod'"), { code: 'ERR_MODULE_NOT_FOUND' });
  const error = await rejection(loadNodeLibgpiod(async () => Promise.reject(missing)));
  assert.is(error.code, 'ENOENT');
  assert.ok(error.message.startsWith(GPIOD_MISSING_MESSAGE), error.message);
  assert.match(error.message, "Cannot find module 'node-libgpiod'");
});

it.run();

async function rejection(promise: Promise<unknown>): Promise<GpioError> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, GpioError);
    return error as GpioError;
  }
  return assert.unreachable('expected a GpioError') as never;
}

const real = suite('gpiod gpio: the real node-libgpiod, where it is built');

real('lists the machine’s gpiochips and answers ENOENT for a chip that is not there', async () => {
  let api;
  try {
    api = await loadNodeLibgpiod();
  } catch (error) {
    console.log(`real node-libgpiod: not run (${(error as Error).message})`);
    return;
  }
  const binding = new GpiodGpioBinding({ clock: new VirtualClock(), libgpiod: api });
  const chips = await binding.list();
  assert.equal(chips.map((c) => c.chip), api.chipNames());
  const error = await rejection(binding.openOutputs([{ chip: 'gpiochip-nutgiao-absent', line: 0 }], 0));
  assert.is(error.code, 'ENOENT');
  await binding.close();
});

real.run();
