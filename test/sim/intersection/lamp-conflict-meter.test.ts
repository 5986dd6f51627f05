import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lampMask, SignalHeads } from '../../../edge/signal/signal-heads.js';
import { SimGpioBinding } from '../../../sim/sim-gpio.js';
import { LampConflictMeter } from '../../../sim/intersection/lamp-conflict-meter.js';
import { SimLamps, type SimLampGroup } from '../../../sim/sim-lamps.js';
import { VirtualClock } from '../../../sim/virtual-clock.js';

const pin = (line: number) => ({ chip: 'gpiochip0', line, activeLow: false });
const GROUPS: SimLampGroup[] = [
  { id: 'G1', kind: 'vehicle', outputs: { red: pin(0), amber: pin(1), green: pin(2) } },
  { id: 'G2', kind: 'vehicle', outputs: { red: pin(3), amber: pin(4), green: pin(5) } },
  { id: 'P1', kind: 'pedestrian', outputs: { dontWalk: pin(6), walk: pin(7) } },
];
const RELAY = pin(8);
const RED = lampMask('vehicle', ['red']);
const AMBER = lampMask('vehicle', ['amber']);
const GREEN = lampMask('vehicle', ['green']);
const WALK = lampMask('pedestrian', ['walk']);

async function rig() {
  const clock = new VirtualClock();
  const gpio = new SimGpioBinding({ clock });
  // The relay is a plain output here, energised by hand (the monitor owns it in a node).
  const heads = await SignalHeads.open(gpio, GROUPS);
  const relay = await gpio.openOutputs([RELAY], 1);
  const lamps = new SimLamps(gpio, GROUPS, RELAY);
  const meter = new LampConflictMeter(lamps, gpio, [['G1', 'G2'], ['G2', 'P1']], clock);
  return { clock, gpio, heads, relay, lamps, meter };
}

test('conflicting greens are measured at the lamps for as long as they are lit together', async () => {
  const { clock, heads, meter } = await rig();
  await heads.show('G1', GREEN);
  await heads.show('G2', RED);
  clock.advance(1000);
  assert.is(meter.read().conflictMs, 0);
  await heads.show('G2', AMBER); // green against amber: a conflict
  clock.advance(250);
  await heads.show('G2', RED);
  clock.advance(1000);
  await heads.show('P1', WALK); // not in conflict with G1
  await heads.show('G2', GREEN); // G2 green with G1 green and P1 walk: one interval
  clock.advance(100);
  await heads.show('G2', RED);
  meter.stop();
  assert.equal(meter.read(), { conflictMs: 350, conflicts: 2, firstConflictAtMs: 1000 });
});

test('a stuck-on green counts as lit; a burnt-out lamp does not; cabinet flash is never a conflict', async () => {
  const { clock, heads, relay, lamps, meter } = await rig();
  await heads.show('G1', GREEN);
  lamps.injectFault('G2', 'green', { kind: 'stuck-on' });
  clock.advance(500);
  await relay.write(1, 0); // the monitor released the relay: the cabinet flashes
  clock.advance(5000);
  assert.is(meter.read().conflictMs, 500);
  await relay.write(1, 1);
  lamps.injectFault('G1', 'green', { kind: 'lamp-out' });
  meter.sample();
  clock.advance(1000);
  assert.is(meter.read().conflictMs, 500);
});

test('ambers flashing together (controller flash) are not a conflict', async () => {
  const { clock, heads, meter } = await rig();
  for (let i = 0; i < 10; i++) {
    await heads.show('G1', i % 2 ? AMBER : 0);
    await heads.show('G2', i % 2 ? AMBER : 0);
    clock.advance(500);
  }
  assert.is(meter.read().conflictMs, 0);
});

test.run();
