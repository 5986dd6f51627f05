import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateConfig, type Config } from '../../edge/config/index.js';
import { GpioReadbackLampSensor } from '../../edge/hal/gpio-readback-lamp-sensor.js';
import { createMemoryLogger } from '../../edge/log.js';
import { ConflictMonitor } from '../../edge/signal/monitor/conflict-monitor.js';
import { monitorRules } from '../../edge/signal/monitor/monitor-rules.js';
import { openLampSensor } from '../../edge/signal/monitor/open-lamp-sensor.js';
import { SignalHeads } from '../../edge/signal/signal-heads.js';
import { SimGpioBinding } from '../../sim/sim-gpio.js';
import { SimLamps } from '../../sim/sim-lamps.js';
import { VirtualClock } from '../../sim/virtual-clock.js';
import { exampleRaw } from '../config/example-raw.js';
import { GREEN, RED, TIMING } from './monitor-rig.js';

const chip1 = (line: number, activeLow = false) => ({ chip: 'gpiochip1', line, activeLow });

function bench() {
  const clock = new VirtualClock();
  const gpio = new SimGpioBinding({ clock });
  gpio.createChip('gpiochip1', 64);
  return { clock, gpio };
}

test('readback inputs give a lamp mask per group in lamp order, active-low inputs included', async () => {
  const { clock, gpio } = bench();
  const sensor = await GpioReadbackLampSensor.open(
    gpio,
    clock,
    [
      { id: 'A', kind: 'vehicle', inputs: { red: chip1(0), amber: chip1(1), green: chip1(2) } },
      { id: 'P', kind: 'pedestrian', inputs: { dontWalk: chip1(3, true), walk: chip1(4, true) } },
    ],
    { debounceMs: 0, flashRelayInput: chip1(5) },
  );
  // The active-low pedestrian inputs idle high (no current).
  gpio.setInput('gpiochip1', 3, 1);
  gpio.setInput('gpiochip1', 4, 1);
  assert.equal(sensor.read(), { lit: { A: 0, P: 0 }, flashRelayEnergised: false });
  gpio.setInput('gpiochip1', 2, 1);
  gpio.setInput('gpiochip1', 3, 0);
  gpio.setInput('gpiochip1', 5, 1);
  assert.equal(sensor.read(), { lit: { A: GREEN, P: 0b01 }, flashRelayEnergised: true });
  assert.equal(sensor.groups, [{ id: 'A', kind: 'vehicle' }, { id: 'P', kind: 'pedestrian' }]);
  await sensor.close();
  assert.is(gpio.lineMode('gpiochip1', 0), 'free', 'closing releases every input');
});

test('readback debounce: a level counts only after it held debounceMs', async () => {
  const { clock, gpio } = bench();
  const sensor = await GpioReadbackLampSensor.open(gpio, clock, [{ id: 'A', kind: 'vehicle', inputs: { red: chip1(0), amber: chip1(1), green: chip1(2) } }], { debounceMs: 10 });
  gpio.setInput('gpiochip1', 0, 1);
  clock.advance(5);
  assert.is(sensor.read().lit.A, 0);
  clock.advance(5);
  assert.is(sensor.read().lit.A, RED);
  assert.is(sensor.read().flashRelayEnergised, null, 'no relay readback wired');
  await sensor.close();
});

test('a group without an input for one of its lamps is refused, and nothing stays open', async () => {
  const { clock, gpio } = bench();
  let message = '';
  await GpioReadbackLampSensor.open(gpio, clock, [{ id: 'A', kind: 'vehicle', inputs: { red: chip1(0), amber: chip1(1) } }], { debounceMs: 0 }).catch((error: Error) => (message = error.message));
  assert.match(message, /group A has no 'green' input/);
  assert.is(gpio.lineMode('gpiochip1', 0), 'free');
});

/** The example config with a readback input per lamp: gpiochip1 line n reads back gpiochip0 line n. */
function readbackConfig(): Config {
  const raw = exampleRaw();
  raw.monitor = {
    sensor: 'gpio',
    flashRelayReadback: chip1(raw.signal.flashRelay.line),
    readback: raw.signal.groups.map((group: { id: string; outputs: Record<string, { line: number }> }) =>
      Object.fromEntries([['group', group.id], ...Object.entries(group.outputs).map(([lamp, pin]) => [lamp, chip1(pin.line)])]),
    ),
  };
  const result = validateConfig(raw);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.config;
}

test('the monitor trips through GPIO readback: a stuck-on green seen on a loopback of the lamps', async () => {
  const config = readbackConfig();
  const { clock, gpio } = bench();
  // The bench wiring: each lamp's current sensor drives the matching gpiochip1 input.
  const lamps = new SimLamps(gpio, config.signal.groups);
  gpio.onOutputChange((changes) => {
    for (const change of changes) if (change.chip === 'gpiochip0') gpio.setInput('gpiochip1', change.line, change.level);
  });
  const heads = await SignalHeads.open(gpio, config.signal.groups);
  const sensor = await openLampSensor(config, gpio, clock);
  assert.instance(sensor, GpioReadbackLampSensor);
  const stateDir = await mkdtemp(join(tmpdir(), 'nutgiao-monitor-'));
  const monitor = await ConflictMonitor.open({ ...TIMING, rules: monitorRules(config.signal), sensor, clock, stateDir, log: createMemoryLogger(), flashRelay: config.signal.flashRelay, gpio });
  for (const group of config.signal.groups) await heads.show(group.id, group.kind === 'vehicle' ? (['G2', 'G6'].includes(group.id) ? GREEN : RED) : 0b01);
  await monitor.start();
  monitor.setRedMonitoring(true);
  const ticker = clock.setRepeating(() => monitor.heartbeat(), 100);
  clock.advance(1000);
  assert.is(sensor.read().flashRelayEnergised, true, 'the relay readback follows the relay');
  assert.is(monitor.latchedFault(), null);

  lamps.injectFault('G4', 'green', { kind: 'stuck-on' });
  const start = clock.monotonic();
  clock.runUntil(() => monitor.latchedFault() !== null, { limitMs: start + 2000 });
  assert.ok(clock.monotonic() - start <= TIMING.tripMs + TIMING.pollMs);
  assert.is(monitor.latchedFault()?.kind, 'conflict');
  assert.is(sensor.read().flashRelayEnergised, false, 'the relay readback shows it released');

  clock.clearTimer(ticker);
  await monitor.stop();
  await sensor.close();
  await heads.close();
  await rm(stateDir, { recursive: true, force: true });
});

test('openLampSensor with sensor sim senses the simulator lamps', async () => {
  const raw = exampleRaw();
  const result = validateConfig(raw);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  const { clock, gpio } = bench();
  const heads = await SignalHeads.open(gpio, result.config.signal.groups);
  const sensor = await openLampSensor(result.config, gpio, clock);
  // (Not instanceof: the factory loads the simulator by dynamic import, which the test runner may load a second time.)
  assert.is(sensor.read().flashRelayEnergised, false, 'it senses the relay output too');
  await heads.show('G3', RED);
  assert.is(sensor.read().lit.G3, RED);
  await heads.close();
});

test.run();
