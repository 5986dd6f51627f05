import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GpioError } from '../../edge/hal/gpio.js';
import { LAMP_ORDER } from '../../edge/hal/lamp-sensor.js';
import { lampMask, SignalHeads } from '../../edge/signal/signal-heads.js';
import { SimGpioBinding } from '../../sim/sim-gpio.js';
import { SimLamps, type SimLampGroup } from '../../sim/sim-lamps.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

const pin = (line: number, activeLow = false) => ({ chip: 'gpiochip0', line, activeLow });

const GROUPS: SimLampGroup[] = [
  { id: 'A', kind: 'vehicle', outputs: { red: pin(0), amber: pin(1), green: pin(2) } },
  // Active-low outputs (a relay board that switches on a low level): the lamp is lit when the pin is low.
  { id: 'B', kind: 'vehicle', outputs: { red: pin(3, true), amber: pin(4, true), green: pin(5, true) } },
  { id: 'P', kind: 'pedestrian', outputs: { dontWalk: pin(6), walk: pin(7) } },
];
const RELAY = pin(8);

async function bench() {
  const clock = new VirtualClock();
  const gpio = new SimGpioBinding({ clock });
  const heads = await SignalHeads.open(gpio, GROUPS);
  // The relay as the conflict monitor drives it: a plain output.
  const relay = await gpio.openOutputs([RELAY], 0);
  const lamps = new SimLamps(gpio, GROUPS, RELAY);
  return { clock, gpio, heads, relay, lamps };
}

const RED = lampMask('vehicle', ['red']);
const GREEN = lampMask('vehicle', ['green']);

test('lamp masks use the bit order SignalHeads writes in, for vehicle and pedestrian heads', () => {
  for (const kind of ['vehicle', 'pedestrian'] as const) {
    LAMP_ORDER[kind].forEach((lamp, bit) => assert.is(lampMask(kind, [lamp]), 1 << bit, `${kind} ${lamp}`));
  }
});

test('a lamp draws current while its output is asserted, active-low outputs included', async () => {
  const { heads, lamps } = await bench();
  assert.equal(lamps.read().lit, { A: 0, B: 0, P: 0 });
  await heads.show('A', RED);
  await heads.show('B', GREEN);
  await heads.show('P', lampMask('pedestrian', ['walk']));
  assert.equal(lamps.read().lit, { A: RED, B: GREEN, P: 0b10 });
  assert.ok(lamps.isLit('B', 'green'));
  assert.not.ok(lamps.isLit('B', 'red'));
});

test('the flash-transfer relay is read as energised or released', async () => {
  const { relay, lamps } = await bench();
  assert.is(lamps.read().flashRelayEnergised, false);
  await relay.write(1, 1);
  assert.is(lamps.read().flashRelayEnergised, true);
  const withoutRelay = new SimLamps(new SimGpioBinding({ clock: new VirtualClock() }), GROUPS);
  assert.is(withoutRelay.read().flashRelayEnergised, null, 'not sensed when the cabinet has no relay');
});

test('stuck-on lights a lamp whatever is written, stuck-off keeps it dark (on active-low pins too)', async () => {
  const { heads, lamps } = await bench();
  lamps.injectFault('A', 'green', { kind: 'stuck-on' });
  lamps.injectFault('B', 'green', { kind: 'stuck-on' });
  lamps.injectFault('B', 'red', { kind: 'stuck-off' });
  await heads.show('A', RED);
  await heads.show('B', RED);
  assert.is(lamps.read().lit.A, RED | GREEN);
  assert.is(lamps.read().lit.B, GREEN);
  lamps.clearFault('B', 'red');
  lamps.clearFault('B', 'green');
  assert.is(lamps.read().lit.B, RED, 'after the fault is cleared the lamp follows its output again');
});

test('lamp-out: the output is driven but the burnt-out lamp draws no current', async () => {
  const { gpio, heads, lamps } = await bench();
  lamps.injectFault('A', 'red', { kind: 'lamp-out' });
  await heads.show('A', RED);
  assert.is(gpio.outputLevel('gpiochip0', 0), 1, 'the pin is driven');
  assert.is(lamps.read().lit.A, 0, 'but no current flows');
  lamps.clearFault('A', 'red');
  assert.is(lamps.read().lit.A, RED, 'a new lamp lights at once');
});

test('ignore-writes: the lamp keeps what it showed before the fault', async () => {
  const { heads, lamps } = await bench();
  await heads.show('A', GREEN);
  lamps.injectFault('A', 'green', { kind: 'ignore-writes' });
  await heads.show('A', RED);
  assert.is(lamps.read().lit.A, RED | GREEN);
});

test('slow relay: the lamp changes delayMs after the write, on the binding clock', async () => {
  const { clock, heads, lamps } = await bench();
  await heads.show('A', RED);
  lamps.injectFault('A', 'red', { kind: 'slow', delayMs: 150 });
  await heads.show('A', GREEN);
  assert.is(lamps.read().lit.A, RED | GREEN, 'the red relay has not dropped yet');
  clock.advance(149);
  assert.is(lamps.read().lit.A, RED | GREEN);
  clock.advance(1);
  assert.is(lamps.read().lit.A, GREEN);
});

test('a sensing board that stops answering makes read() throw a GpioError until restored', async () => {
  const { lamps } = await bench();
  lamps.failReads('EIO');
  try {
    lamps.read();
    assert.unreachable('read should throw');
  } catch (error) {
    assert.instance(error, GpioError);
    assert.is((error as GpioError).code, 'EIO');
  }
  lamps.restoreReads();
  assert.equal(lamps.read().lit, { A: 0, B: 0, P: 0 });
});

test('unknown groups and lamps are refused with what exists', async () => {
  const { lamps } = await bench();
  assert.throws(() => lamps.injectFault('Z', 'red', { kind: 'lamp-out' }), /unknown group 'Z'/);
  assert.throws(() => lamps.injectFault('P', 'green', { kind: 'lamp-out' }), /pedestrian head has no 'green' lamp \(lamps: dontWalk, walk\)/);
  assert.throws(() => new SimLamps(new SimGpioBinding({ clock: new VirtualClock() }), [{ id: 'X', kind: 'vehicle', outputs: { red: pin(0) } }]), /group X has no 'amber' output/);
});

test.run();
