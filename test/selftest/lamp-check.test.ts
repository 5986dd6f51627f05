import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RealClock } from '../../edge/hal/real-clock.js';
import type { PinSpec } from '../../edge/hal/gpio.js';
import { GpioReadbackLampSensor } from '../../edge/hal/gpio-readback-lamp-sensor.js';
import { lampCheck, type LampTestGroup } from '../../edge/selftest/lamp-check.js';
import { runSelftest } from '../../edge/selftest/selftest-runner.js';
import { SimGpioBinding } from '../../sim/sim-gpio.js';
import { SimLamps } from '../../sim/sim-lamps.js';

/** The lamp test on the simulator's lamps with current sensing, faults injected per lamp. */
const test = suite('selftest: lamps');

const pin = (line: number): PinSpec => ({ chip: 'gpiochip0', line });
const RELAY = pin(40);
const GROUPS: LampTestGroup[] = [
  { id: 'G1', kind: 'vehicle', outputs: { red: pin(0), amber: pin(1), green: pin(2) } },
  { id: 'G2', kind: 'vehicle', outputs: { red: pin(3), amber: pin(4), green: pin(5) } },
  { id: 'P1', kind: 'pedestrian', outputs: { dontWalk: pin(6), walk: pin(7) } },
];

function bench(relay: PinSpec | null = RELAY) {
  const flashRelay = relay ?? undefined;
  const gpio = new SimGpioBinding({ clock: new RealClock() });
  const lamps = new SimLamps(gpio, GROUPS, flashRelay);
  const check = lampCheck({ gpio, groups: GROUPS, flashRelay, settleMs: 0, openSensor: async () => lamps });
  return { gpio, lamps, run: async () => (await runSelftest([check])).rows };
}

test('a healthy head set passes: every lamp lit on command and dark after, relay released throughout', async () => {
  const { gpio, run } = bench();
  const relayWrites: number[] = [];
  gpio.onOutputChange((changes) => {
    for (const change of changes) if (change.line === RELAY.line) relayWrites.push(change.level);
  });
  const rows = await run();
  assert.equal(rows.map((entry) => [entry.check, entry.status]), [['lamps', 'pass']]);
  assert.is(rows[0]!.measured.lamps, 8);
  assert.match(rows[0]!.detail, /relay released \(sensed\)/);
  assert.equal(relayWrites.filter((level) => level === 1), [], 'the relay was never energised');
  for (let line = 0; line < 8; line++) assert.is(gpio.outputLevel('gpiochip0', line), 0, `output ${line} is off after the test`);
  // Lines are let go, so the node can take them at its next start.
  await gpio.openOutputs([pin(0), RELAY], 0);
});

test('each injected fault is caught on its own lamp: stuck on, stuck off, lamp out, ignored writes', async () => {
  const { lamps, run } = bench();
  lamps.injectFault('G1', 'green', { kind: 'stuck-on' });
  lamps.injectFault('G2', 'red', { kind: 'stuck-off' });
  lamps.injectFault('G2', 'amber', { kind: 'lamp-out' });
  lamps.injectFault('P1', 'walk', { kind: 'ignore-writes' });
  const rows = await run();
  assert.equal(
    rows.map((entry) => [entry.check, entry.status, entry.measured.fault ?? null]),
    [
      ['lamps', 'fail', null],
      ['lamp G1.green', 'fail', 'stuck-on'],
      ['lamp G2.red', 'fail', 'dark-when-driven'],
      ['lamp G2.amber', 'fail', 'dark-when-driven'],
      ['lamp P1.walk', 'fail', 'dark-when-driven'],
    ],
  );
  assert.match(rows[0]!.detail, /^4 of 8 lamps faulty/);
  assert.match(rows[1]!.detail, /stuck on: lit while its output is off/);
});

