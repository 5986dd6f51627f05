import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RealClock } from '../../edge/hal/real-clock.js';
import { applySimLampFaults, parseSimLampFaults } from '../../edge/selftest/sim-fault-hook.js';
import { SimGpioBinding } from '../../sim/sim-gpio.js';
import { SimLamps } from '../../sim/sim-lamps.js';

/** The documented NUTGIAO_SELFTEST_SIM_FAULTS hook: parsed strictly, applied only to the simulator's lamps. */
const test = suite('selftest: sim fault hook');

test('parses KIND:GROUP:LAMP lists and names a bad entry', () => {
  assert.equal(parseSimLampFaults(undefined), []);
  assert.equal(parseSimLampFaults('stuck-on:G1:green, lamp-out:P2:walk'), [
    { kind: 'stuck-on', group: 'G1', lamp: 'green' },
    { kind: 'lamp-out', group: 'P2', lamp: 'walk' },
  ]);
  assert.throws(() => parseSimLampFaults('stuck:G1:green'), /'stuck:G1:green' is not KIND:GROUP:LAMP with KIND one of stuck-on, stuck-off, lamp-out, ignore-writes/);
});

test('applies to simulated lamps; refuses a sensor that is not the simulator', async () => {
  const gpio = new SimGpioBinding({ clock: new RealClock() });
  const lamps = new SimLamps(gpio, [{ id: 'G1', kind: 'vehicle', outputs: { red: { chip: 'gpiochip0', line: 0 }, amber: { chip: 'gpiochip0', line: 1 }, green: { chip: 'gpiochip0', line: 2 } } }]);
  applySimLampFaults(lamps, parseSimLampFaults('stuck-on:G1:green'));
  assert.is(lamps.isLit('G1', 'green'), true);
  const notSim = { groups: [], read: () => ({ lit: {}, flashRelayEnergised: null }), close: async () => undefined };
  assert.throws(() => applySimLampFaults(notSim, parseSimLampFaults('lamp-out:G1:red')), /monitor\.sensor must be sim/);
});

test.run();
