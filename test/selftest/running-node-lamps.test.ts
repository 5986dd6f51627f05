import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIG_PATH, loadConfigFile, type Config } from '../../edge/config/index.js';
import { RealClock } from '../../edge/hal/real-clock.js';
import { createMemoryLogger } from '../../edge/log.js';
import { lampCheckOnRig } from '../../edge/selftest/lamp-check.js';
import { openRunningLampRig } from '../../edge/selftest/running-lamp-rig.js';
import { runSelftest } from '../../edge/selftest/selftest-runner.js';
import type { ControllerEvent } from '../../edge/signal/controller/index.js';
import { SignalService } from '../../edge/signal/signal-service.js';
import { LampConflictMeter } from '../../sim/intersection/lamp-conflict-meter.js';
import { SimGpioBinding } from '../../sim/sim-gpio.js';
import { SimLamps } from '../../sim/sim-lamps.js';

/**
 * The lamp test on a running node's signal: flash first through the controller's own timing (no green,
 * yellow or red clearance cut short), then the relay released while each lamp is driven, then back to
 * the operator's mode, and at no moment two conflicting groups lit at the road.
 */
const test = suite('selftest: lamps on a running node');

interface Running {
  config: Config;
  signal: SignalService;
  lamps: SimLamps;
  gpio: SimGpioBinding;
  meter: LampConflictMeter;
  events: ControllerEvent[];
  relayChanges: Array<{ level: number; atMs: number }>;
  monitorEvents: string[];
  stop(): Promise<void>;
}