test('crossed wiring: driving one output lights another lamp', async () => {
  const gpio = new SimGpioBinding({ clock: new RealClock() });
  // The sensor's G2.green sits on G1.green's output: the wire of G1.green also feeds G2.green.
  const sensed: LampTestGroup[] = [GROUPS[0]!, { ...GROUPS[1]!, outputs: { ...GROUPS[1]!.outputs, green: pin(2) } }, GROUPS[2]!];
  const lamps = new SimLamps(gpio, sensed, RELAY);
  const rows = (await runSelftest([lampCheck({ gpio, groups: GROUPS, flashRelay: RELAY, settleMs: 0, openSensor: async () => lamps })])).rows;
  const crossed = rows.find((entry) => entry.check === 'lamp G1.green');
  assert.ok(crossed, JSON.stringify(rows));
  assert.is(crossed!.measured.fault, 'crossed');
  assert.match(crossed!.detail, /also lit: G2\.green/);
  assert.is(rows.find((entry) => entry.check === 'lamp G2.green')?.measured.fault, 'dark-when-driven');
});

test('refused without a flash-transfer relay: nothing is driven', async () => {
  const { gpio, run } = bench(null);
  const rows = await run();
  assert.is(rows[0]!.status, 'fail');
  assert.match(rows[0]!.detail, /^refused: no signal\.flashRelay/);
  assert.equal(gpio.history, []);
});

test('refused when the relay reads energised although released (welded contact): no lamp is driven', async () => {
  const { gpio, run } = bench();
  gpio.injectFault(RELAY.chip, RELAY.line, { kind: 'stuck', level: 1 });
  const driven: number[] = [];
  gpio.onOutputChange((changes) => {
    for (const change of changes) if (change.line < 8 && change.level === 1) driven.push(change.line);
  });
  const rows = await run();
  assert.equal(rows.map((entry) => entry.status), ['fail']);
  assert.match(rows[0]!.detail, /relay reads energised/);
  assert.equal(driven, []);
});

test('lines held by another holder (the running node) are reported as EBUSY with the fix', async () => {
  const { gpio, run } = bench();
  await gpio.openOutputs([pin(3), pin(4), pin(5)], 0);
  const rows = await run();
  assert.equal(rows.map((entry) => [entry.check, entry.status, entry.measured.code]), [['lamps', 'fail', 'EBUSY']]);
  assert.match(rows[0]!.detail, /held by another process .*stop the running node first/);
});

test('through GPIO readback inputs (a cabinet without relay contact sensing): faults caught, the unsensed relay a warning', async () => {
  const clock = new RealClock();
  const gpio = new SimGpioBinding({ clock });
  const READBACK_OFFSET = 20;
  const burntOut = new Set([1]); // G1.amber: its output switches, no current flows
  // The cabinet's sensing circuit: each lamp's current sensor on the readback line 20 above its output.
  gpio.onOutputChange((changes) => {
    for (const change of changes) {
      if (change.line < 8) gpio.setInput('gpiochip0', change.line + READBACK_OFFSET, burntOut.has(change.line) ? 0 : change.level);
    }
  });
  const readbackGroups = GROUPS.map((group) => ({
    id: group.id,
    kind: group.kind,
    inputs: Object.fromEntries(Object.entries(group.outputs).map(([lamp, output]) => [lamp, pin(output.line + READBACK_OFFSET)])),
  }));
  const openSensor = () => GpioReadbackLampSensor.open(gpio, clock, readbackGroups, { debounceMs: 5 });
  const rows = (await runSelftest([lampCheck({ gpio, groups: GROUPS, flashRelay: RELAY, settleMs: 20, openSensor })])).rows;
  assert.equal(rows.map((entry) => [entry.check, entry.status]), [['lamps', 'fail'], ['lamp G1.amber', 'fail']]);
  assert.match(rows[0]!.detail, /relay released \(commanded; not sensed\); no monitor\.flashRelayReadback/);
  burntOut.clear();
  const healthy = (await runSelftest([lampCheck({ gpio, groups: GROUPS, flashRelay: RELAY, settleMs: 20, openSensor })])).rows;
  assert.equal(healthy.map((entry) => [entry.check, entry.status]), [['lamps', 'warn']]);
});

test.run();
