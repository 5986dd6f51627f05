import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GpioError, type GpioBinding, type Level, type PinSpec } from '../../edge/hal/gpio.js';

/**
 * The behaviour every GpioBinding must show, run against the simulator always and against real
 * hardware when one is named (node-serialport's pattern).
 *
 * How a real driver runs it: add test/contract/gpio-<driver>.test.ts that reads the chip from
 * NUTGIAO_TEST_GPIO_CHIP and two free lines for outputs (NUTGIAO_TEST_GPIO_OUTPUTS="5,6,13"), plus a
 * loopback wire from an output line to an input line (NUTGIAO_TEST_GPIO_LOOPBACK="19>26"). Its rig's
 * driveInput opens the wire's output end on the same binding and writes the level; when the chip
 * variable is unset the file must register one passing test that prints
 * `hardware GPIO contract: not run (set NUTGIAO_TEST_GPIO_CHIP=...)`, never skip silently.
 */
export interface GpioContractRig {
  binding: GpioBinding;
  /** At least three free lines on one chip the suite may open as outputs. */
  outputPins: readonly PinSpec[];
  /** A way to drive an input line from outside; without it the edge tests report themselves not run. */
  loopback?: GpioLoopback;
  /** Releases anything the rig set up besides the binding (which the suite closes). */
  dispose?: () => Promise<void>;
}

export interface GpioLoopback {
  inputPin: PinSpec;
  /** Puts level on pin from outside; resolves once the level is on the wire. */
  driveInput(pin: PinSpec, level: Level): Promise<void>;
}

/** Real drivers deliver edges from an event loop callback: wait for them, within bounds. */
const EDGE_WAIT_MS = 500;

