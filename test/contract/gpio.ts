import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GpioError, type GpioBinding, type Level, type OutputBank, type PinSpec } from '../../edge/hal/gpio.js';

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

/** Real lines named by the environment for the hardware half of a driver's contract test (see above). */
export interface HardwareGpioTarget {
  chip: string;
  outputLines: number[];
  loopback?: { from: number; to: number };
}

export const HARDWARE_GPIO_HINT =
  'set NUTGIAO_TEST_GPIO_CHIP=gpiochip0 NUTGIAO_TEST_GPIO_OUTPUTS=5,6,13 and, with a wire from line 19 to 26, NUTGIAO_TEST_GPIO_LOOPBACK=19>26';

/** The target from NUTGIAO_TEST_GPIO_CHIP/_OUTPUTS/_LOOPBACK, undefined when no chip is named; throws on a malformed value. */
export function hardwareGpioTargetFromEnv(env: NodeJS.ProcessEnv = process.env, chip = env.NUTGIAO_TEST_GPIO_CHIP): HardwareGpioTarget | undefined {
  if (chip === undefined || chip === '') return undefined;
  const outputs = (env.NUTGIAO_TEST_GPIO_OUTPUTS ?? '').split(',').filter((s) => s.trim() !== '').map(Number);
  if (outputs.length < 3 || !outputs.every((line) => Number.isInteger(line) && line >= 0)) {
    throw new Error(`NUTGIAO_TEST_GPIO_OUTPUTS must name at least three free lines, e.g. 5,6,13 (got ${JSON.stringify(env.NUTGIAO_TEST_GPIO_OUTPUTS)})`);
  }
  const target: HardwareGpioTarget = { chip, outputLines: outputs };
  const loopback = env.NUTGIAO_TEST_GPIO_LOOPBACK;
  if (loopback !== undefined && loopback !== '') {
    const match = /^(\d+)>(\d+)$/.exec(loopback.trim());
    if (match === null) throw new Error(`NUTGIAO_TEST_GPIO_LOOPBACK must be OUTPUT>INPUT, e.g. 19>26 (got ${JSON.stringify(loopback)})`);
    target.loopback = { from: Number(match[1]), to: Number(match[2]) };
  }
  return target;
}

/** Registers one passing test that says the hardware half was not run and how to run it: never a silent skip. */
export function reportHardwareGpioContractNotRun(driver: string, hint = HARDWARE_GPIO_HINT): void {
  const it = suite(`gpio contract: ${driver} on hardware`);
  it('not run without hardware', () => {
    console.log(`hardware GPIO contract (${driver}): not run (${hint})`);
  });
  it.run();
}

/**
 * A loopback through a wire from one output line to the input line, driven through the binding under test
 * itself (its output end is opened on first use and closed with the binding), as on real hardware.
 * holdMs: how long each level stays on the wire before driveInput resolves, for a binding that samples
 * its inputs instead of taking interrupts (it sees only levels held longer than its period).
 */
export function loopbackThroughBinding(binding: GpioBinding, wireFrom: PinSpec, inputPin: PinSpec, holdMs = 0): GpioLoopback {
  let wireEnd: Promise<OutputBank> | undefined;
  return {
    inputPin,
    async driveInput(pin, level) {
      assert.equal(pin, inputPin, 'the loopback drives only its own input pin');
      wireEnd ??= binding.openOutputs([wireFrom], level);
      await (await wireEnd).write(1, level);
      if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
    },
  };
}