async function runningSignal(): Promise<Running> {
  const loaded = await loadConfigFile(EXAMPLE_CONFIG_PATH);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const config = structuredClone(loaded.config);
  // A short start, and only the shortest phase called, so the green to be ended is ns-left's 5 s minimum.
  config.signal.startup = { flashS: 0, allRedS: 1 };
  config.signal.schedule = [];
  config.signal.preempt = undefined;
  const nsLeft = config.signal.phases.find((phase) => phase.id === 'ns-left')!;
  Object.assign(nsLeft, { minGreen: 5, yellow: 3, redClearance: 0.5 });
  const clock = new RealClock();
  const gpio = new SimGpioBinding({ clock });
  gpio.recording = false;
  const lamps = new SimLamps(gpio, config.signal.groups, config.signal.flashRelay);
  const stateDir = await mkdtemp(join(tmpdir(), 'nutgiao-running-lamps-'));
  const events: ControllerEvent[] = [];
  const monitorEvents: string[] = [];
  const signal = new SignalService({
    config,
    gpio,
    lampSensor: lamps,
    clock,
    stateDir,
    log: createMemoryLogger('signal'),
    onState: () => undefined,
    onControllerEvent: (event) => events.push(event),
    onMonitorEvent: (event) => monitorEvents.push(event.type),
  });
  const relay = config.signal.flashRelay!;
  const relayChanges: Array<{ level: number; atMs: number }> = [];
  gpio.onOutputChange((changes) => {
    for (const change of changes) if (change.chip === relay.chip && change.line === relay.line) relayChanges.push({ level: change.level, atMs: clock.monotonic() });
  });
  await signal.start();
  const meter = new LampConflictMeter(lamps, gpio, config.signal.conflicts, clock);
  return {
    config,
    signal,
    lamps,
    gpio,
    meter,
    events,
    relayChanges,
    monitorEvents,
    stop: async () => {
      meter.stop();
      await signal.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

function lampTest(running: Running, flashWithinMs: number) {
  const { config, signal, lamps } = running;
  return lampCheckOnRig({
    groups: config.signal.groups,
    flashRelay: config.signal.flashRelay,
    settleMs: 2,
    timeoutMs: flashWithinMs + 10_000,
    openRig: () => openRunningLampRig({ signal, sensor: lamps, flashWithinMs, log: createMemoryLogger('selftest') }),
  });
}

const waitFor = async (what: string, check: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

test('flash through the full clearances, every lamp tested with the relay released, then normal again with no conflict', async () => {
  const running = await runningSignal();
  try {
    const controller = running.signal.phaseController();
    controller.placeCall('ns-left', true, 'test');
    await waitFor('the ns-left green', () => controller.snapshot()?.interval === 'green', 5000);
    const greenAt = running.events.filter((event) => event.type === 'interval' && event.interval === 'green').at(-1)!.atMs;

    // A green just begun cannot reach flash in 0.2 s: refused, the mode put back, the relay never moved.
    const refused = await runSelftest([lampTest(running, 200)]);
    assert.is(refused.rows[0]!.status, 'fail');
    assert.match(refused.rows[0]!.detail, /refused: the controller did not reach flash within 0.2 s .*mode normal restored/);
    assert.is(controller.snapshot()?.mode, 'normal');
    assert.ok(running.relayChanges.every((change) => change.level === 1), 'the relay was not released');

    const report = await runSelftest([lampTest(running, 20_000)]);
    assert.equal(report.rows.map((entry) => [entry.check, entry.status]), [['lamps', 'pass']], JSON.stringify(report.rows));
    assert.is(report.rows[0]!.measured.lamps, 32);

    const intervals = running.events.filter((event): event is Extract<ControllerEvent, { type: 'interval' }> => event.type === 'interval' && event.atMs >= greenAt);
    const [yellow, clearance, flash] = intervals.slice(1, 4);
    assert.equal([yellow?.interval, clearance?.interval, flash?.interval], ['yellow', 'red-clearance', 'flash'], 'the green ended through its yellow and red clearance');
    const phase = running.config.signal.phases.find((entry) => entry.id === 'ns-left')!;
    assert.ok(yellow!.atMs - greenAt >= phase.minGreen * 1000, `minimum green kept: ${yellow!.atMs - greenAt} ms`);
    assert.ok(clearance!.atMs - yellow!.atMs >= phase.yellow * 1000, `yellow kept: ${clearance!.atMs - yellow!.atMs} ms`);
    assert.ok(flash!.atMs - clearance!.atMs >= phase.redClearance * 1000, `red clearance kept: ${flash!.atMs - clearance!.atMs} ms`);

    const released = running.relayChanges.find((change) => change.level === 0);
    assert.ok(released && released.atMs >= flash!.atMs, 'the relay was released only once the controller showed flash');
    assert.ok(running.relayChanges.at(-1)!.level === 1, 'the relay is energised again after the test');

    const modes = running.events.filter((event) => event.type === 'mode').map((event) => (event as { mode: string }).mode);
    assert.equal(modes, ['flash', 'normal', 'flash', 'normal'], 'back to the operator\'s mode after each');
    await waitFor('a green again after flash and all red', () => controller.snapshot()?.interval === 'green', 10_000);
    assert.is(running.meter.read().conflictMs, 0, 'no conflicting lamps at the road');
    assert.equal(running.monitorEvents, [], 'the conflict monitor did not trip');
  } finally {
    await running.stop();
  }
});

test('a faulty lamp is reported on its own row, and an all-red intersection returns to all red', async () => {
  const running = await runningSignal();
  try {
    const controller = running.signal.phaseController();
    controller.setMode('all-red');
    await waitFor('all red', () => controller.snapshot()?.interval === 'all-red', 5000);
    running.lamps.injectFault('G2', 'amber', { kind: 'lamp-out' });
    const report = await runSelftest([lampTest(running, 20_000)]);
    assert.equal(report.rows.map((entry) => [entry.check, entry.status, entry.measured.fault ?? null]), [['lamps', 'fail', null], ['lamp G2.amber', 'fail', 'dark-when-driven']]);
    await waitFor('all red again', () => controller.snapshot()?.interval === 'all-red', 5000);
    assert.is(controller.snapshot()?.mode, 'all-red');
    assert.ok(running.relayChanges.at(-1)!.level === 1, 'the relay is energised again');
    assert.is(running.meter.read().conflictMs, 0);
    assert.equal(running.monitorEvents, []);

    // While a lamp test holds the relay released, a reset (which energises it) is refused.
    const monitor = running.signal.conflictMonitor();
    const endHold = await monitor.holdForLampTest();
    assert.is(running.relayChanges.at(-1)!.level, 0);
    const reset = await monitor.reset('test');
    assert.equal(reset, { ok: false, reason: 'a lamp test holds the flash-transfer relay released: reset once it has ended' });
    await endHold();
    assert.is(running.relayChanges.at(-1)!.level, 1);
  } finally {
    await running.stop();
  }
});

test.run();