export function gpioContract(name: string, makeBinding: () => Promise<GpioContractRig>): void {
  const it = suite<{ rig: GpioContractRig }>(`gpio contract: ${name}`);

  it.before.each(async (context) => {
    context.rig = await makeBinding();
  });

  it.after.each(async ({ rig }) => {
    await rig.binding.close();
    await rig.dispose?.();
  });

  it('list() reports the chip the output pins are on, with enough lines', async ({ rig }) => {
    const chips = await rig.binding.list();
    const pin = rig.outputPins[0]!;
    const chip = chips.find((c) => c.chip === pin.chip || c.label === pin.chip);
    assert.ok(chip, `no chip ${pin.chip} in ${JSON.stringify(chips)}`);
    for (const p of rig.outputPins) assert.ok(p.line < chip.lines, `line ${p.line} beyond ${chip.lines}`);
  });

  it('openOutputs commands the initial levels', async ({ rig }) => {
    const bank = await rig.binding.openOutputs(rig.outputPins.slice(0, 3), 0b101);
    assert.is(bank.size, 3);
    assert.is(bank.commanded(), 0b101);
    await bank.close();
  });

  it('a masked write changes only the masked bits', async ({ rig }) => {
    const bank = await rig.binding.openOutputs(rig.outputPins.slice(0, 3), 0b000);
    await bank.write(0b011, 0b111);
    assert.is(bank.commanded(), 0b011);
    await bank.write(0b100, 0b100);
    assert.is(bank.commanded(), 0b111);
    await bank.write(0b010, 0b000);
    assert.is(bank.commanded(), 0b101);
    // Bits beyond the bank are not lines: they must not show up in commanded().
    await bank.write(0xffff_fff8, 0xffff_ffff);
    assert.is(bank.commanded(), 0b101);
    await bank.close();
  });

  it('opening a line that is already open fails with EBUSY, as output or input', async ({ rig }) => {
    const bank = await rig.binding.openOutputs(rig.outputPins.slice(0, 2), 0);
    await expectGpioError(() => rig.binding.openOutputs([rig.outputPins[1]!], 0), 'EBUSY');
    await expectGpioError(() => rig.binding.openInput(rig.outputPins[0]!, 'both'), 'EBUSY');
    await bank.close();
  });

  it('closing a bank releases its lines for the next open', async ({ rig }) => {
    const first = await rig.binding.openOutputs(rig.outputPins.slice(0, 2), 0b11);
    await first.close();
    const second = await rig.binding.openOutputs(rig.outputPins.slice(0, 2), 0b01);
    assert.is(second.commanded(), 0b01);
    await second.close();
  });

  it('a line beyond the chip fails with EINVAL; an unknown chip with ENOENT', async ({ rig }) => {
    const chip = rig.outputPins[0]!.chip;
    const info = (await rig.binding.list()).find((c) => c.chip === chip || c.label === chip)!;
    await expectGpioError(() => rig.binding.openOutputs([{ chip, line: info.lines }], 0), 'EINVAL');
    await expectGpioError(() => rig.binding.openInput({ chip, line: info.lines + 100 }, 'both'), 'EINVAL');
    await expectGpioError(() => rig.binding.openOutputs([{ chip: 'no-such-gpiochip', line: 0 }], 0), 'ENOENT');
  });

  it('a failed open claims nothing: the valid lines of the request stay free', async ({ rig }) => {
    const chip = rig.outputPins[0]!.chip;
    const info = (await rig.binding.list()).find((c) => c.chip === chip || c.label === chip)!;
    await expectGpioError(() => rig.binding.openOutputs([rig.outputPins[0]!, { chip, line: info.lines }], 0), 'EINVAL');
    const bank = await rig.binding.openOutputs([rig.outputPins[0]!], 1);
    assert.is(bank.commanded(), 1);
    await bank.close();
  });

  it('use after close fails with ECLOSED', async ({ rig }) => {
    const bank = await rig.binding.openOutputs(rig.outputPins.slice(0, 1), 0);
    await bank.close();
    await expectGpioError(() => bank.write(1, 1), 'ECLOSED');
    await bank.close(); // closing twice is harmless
  });

  it('after the binding closes, its banks and the binding itself refuse use with ECLOSED', async ({ rig }) => {
    const bank = await rig.binding.openOutputs(rig.outputPins.slice(0, 1), 0);
    await rig.binding.close();
    await expectGpioError(() => bank.write(1, 1), 'ECLOSED');
    await expectGpioError(() => rig.binding.openOutputs(rig.outputPins.slice(0, 1), 0), 'ECLOSED');
  });

  it('an input reads the level driven onto it and reports edges of its kind only', async ({ rig }) => {
    if (rig.loopback === undefined) {
      console.log(`gpio contract ${name}: input edges not run (the rig has no loopback to drive an input)`);
      return;
    }
    const { inputPin, driveInput } = rig.loopback;
    await driveInput(inputPin, 0);
    const both = await rig.binding.openInput(inputPin, 'both');
    assert.is(await both.read(), 0);
    const seen: Level[] = [];
    both.onEdge((level, tsMs) => {
      assert.ok(Number.isFinite(tsMs));
      seen.push(level);
    });
    await driveInput(inputPin, 1);
    await waitFor(() => seen.length >= 1);
    assert.is(await both.read(), 1);
    await driveInput(inputPin, 0);
    await waitFor(() => seen.length >= 2);
    assert.equal(seen, [1, 0]);
    await both.close();
    await expectGpioError(() => both.read(), 'ECLOSED');

    const rising = await rig.binding.openInput(inputPin, 'rising');
    const risingSeen: Level[] = [];
    const remove = rising.onEdge((level) => risingSeen.push(level));
    await driveInput(inputPin, 1);
    await driveInput(inputPin, 0);
    await driveInput(inputPin, 1);
    await waitFor(() => risingSeen.length >= 2);
    assert.equal(risingSeen, [1, 1]);
    remove();
    await driveInput(inputPin, 0);
    await driveInput(inputPin, 1);
    await settle();
    assert.equal(risingSeen, [1, 1], 'a removed listener must not be called');
    await rising.close();
  });

  it.run();
}

async function expectGpioError(action: () => Promise<unknown>, code: GpioError['code']): Promise<void> {
  try {
    await action();
  } catch (error) {
    assert.instance(error, GpioError);
    assert.is((error as GpioError).code, code);
    return;
  }
  assert.unreachable(`expected GpioError ${code}`);
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + EDGE_WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) assert.unreachable(`condition not met within ${EDGE_WAIT_MS} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Gives a real driver a moment to deliver edges that should not come. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
