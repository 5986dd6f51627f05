import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfigFile, EXAMPLE_CONFIG_PATH, type Config } from '../../edge/config/index.js';
import { createMemoryLogger } from '../../edge/log.js';
import { FlashMode } from '../../edge/signal/flash-mode.js';
import { SignalHeads } from '../../edge/signal/signal-heads.js';
import { SimGpioBinding } from '../../sim/sim-gpio.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

async function exampleSignal(): Promise<Config['signal']> {
  const loaded = await loadConfigFile(EXAMPLE_CONFIG_PATH);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  return loaded.config.signal;
}

async function rig() {
  const signal = await exampleSignal();
  const clock = new VirtualClock();
  const gpio = new SimGpioBinding({ clock });
  const heads = await SignalHeads.open(gpio, signal.groups, signal.flashRelay);
  const level = (pin: { chip: string; line: number; activeLow?: boolean }) => gpio.outputLevel(pin.chip, pin.line) ^ (pin.activeLow ? 1 : 0);
  return { signal, clock, gpio, heads, level };
}

test('flash: vehicle ambers blink at 1 Hz together, reds and greens stay off, pedestrian heads dark, relay energised', async () => {
  const { signal, clock, heads, level } = await rig();
  const flash = new FlashMode(heads, clock, createMemoryLogger());
  await flash.start();
  const vehicles = signal.groups.filter((group) => group.kind === 'vehicle');
  const pedestrians = signal.groups.filter((group) => group.kind === 'pedestrian');
  assert.ok(vehicles.length === 8 && pedestrians.length === 4);
  assert.is(level(signal.flashRelay!), 1);
  const ambers: number[] = [];
  for (let step = 0; step < 4; step++) {
    const lit = vehicles.map((group) => level((group.outputs as Record<string, { chip: string; line: number }>).amber!));
    assert.ok(lit.every((value) => value === lit[0]), 'every amber in step');
    ambers.push(lit[0]!);
    for (const group of vehicles) {
      const outputs = group.outputs as Record<string, { chip: string; line: number }>;
      assert.is(level(outputs.red!), 0);
      assert.is(level(outputs.green!), 0);
    }
    for (const group of pedestrians) for (const pin of Object.values(group.outputs)) assert.is(level(pin), 0);
    clock.advance(500);
    await Promise.resolve();
  }
  assert.equal(ambers, [1, 0, 1, 0]);
  assert.equal(flash.aspects().G1, 'flashing-amber');
  assert.equal(flash.aspects().P1, 'dark');
  flash.stop();
});

test('a head changes in one masked write: all its lamps at one timestamp', async () => {
  const { gpio, heads } = await rig();
  gpio.clearHistory();
  await heads.show('G2', 0b100);
  const writes = gpio.history;
  assert.is(writes.length, 3, 'red, amber and green written');
  assert.ok(writes.every((write) => write.tsMs === writes[0]!.tsMs));
  assert.is(heads.lit('G2'), 0b100);
});

test('release: every lamp off and the flash relay released, even when one output fails', async () => {
  const { signal, clock, gpio, heads, level } = await rig();
  const flash = new FlashMode(heads, clock, createMemoryLogger());
  await flash.start();
  flash.stop();
  const g1 = signal.groups.find((group) => group.id === 'G1')!;
  const stuckAmber = (g1.outputs as Record<string, { chip: string; line: number }>).amber!;
  gpio.injectFault(stuckAmber.chip, stuckAmber.line, { kind: 'stuck', level: 1 });
  await heads.release();
  assert.is(level(signal.flashRelay!), 0, 'relay released: the cabinet flashes');
  for (const group of signal.groups) {
    for (const pin of Object.values(group.outputs)) {
      if (pin === stuckAmber) continue;
      assert.is(level(pin), 0, `${group.id} lamp off`);
    }
  }
  assert.is(heads.lit('G1'), 0, 'commanded off even where the pin is stuck');
});

test('opening heads on a line that is already taken fails and closes what it opened', async () => {
  const signal = await exampleSignal();
  const clock = new VirtualClock();
  const gpio = new SimGpioBinding({ clock });
  const taken = (signal.groups[3]!.outputs as Record<string, { chip: string; line: number }>).red!;
  gpio.injectFault(taken.chip, taken.line, { kind: 'open-error', code: 'EBUSY' });
  const failure = await SignalHeads.open(gpio, signal.groups, signal.flashRelay).then(
    () => null,
    (error: Error) => error,
  );
  assert.ok(failure, 'opening must fail');
  assert.match(String(failure?.message) + String((failure as { code?: string }).code), /EBUSY/);
  const first = (signal.groups[0]!.outputs as Record<string, { chip: string; line: number }>).red!;
  assert.is(gpio.lineMode(first.chip, first.line), 'free', 'the heads opened before the failure were closed');
});

test.run();
