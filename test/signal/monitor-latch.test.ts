import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lampMask } from '../../edge/signal/signal-heads.js';
import { TIMING, msUntilLatched, monitorRig, runningRig } from './monitor-rig.js';

const faultFile = (stateDir: string) => join(stateDir, 'monitor-fault.json');
const exists = (path: string) => readFile(path).then(() => true, () => false);

test('the latch survives a restart; reset is refused while the conflict is present and clears it once gone', async () => {
  const rig = await runningRig();
  rig.lamps.injectFault('G4', 'green', { kind: 'stuck-on' });
  msUntilLatched(rig);
  const tripped = await rig.waitForEvent('tripped');

  // A restart (a new monitor on the same state dir) stays in flash.
  const monitor = await rig.restartMonitor();
  rig.startTicking();
  assert.equal(monitor.latchedFault(), tripped.fault);
  assert.is(rig.relayEnergised(), false, 'the relay is not energised at start');
  const atStart = await rig.waitForEvent('latched-at-start');
  assert.equal(atStart.fault, tripped.fault);
  rig.clock.advance(5000);
  assert.is(rig.relayEnergised(), false, 'still in flash seconds later');

  const refused = await monitor.reset('tech-17');
  assert.is(refused.ok, false);
  assert.match(!refused.ok ? refused.reason : '', /fault still present: G2 shows green while conflicting G4 shows red\+green/);
  assert.ok(await exists(faultFile(rig.stateDir)), 'the record stays while refused');
  assert.is(rig.relayEnergised(), false);

  rig.lamps.clearFault('G4', 'green');
  rig.clock.advance(100);
  const accepted = await monitor.reset('tech-17');
  assert.equal(accepted, { ok: true, cleared: tripped.fault });
  assert.is(rig.relayEnergised(), true, 'the relay is energised again');
  assert.is(monitor.latchedFault(), null);
  assert.not.ok(await exists(faultFile(rig.stateDir)), 'the record is removed');
  const reset = await rig.waitForEvent('reset');
  assert.is(reset.type === 'reset' && reset.by, 'tech-17');

  // Cleared for good: another restart starts energised and unlatched.
  const again = await rig.restartMonitor();
  assert.is(again.latchedFault(), null);
  assert.is(rig.relayEnergised(), true);
  await rig.close();
});

test('after a reset the monitor trips again on a new fault', async () => {
  const rig = await runningRig();
  rig.lamps.injectFault('G1', 'red', { kind: 'lamp-out' });
  msUntilLatched(rig);
  await rig.waitForEvent('tripped');
  rig.lamps.clearFault('G1', 'red');
  assert.is((await rig.monitor.reset()).ok, true);
  rig.lamps.injectFault('G4', 'green', { kind: 'stuck-on' });
  assert.ok(msUntilLatched(rig) <= TIMING.tripMs + TIMING.pollMs);
  assert.is(rig.monitor.latchedFault()?.kind, 'conflict');
  await rig.close();
});

test('reset is refused while the controller heartbeat is still missing', async () => {
  const rig = await runningRig();
  rig.stopTicking();
  msUntilLatched(rig);
  await rig.waitForEvent('tripped');
  const refused = await rig.monitor.reset();
  assert.is(refused.ok, false);
  assert.match(!refused.ok ? refused.reason : '', /no controller heartbeat/);
  rig.startTicking();
  rig.clock.advance(200);
  assert.is((await rig.monitor.reset()).ok, true);
  await rig.close();
});

test('a fault record that cannot be read keeps the monitor latched', async () => {
  const rig = await monitorRig();
  await writeFile(faultFile(rig.stateDir), '{ torn');
  await rig.monitor.start();
  assert.is(rig.monitor.latchedFault()?.kind, 'unreadable-record');
  assert.is(rig.relayEnergised(), false);
  await rig.close();
});

test('a relay that does not drop after a trip is reported once (relay-stuck)', async () => {
  const rig = await runningRig();
  const relay = rig.signal.flashRelay!;
  rig.gpio.injectFault(relay.chip, relay.line, { kind: 'stuck', level: 1 });
  rig.lamps.injectFault('G4', 'green', { kind: 'stuck-on' });
  msUntilLatched(rig);
  rig.clock.advance(TIMING.tripMs + TIMING.pollMs);
  const stuck = await rig.waitForEvent('relay-stuck');
  assert.is(stuck.fault.kind, 'conflict');
  rig.clock.advance(2000);
  assert.is(rig.events.filter((event) => event.type === 'relay-stuck').length, 1);
  await rig.close();
});

test('controller flash: ambers flashing together on conflicting heads, red monitoring off, trip nothing', async () => {
  const rig = await monitorRig();
  await rig.monitor.start();
  rig.startTicking();
  // Controller flash as the phase controller shows it: every vehicle head's amber on and off together at 1 Hz.
  let on = false;
  const toggle = () => {
    on = !on;
    for (const id of rig.heads.groupIds()) if (rig.heads.kindOf(id) === 'vehicle') void rig.heads.show(id, on ? lampMask('vehicle', ['amber']) : 0);
  };
  toggle(); // ambers on from the start, so they are lit when the green sticks at 10 s
  const flash = rig.clock.setRepeating(toggle, 500);
  assert.is(msUntilLatched(rig, 10_000), Infinity, rig.monitor.latchedFault()?.detail);
  // A green during flash is still a conflict with the flashing ambers.
  rig.lamps.injectFault('G2', 'green', { kind: 'stuck-on' });
  assert.ok(msUntilLatched(rig) <= TIMING.tripMs + TIMING.pollMs);
  assert.is(rig.monitor.latchedFault()?.kind, 'conflict');
  rig.clock.clearTimer(flash);
  await rig.close();
});

test('red fail is checked only while red monitoring is on', async () => {
  const rig = await runningRig();
  rig.monitor.setRedMonitoring(false);
  await rig.showOnly();
  await rig.heads.show('G1', 0);
  assert.is(msUntilLatched(rig, 2000), Infinity);
  rig.monitor.setRedMonitoring(true);
  const latency = msUntilLatched(rig);
  assert.ok(latency <= TIMING.redFailTripMs + TIMING.pollMs, `latency ${latency} ms`);
  assert.is(rig.monitor.latchedFault()?.kind, 'red-fail');
  await rig.close();
});

test('stop releases the relay (the cabinet flashes) and polls no more', async () => {
  const rig = await runningRig();
  await rig.monitor.stop();
  assert.is(rig.relayEnergised(), false);
  rig.lamps.injectFault('G4', 'green', { kind: 'stuck-on' });
  rig.clock.advance(2000);
  assert.is(rig.monitor.latchedFault(), null);
  await rig.close();
});

test.run();
