import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OnoffGpioBinding, type SysfsGpioFactory } from '../../../edge/hal/drivers/gpio-onoff.js';
import { readSysfsGpioChips, sysfsNumberOf } from '../../../edge/hal/drivers/sysfs-gpio-chips.js';
import { GpioError } from '../../../edge/hal/gpio.js';
import { RealClock } from '../../../edge/hal/real-clock.js';
import { PI4_BOOKWORM_CHIPS, SimKernelGpio, type SimKernelChip } from '../../../sim/kernel-gpio.js';
import { simSysfsGpioFactory } from '../../../sim/sysfs-gpio.js';

/** A Pi 5 on a Bookworm kernel: the RP1's 54 lines start at sysfs 571. */
const PI5_BOOKWORM_CHIPS: readonly SimKernelChip[] = [{ name: 'gpiochip4', label: 'pinctrl-rp1', base: 571, lines: 54 }];

const it = suite<{ root: string }>('onoff gpio: sysfs chips and numbers');

it.before.each(async (context) => {
  context.root = await mkdtemp(join(tmpdir(), 'nutgiao-sysfs-'));
});

it.after.each(async ({ root }) => {
  await rm(root, { recursive: true, force: true });
});

it('reads base, label and ngpio of a Pi 4 on Bookworm, offset to 512', async ({ root }) => {
  await new SimKernelGpio(PI4_BOOKWORM_CHIPS).writeSysfsTree(root);
  assert.equal(await readSysfsGpioChips(root), [
    { sysfsName: 'gpiochip512', chardevName: 'gpiochip0', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
    { sysfsName: 'gpiochip570', chardevName: 'gpiochip1', label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
  ]);
});

it('maps BCM 17 to sysfs 529 on a Pi 4 and 588 on a Pi 5, by chip name or label', async ({ root }) => {
  const pi4 = join(root, 'pi4');
  const pi5 = join(root, 'pi5');
  await new SimKernelGpio(PI4_BOOKWORM_CHIPS).writeSysfsTree(pi4);
  await new SimKernelGpio(PI5_BOOKWORM_CHIPS).writeSysfsTree(pi5);
  const pi4Chips = await readSysfsGpioChips(pi4);
  const pi5Chips = await readSysfsGpioChips(pi5);
  assert.is(sysfsNumberOf({ chip: 'gpiochip0', line: 17 }, pi4Chips), 529);
  assert.is(sysfsNumberOf({ chip: 'pinctrl-bcm2711', line: 17 }, pi4Chips), 529);
  assert.is(sysfsNumberOf({ chip: 'gpiochip512', line: 17 }, pi4Chips), 529);
  assert.is(sysfsNumberOf({ chip: 'pinctrl-rp1', line: 17 }, pi5Chips), 588);
  assert.is(sysfsNumberOf({ chip: 'gpiochip4', line: 17 }, pi5Chips), 588);
});

it('an unknown chip is ENOENT naming the chips there are; a line past ngpio is EINVAL', async ({ root }) => {
  await new SimKernelGpio(PI5_BOOKWORM_CHIPS).writeSysfsTree(root);
  const chips = await readSysfsGpioChips(root);
  const unknown = catchGpioError(() => sysfsNumberOf({ chip: 'gpiochip0', line: 17 }, chips));
  assert.is(unknown.code, 'ENOENT');
  assert.match(unknown.message, 'gpiochip4 (pinctrl-rp1)');
  const pastEnd = catchGpioError(() => sysfsNumberOf({ chip: 'pinctrl-rp1', line: 54 }, chips));
  assert.is(pastEnd.code, 'EINVAL');
  assert.match(pastEnd.message, 'lines 0..53');
});

it('a chip without a device link is still found by label and sysfs name; no sysfs at all is no chips', async ({ root }) => {
  const chipDir = join(root, 'gpiochip512');
  await mkdir(chipDir, { recursive: true });
  await Promise.all([writeFile(join(chipDir, 'base'), '512\n'), writeFile(join(chipDir, 'label'), 'pinctrl-bcm2835\n'), writeFile(join(chipDir, 'ngpio'), '54\n')]);
  const chips = await readSysfsGpioChips(root);
  assert.is(chips[0]!.chardevName, undefined);
  assert.is(sysfsNumberOf({ chip: 'pinctrl-bcm2835', line: 4 }, chips), 516);
  assert.is(sysfsNumberOf({ chip: 'gpiochip512', line: 4 }, chips), 516);
  const none = await readSysfsGpioChips(join(root, 'absent'));
  assert.equal(none, []);
  assert.match(catchGpioError(() => sysfsNumberOf({ chip: 'gpiochip0', line: 4 }, none)).message, 'use hardware.gpio.driver gpiod');
});

it.run();

interface OnoffRig {
  root: string;
  kernel: SimKernelGpio;
  opened: { gpio: number; direction: string; edge: string }[];
  writes: { gpio: number; level: number }[];
  binding: OnoffGpioBinding;
}

const driver = suite<OnoffRig>('onoff gpio: driver');

driver.before.each(async (context) => {
  context.root = await mkdtemp(join(tmpdir(), 'nutgiao-sysfs-'));
  context.kernel = new SimKernelGpio(PI5_BOOKWORM_CHIPS);
  await context.kernel.writeSysfsTree(context.root);
  context.opened = [];
  context.writes = [];
  const sim = simSysfsGpioFactory(context.kernel);
  // Records what the driver asks of onoff, then lets the simulated kernel answer.
  const recording: SysfsGpioFactory = (gpio, direction, edge) => {
    context.opened.push({ gpio, direction, edge });
    const handle = sim(gpio, direction, edge);
    return {
      read: () => handle.read(),
      write: async (level) => {
        context.writes.push({ gpio, level });
        await handle.write(level);
      },
      watch: (callback) => handle.watch(callback),
      unwatchAll: () => handle.unwatchAll(),
      unexport: () => handle.unexport(),
    };
  };
  context.binding = new OnoffGpioBinding({ clock: new RealClock(), sysfsRoot: context.root, gpioFactory: recording });
});

driver.after.each(async ({ binding, root }) => {
  await binding.close();
  await rm(root, { recursive: true, force: true });
});

driver('exports the chip base plus the line, never the BCM number, at the initial level', async ({ binding, kernel, opened }) => {
  const bank = await binding.openOutputs([{ chip: 'pinctrl-rp1', line: 17 }, { chip: 'gpiochip4', line: 27 }], 0b10);
  assert.equal(opened, [
    { gpio: 588, direction: 'low', edge: 'none' },
    { gpio: 598, direction: 'high', edge: 'none' },
  ]);
  assert.is(kernel.consumer('gpiochip4', 17), 'sysfs');
  assert.is(kernel.getValue('gpiochip4', 27), 1);
  await bank.close();
  assert.is(kernel.consumer('gpiochip4', 17), null, 'closing the bank unexports its lines');
});

driver('a masked write writes only the lines whose level changes', async ({ binding, kernel, writes }) => {
  const bank = await binding.openOutputs([5, 6, 13].map((line) => ({ chip: 'gpiochip4', line })), 0b000);
  await bank.write(0b111, 0b001);
  assert.equal(writes, [{ gpio: 576, level: 1 }]);
  await bank.write(0b111, 0b001);
  assert.is(writes.length, 1, 'an unchanged write touches no value file');
  await bank.write(0b110, 0b110);
  assert.equal(writes.slice(1), [
    { gpio: 577, level: 1 },
    { gpio: 584, level: 1 },
  ]);
  assert.equal([5, 6, 13].map((line) => kernel.getValue('gpiochip4', line)), [1, 1, 1]);
});

driver('a line a kernel driver or gpiod user holds is EBUSY, and the rest of the request stays free', async ({ binding, kernel }) => {
  kernel.request('gpiochip4', 6, 'w1-gpio', 'in');
  const error = await rejection(binding.openOutputs([{ chip: 'gpiochip4', line: 5 }, { chip: 'gpiochip4', line: 6 }], 0));
  assert.is(error.code, 'EBUSY');
  assert.match(error.message, 'sysfs GPIO 577');
  assert.is(kernel.consumer('gpiochip4', 5), null, 'the line opened before the failure was unexported again');
});

driver('an input reports the level at open and its edges', async ({ binding, kernel }) => {
  kernel.setInput('gpiochip4', 22, 1);
  const input = await binding.openInput({ chip: 'gpiochip4', line: 22 }, 'falling');
  assert.is(await input.read(), 1);
  const seen: number[] = [];
  input.onEdge((level) => seen.push(level));
  kernel.setInput('gpiochip4', 22, 0);
  kernel.setInput('gpiochip4', 22, 1);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(seen, [0]);
});

driver.run();

const realOnoff = suite('onoff gpio: the real onoff module');

realOnoff('is loaded on first open, and its export failures come back as GpioErrors', async () => {
  // A chip whose sysfs numbers no kernel has, so on a real Pi nothing is exported either (EINVAL there).
  const root = await mkdtemp(join(tmpdir(), 'nutgiao-sysfs-'));
  await new SimKernelGpio([{ name: 'gpiochip9', label: 'nutgiao-absent', base: 100_000, lines: 4 }]).writeSysfsTree(root);
  const binding = new OnoffGpioBinding({ clock: new RealClock(), sysfsRoot: root });
  try {
    const error = await rejection(binding.openOutputs([{ chip: 'nutgiao-absent', line: 1 }], 0));
    assert.ok(['ENOENT', 'EINVAL', 'EIO'].includes(error.code), error.message);
    assert.match(error.message, 'sysfs GPIO 100001');
  } finally {
    await binding.close();
    await rm(root, { recursive: true, force: true });
  }
});

realOnoff.run();

function catchGpioError(action: () => unknown): GpioError {
  try {
    action();
  } catch (error) {
    assert.instance(error, GpioError);
    return error as GpioError;
  }
  return assert.unreachable('expected a GpioError') as never;
}

async function rejection(promise: Promise<unknown>): Promise<GpioError> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, GpioError);
    return error as GpioError;
  }
  return assert.unreachable('expected a GpioError') as never;
}
