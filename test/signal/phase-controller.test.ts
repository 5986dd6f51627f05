/**
 * The phase controller on simulated hardware: the example intersection's heads on a SimGpioBinding, its
 * loops, buttons and preempt as simulated inputs, all on a virtual clock. What is checked is what the
 * lamps and the pins do.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Config } from '../../edge/config/index.js';
import { createMemoryLogger } from '../../edge/log.js';
import type { ControllerEvent } from '../../edge/signal/controller/controller-events.js';
import { PhaseController } from '../../edge/signal/controller/phase-controller.js';
import { SignalHeads } from '../../edge/signal/signal-heads.js';
import { SimGpioBinding, type SimPinChange } from '../../sim/sim-gpio.js';
import { VirtualClock } from '../../sim/virtual-clock.js';
import { exampleSignal } from './controller-rig.js';

type Pin = { chip: string; line: number; activeLow?: boolean };

const BUTTON_EAST = 50; // active low, calls P2 (ns-through)
const LOOP_EW_LEFT = 49;
const PREEMPT = 52;

async function rig(signal: Config['signal'] = exampleSignal()) {
  const clock = new VirtualClock();
  const gpio = new SimGpioBinding({ clock });
  // Buttons are active low: released is a high line.
  gpio.setInput('gpiochip0', BUTTON_EAST, 1);
  gpio.setInput('gpiochip0', 51, 1);
  const heads = await SignalHeads.open(gpio, signal.groups);
  const changes: SimPinChange[] = [];
  gpio.onOutputChange((batch) => changes.push(...batch));
  const events: ControllerEvent[] = [];
  const monitoring: boolean[] = [];
  const faults: Error[] = [];
  let heartbeats = 0;
  const log = createMemoryLogger();
  const controller = new PhaseController({
    signal,
    heads,
    clock,
    // The timings below are written for a 100 ms tick (the default is 10 ms; intervals end within a tick).
    tickMs: 100,
    log,
    gpio,
    heartbeat: () => heartbeats++,
    onRedMonitoring: (enabled) => monitoring.push(enabled),
    onFault: (error) => faults.push(error),
  });
  controller.on((event) => events.push(event));
  const outputs = (group: string) => signal.groups.find((candidate) => candidate.id === group)!.outputs as Record<string, Pin>;
  const lit = (group: string, lamp: string) => {
    const pin = outputs(group)[lamp]!;
    return gpio.outputLevel(pin.chip, pin.line) ^ (pin.activeLow ? 1 : 0);
  };
  const runTo = (atMs: number) => clock.runUntilAsync(atMs);
  return { signal, clock, gpio, heads, controller, changes, events, monitoring, faults, log, lit, runTo, outputs, heartbeats: () => heartbeats };
}

test('lamps: startup flash blinks the ambers in step, then all red, then the first green', async () => {
  const { controller, lit, runTo, signal, gpio, monitoring } = await rig();
  await controller.start();
  const ambers = async (atMs: number) => {
    await runTo(atMs);
    return ['G1', 'G4', 'G8'].map((group) => lit(group, 'amber'));
  };
  assert.equal(await ambers(0), [1, 1, 1]);
  assert.equal(await ambers(500), [0, 0, 0]);
  assert.equal(await ambers(1000), [1, 1, 1]);
  assert.equal([lit('G1', 'red'), lit('G1', 'green'), lit('P1', 'dontWalk'), lit('P1', 'walk')], [0, 0, 0, 0]);
  await runTo(5000);
  assert.equal([lit('G1', 'red'), lit('G1', 'amber'), lit('P1', 'dontWalk')], [1, 0, 1]);
  await runTo(8000);
  assert.equal([lit('G1', 'red'), lit('G1', 'green'), lit('G5', 'green'), lit('G2', 'red')], [0, 1, 1, 1]);
  assert.equal(monitoring, [false, true], 'red-fail monitoring off in the startup flash, on from the all red');
  await controller.stop();
});

test('pedestrian clearance flashes the don\'t walk lamp on the flasher', async () => {
  const { controller, gpio, lit, runTo } = await rig();
  await controller.start();
  gpio.setInput('gpiochip0', BUTTON_EAST, 0);
  await runTo(200);
  gpio.setInput('gpiochip0', BUTTON_EAST, 1);
  await runTo(18_000);
  assert.equal([lit('P2', 'walk'), lit('P2', 'dontWalk'), lit('P4', 'walk')], [1, 0, 1], 'walk after a button press');
  const dontWalk: number[] = [];
  for (let t = 25_000; t < 27_000; t += 500) {
    await runTo(t);
    dontWalk.push(lit('P2', 'dontWalk'));
    assert.is(lit('P2', 'walk'), 0);
  }
  assert.equal(dontWalk, [1, 0, 1, 0]);
  await controller.stop();
});

test('no two conflicting groups ever have a green or walk lamp lit, and lamps go off before others come on', async () => {
  const { controller, gpio, changes, signal, runTo, clock } = await rig();
  await controller.start();
  // Busy traffic: the left-turn loop, the buttons, a preempt, a flash spell and a manual spell.
  const script: Array<[number, () => void]> = [
    [9000, () => gpio.setInput('gpiochip0', LOOP_EW_LEFT, 1)],
    [20_000, () => gpio.setInput('gpiochip0', BUTTON_EAST, 0)],
    [20_300, () => gpio.setInput('gpiochip0', BUTTON_EAST, 1)],
    [40_000, () => gpio.setInput('gpiochip0', LOOP_EW_LEFT, 0)],
    [45_000, () => gpio.setInput('gpiochip0', 51, 0)],
    [45_300, () => gpio.setInput('gpiochip0', 51, 1)],
    [70_000, () => gpio.setInput('gpiochip0', PREEMPT, 1)],
    [90_000, () => gpio.setInput('gpiochip0', PREEMPT, 0)],
    [150_000, () => controller.setMode('flash')],
    [200_000, () => controller.setMode('manual')],
    [230_000, () => controller.step()],
    [260_000, () => controller.step()],
    [280_000, () => controller.setMode('normal')],
  ];
  for (const [atMs, action] of script) {
    await runTo(atMs);
    action();
  }
  await runTo(400_000);

  const lampOf = new Map<number, { group: string; lamp: string }>();
  for (const group of signal.groups) for (const [lamp, pin] of Object.entries(group.outputs)) lampOf.set(pin.line, { group: group.id, lamp });
  const rightOfWay = new Set<string>();
  const level = new Map<number, number>();
  let violations = 0;
  let lastTs = -1;
  let turnedOnAtTs = false;
  let offAfterOn = 0;
  for (const change of changes) {
    const lamp = lampOf.get(change.line);
    if (!lamp) continue;
    if (change.tsMs !== lastTs) {
      lastTs = change.tsMs;
      turnedOnAtTs = false;
    }
    const was = level.get(change.line) ?? 0;
    level.set(change.line, change.level);
    if (change.level === 1 && was === 0) turnedOnAtTs = true;
    if (change.level === 0 && was === 1 && turnedOnAtTs) offAfterOn++;
    const key = lamp.group;
    const grants = lamp.lamp === 'green' || lamp.lamp === 'walk';
    if (grants && change.level === 1) rightOfWay.add(key);
    if (grants && change.level === 0) rightOfWay.delete(key);
    for (const [a, b] of signal.conflicts) if (rightOfWay.has(a) && rightOfWay.has(b)) violations++;
  }
  assert.is(violations, 0);
  assert.is(offAfterOn, 0, 'a lamp went off after another came on in the same transition');
  assert.ok(changes.length > 500, `${changes.length} lamp changes`);
  assert.ok(clock.monotonic() >= 400_000);
  await controller.stop();
});

test('a loop detector calls its phase: the left turn is served only when its loop was occupied', async () => {
  const without = await rig();
  await without.controller.start();
  await without.runTo(60_000);
  const phasesWithout = without.events.flatMap((event) => (event.type === 'phase' ? [event.phase] : []));
  assert.not.ok(phasesWithout.includes('ew-left'));
  await without.controller.stop();

  const withLoop = await rig();
  await withLoop.controller.start();
  withLoop.gpio.setInput('gpiochip0', LOOP_EW_LEFT, 1);
  await withLoop.runTo(1000);
  withLoop.gpio.setInput('gpiochip0', LOOP_EW_LEFT, 0);
  await withLoop.runTo(60_000);
  const phasesWith = withLoop.events.flatMap((event) => (event.type === 'phase' ? [event.phase] : []));
  assert.ok(phasesWith.includes('ew-left'), phasesWith.join(','));
  await withLoop.controller.stop();
});

test('a loop bounce shorter than its debounce places no call', async () => {
  const { controller, gpio, runTo, events } = await rig();
  await controller.start();
  gpio.setInput('gpiochip0', LOOP_EW_LEFT, 1);
  await runTo(20);
  gpio.setInput('gpiochip0', LOOP_EW_LEFT, 0);
  await runTo(60_000);
  assert.not.ok(events.some((event) => event.type === 'phase' && event.phase === 'ew-left'));
  await controller.stop();
});

test('camera zones: placeCall with a group id calls the phases serving it, also before start', async () => {
  const { controller, runTo, events } = await rig();
  controller.placeCall('G3', true, 'camera:zone-wb-left');
  await controller.start();
  await runTo(40_000);
  controller.placeCall('G3', false, 'camera:zone-wb-left');
  assert.ok(events.some((event) => event.type === 'phase' && event.phase === 'ew-left'));
  assert.throws(() => controller.call('nowhere', 'camera:x'), /unknown phase or group 'nowhere'/);
  await controller.stop();
});

test('the preempt input starts a preempt after its debounce, and its release ends it', async () => {
  const { controller, gpio, runTo, events, lit } = await rig();
  await controller.start();
  await runTo(9000);
  gpio.setInput('gpiochip0', PREEMPT, 1);
  await runTo(9200);
  // Debounced for 100 ms (stable at 9.1 s, just after that instant's tick), so the 9.2 s tick acts on it.
  assert.equal(events.filter((event) => event.type === 'preempt-start').map((event) => event.atMs), [9200]);
  assert.is(lit('G1', 'amber'), 1, 'ns-left cut short into its yellow');
  await runTo(20_000);
  assert.is(lit('G2', 'green'), 1, 'the preempt phase ns-through');
  gpio.setInput('gpiochip0', PREEMPT, 0);
  await runTo(60_000);
  assert.ok(events.some((event) => event.type === 'preempt-end' && event.exitPhase === 'ew-through'));
  await controller.stop();
});

test('heartbeat on every tick; snapshot and mode commands go through', async () => {
  const { controller, runTo, heartbeats } = await rig();
  assert.is(controller.snapshot(), null);
  await controller.start();
  await runTo(10_000);
  assert.is(heartbeats(), 101); // t = 0, 100, ..., 10 000
  controller.setMode('all-red');
  await runTo(30_000);
  const snapshot = controller.snapshot()!;
  assert.equal([snapshot.mode, snapshot.interval, snapshot.aspects.G1], ['all-red', 'all-red', 'red']);
  await controller.stop();
  await runTo(31_000);
  assert.is(heartbeats(), 301, 'no ticks after stop');
});

test('a failed lamp write releases the heads and stops the controller', async () => {
  const { controller, heads, runTo, faults, heartbeats, log } = await rig();
  await controller.start();
  await runTo(3000);
  await heads.close(); // every further write fails, as a dead GPIO chip would
  await runTo(6000);
  assert.is(faults.length, 1);
  assert.match(faults[0]!.message, /closed/);
  const ticks = heartbeats();
  await runTo(10_000);
  assert.is(heartbeats(), ticks, 'no ticks after the fault');
  assert.ok(log.lines.some((line) => line.includes('lamp write failed')));
  await controller.stop();
});

test.run();
