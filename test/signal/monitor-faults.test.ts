import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MonitorFaultRecord } from '../../edge/signal/monitor/monitor-fault.js';
import { AMBER, GREEN, RED, TIMING, TICK_MS, msUntilLatched, runningRig, type MonitorRig } from './monitor-rig.js';

const { pollMs, tripMs, redFailTripMs, heartbeatTimeoutMs } = TIMING;

/** After a trip: the relay is released at once, then the record is on disk and the event is out. */
async function expectLatched(rig: MonitorRig, kind: MonitorFaultRecord['kind'], groups: string[]): Promise<MonitorFaultRecord> {
  const fault = rig.monitor.latchedFault();
  assert.ok(fault, 'a fault is latched');
  assert.is(fault.kind, kind, fault.detail);
  assert.equal([...fault.groups].sort(), [...groups].sort());
  assert.is(rig.relayEnergised(), false, 'the flash-transfer relay is released');
  const event = await rig.waitForEvent('tripped');
  assert.equal(event.fault, fault);
  const stored = JSON.parse(await readFile(join(rig.stateDir, 'monitor-fault.json'), 'utf8')) as MonitorFaultRecord;
  assert.equal(stored, fault);
  return fault;
}

test('stuck-on green into a conflict: trips within tripMs + one poll, records both groups and the lamps', async () => {
  const rig = await runningRig();
  assert.is(rig.relayEnergised(), true, 'energised while no fault is latched');
  // G4 (EB through) conflicts with the NB/SB through greens now showing.
  rig.lamps.injectFault('G4', 'green', { kind: 'stuck-on' });
  const latency = msUntilLatched(rig);
  assert.ok(latency >= tripMs && latency <= tripMs + pollMs, `latency ${latency} ms`);
  const fault = await expectLatched(rig, 'conflict', ['G2', 'G4']);
  assert.is(fault.trippedAt - fault.firstSeenAt, tripMs);
  assert.equal(fault.readings[0]!.lit.G4, ['red', 'green']);
  assert.equal(fault.readings.at(-1)!.lit.G2, ['green']);
  await rig.close();
});

test('stuck-off red: the head goes dark and trips red fail within redFailTripMs + one poll', async () => {
  const rig = await runningRig();
  rig.lamps.injectFault('G1', 'red', { kind: 'stuck-off' });
  const latency = msUntilLatched(rig);
  assert.ok(latency <= redFailTripMs + pollMs, `latency ${latency} ms`);
  await expectLatched(rig, 'red-fail', ['G1']);
  await rig.close();
});

test('lamp-out: a burnt-out red (its output still driven) trips red fail', async () => {
  const rig = await runningRig();
  rig.lamps.injectFault('G3', 'red', { kind: 'lamp-out' });
  const latency = msUntilLatched(rig);
  assert.ok(latency <= redFailTripMs + pollMs, `latency ${latency} ms`);
  await expectLatched(rig, 'red-fail', ['G3']);
  await rig.close();
});

test('a dark pedestrian head (no don\'t walk) trips red fail too', async () => {
  const rig = await runningRig();
  rig.lamps.injectFault('P1', 'dontWalk', { kind: 'lamp-out' });
  assert.ok(msUntilLatched(rig) <= redFailTripMs + pollMs);
  await expectLatched(rig, 'red-fail', ['P1']);
  await rig.close();
});

test('ignore-writes: a green that does not go out when the controller clears it trips as multiple indications', async () => {
  const rig = await runningRig();
  rig.lamps.injectFault('G2', 'green', { kind: 'ignore-writes' });
  await rig.heads.show('G2', AMBER);
  const latency = msUntilLatched(rig);
  assert.ok(latency <= tripMs + pollMs, `latency ${latency} ms`);
  const fault = await expectLatched(rig, 'multiple-indications', ['G2']);
  assert.match(fault.detail, /G2 shows amber and green/);
  await rig.close();
});

test('slow relay: a red that drops 1 s late trips (green and red together); one 100 ms late does not', async () => {
  const rig = await runningRig();
  rig.lamps.injectFault('G1', 'red', { kind: 'slow', delayMs: 100 });
  await rig.showOnly('G1', 'G5');
  assert.is(msUntilLatched(rig, 2000), Infinity, 'a 100 ms overlap is shorter than the trip time');
  rig.lamps.clearFault('G1', 'red');
  await rig.showOnly('G2', 'G6', 'P2', 'P4');
  rig.clock.advance(3000);
  rig.lamps.injectFault('G1', 'red', { kind: 'slow', delayMs: 1000 });
  await rig.showOnly('G1', 'G5');
  const latency = msUntilLatched(rig);
  assert.ok(latency <= tripMs + pollMs, `latency ${latency} ms`);
  await expectLatched(rig, 'multiple-indications', ['G1']);
  await rig.close();
});

test('a short yellow written directly to the heads trips as soon as it ends; the configured yellow does not', async () => {
  const rig = await runningRig();
  // G2's shortest yellow is ns-through's 4 s. A full 4 s yellow, at a time that does not align with the polls:
  rig.clock.advance(7);
  await rig.heads.show('G2', AMBER);
  rig.clock.advance(4000);
  await rig.heads.show('G2', RED);
  assert.is(msUntilLatched(rig, 1000), Infinity, 'a 4 s yellow is allowed');
  await rig.showOnly('G2', 'G6', 'P2', 'P4');
  rig.clock.advance(5000);
  await rig.heads.show('G2', AMBER);
  rig.clock.advance(3500);
  await rig.heads.show('G2', RED);
  const latency = msUntilLatched(rig);
  assert.ok(latency <= pollMs, `seen at the first reading after the yellow: ${latency} ms`);
  const fault = await expectLatched(rig, 'short-yellow', ['G2']);
  assert.match(fault.detail, /its minimum is 4000 ms/);
  await rig.close();
});

test('short red clearance: a conflicting green 500 ms after a yellow ended trips at once', async () => {
  const rig = await runningRig();
  await rig.heads.show('G2', AMBER);
  await rig.heads.show('G6', AMBER);
  rig.clock.advance(4000);
  await rig.showOnly();
  rig.clock.advance(500);
  // ns-through's red clearance is 2 s; G4 and G8 conflict with G2 and G6.
  await rig.showOnly('G4', 'G8');
  const latency = msUntilLatched(rig);
  assert.ok(latency <= pollMs, `latency ${latency} ms`);
  const fault = rig.monitor.latchedFault()!;
  assert.is(fault.kind, 'short-red-clearance');
  assert.match(fault.detail, /red clearance is 2000 ms/);
  assert.is(rig.relayEnergised(), false);
  await rig.waitForEvent('tripped');
  await rig.close();
});

test('a full red clearance after the yellow does not trip', async () => {
  const rig = await runningRig();
  await rig.heads.show('G2', AMBER);
  await rig.heads.show('G6', AMBER);
  rig.clock.advance(4000);
  await rig.showOnly();
  rig.clock.advance(2000);
  await rig.showOnly('G4', 'G8', 'P1', 'P3');
  assert.is(msUntilLatched(rig, 3000), Infinity, rig.monitor.latchedFault()?.detail);
  await rig.close();
});

test('controller heartbeat stopping trips within heartbeatTimeoutMs + one poll', async () => {
  const rig = await runningRig();
  rig.stopTicking();
  const sinceLastBeat = rig.clock.monotonic() % TICK_MS;
  const latency = msUntilLatched(rig) + sinceLastBeat;
  assert.ok(latency > heartbeatTimeoutMs && latency <= heartbeatTimeoutMs + pollMs, `latency ${latency} ms`);
  await expectLatched(rig, 'heartbeat-missing', []);
  await rig.close();
});

test('a lamp sensor that cannot be read for tripMs trips (the monitor cannot see the lamps); a brief failure does not', async () => {
  const rig = await runningRig();
  rig.lamps.failReads('EIO');
  rig.clock.advance(tripMs - 2 * pollMs);
  rig.lamps.restoreReads();
  rig.clock.advance(pollMs);
  rig.lamps.failReads('EIO');
  const latency = msUntilLatched(rig);
  assert.ok(latency >= tripMs && latency <= tripMs + pollMs, `latency ${latency} ms`);
  const fault = await expectLatched(rig, 'sensor-error', []);
  assert.match(fault.detail, /EIO/);
  assert.equal(fault.readings, [], 'no reading to record');
  await rig.close();
});

test('transients shorter than the trip time do not trip: a 200 ms conflict, a 200 ms dark head', async () => {
  const rig = await runningRig();
  rig.lamps.injectFault('G4', 'green', { kind: 'stuck-on' });
  rig.clock.advance(200);
  rig.lamps.clearFault('G4', 'green');
  rig.lamps.injectFault('G1', 'red', { kind: 'lamp-out' });
  rig.clock.advance(200);
  rig.lamps.clearFault('G1', 'red');
  assert.is(msUntilLatched(rig, 3000), Infinity, rig.monitor.latchedFault()?.detail);
  assert.is(rig.relayEnergised(), true);
  await rig.close();
});

test('conflict persistence restarts when the conflict clears: two 200 ms conflicts 100 ms apart do not add up', async () => {
  const rig = await runningRig();
  for (let i = 0; i < 2; i++) {
    rig.lamps.injectFault('G4', 'green', { kind: 'stuck-on' });
    rig.clock.advance(200);
    rig.lamps.clearFault('G4', 'green');
    rig.clock.advance(100);
  }
  assert.is(rig.monitor.latchedFault(), null);
  await rig.close();
});

test('green and red together on one head (multiple indications) trips after tripMs', async () => {
  const rig = await runningRig();
  await rig.heads.show('G2', GREEN | RED);
  const latency = msUntilLatched(rig);
  assert.ok(latency <= tripMs + pollMs, `latency ${latency} ms`);
  await expectLatched(rig, 'multiple-indications', ['G2']);
  await rig.close();
});

test.run();
