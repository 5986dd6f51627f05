import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseChurnSpec } from '../../../sim/fleet/churn-spec.js';
import { runFleet } from '../../../sim/fleet/fleet-runner.js';
import type { FleetReport } from '../../../sim/fleet/fleet-report.js';
import { Collector } from '../../support/collector.js';
import { MosquittoBroker } from '../../support/mosquitto.js';
import { waitForCompleteSequence } from '../../support/sequence-coverage.js';

/** `nutgiao fleet` against a real Mosquitto: a few nodes, a few seconds, with reboots and a reconnect storm. */
const test = suite('fleet simulator');
let broker: MosquittoBroker;
let receiver: Collector;
let report: FleetReport;

test.before(async () => {
  broker = await MosquittoBroker.start();
  receiver = await Collector.connect(broker.url, { clientId: 'fleet-test-receiver' });
  report = await runFleet({
    nodes: 4,
    brokerUrl: broker.url,
    durationS: 5,
    rate: 4,
    seed: 7,
    churn: parseChurnSpec('reboot:40/min:300ms,storm:2500ms'),
    workers: 2,
    drainS: 20,
    lingerS: 0,
    nodesPerSite: 2,
    progressS: 10,
    logLevel: 'silent',
    commandKeys: [],
  });
});

test.after(async () => {
  await receiver?.close();
  await broker?.stop();
});

test('every sequence number of every boot of every node arrives', async () => {
  assert.is(report.undelivered, 0);
  assert.is(report.sequences.length, 4);
  for (const { node, boots } of report.sequences) {
    for (const { boot, lastSeq } of boots) {
      assert.ok(lastSeq !== null, `${node} boot ${boot} numbered nothing`);
      await waitForCompleteSequence(receiver, node, boot, lastSeq!, 10_000);
    }
  }
  assert.ok(report.publish.sequencedPerS > 4, `numbered messages per s: ${report.publish.sequencedPerS}`);
});

test('a reboot is a new boot id, announced by a birth, with the old boot declared dead by its last will', async () => {
  const rebooted = report.sequences.filter((entry) => entry.boots.length > 1);
  assert.ok(rebooted.length > 0, `no node rebooted: ${JSON.stringify(report.churnEvents)}`);
  for (const { node, boots } of rebooted) {
    const ids = boots.map((entry) => entry.boot);
    assert.equal(ids, [...ids].sort((a, b) => a - b), `${node} boots in order`);
    assert.is(new Set(ids).size, ids.length, `${node} boot ids differ`);
    const births = new Set(receiver.of('state').filter((entry) => entry.message.node === node && entry.message.status === 'online').map((entry) => entry.message.boot));
    for (const boot of ids) assert.ok(births.has(boot), `${node}: a birth for boot ${boot}`);
    const wills = receiver.of('state').filter((entry) => entry.message.node === node && entry.message.status === 'offline' && entry.message.reason === 'connection lost');
    assert.ok(wills.some((entry) => entry.message.boot === ids[0]), `${node}: the last will of boot ${ids[0]} after its power cut`);
  }
  assert.ok(report.reconnects.byCause.reboot!.count >= rebooted.length);
});

test('the storm drops every link at once and every node comes back', () => {
  const storm = report.reconnects.byCause.storm;
  assert.ok(storm !== undefined, `no storm reconnects: ${JSON.stringify(report.reconnects)}`);
  // Nodes down from a power cut at that moment are counted as reboots, not storm reconnects.
  assert.ok(storm.count >= 2 && storm.count <= 4, `storm reconnects: ${storm.count}`);
  assert.ok(storm.p99Ms! < 5000, `storm reconnect p99 ${storm.p99Ms} ms`);
  assert.ok(report.memory.rssPeakMiB > 0 && report.backlog.fleetPeak >= 0);
});

test('churn specs: errors name the item and say what is expected', () => {
  assert.equal(parseChurnSpec('disconnect:6/h:5s,reboot:1/min,storm:90s,storm:30s'), {
    disconnect: { perHour: 6, downMs: 5000 },
    reboot: { perHour: 60, downMs: 3000 },
    stormsAtMs: [30_000, 90_000],
  });
  assert.throws(() => parseChurnSpec('disconnect:6'), /rate '6' must be N\/h or N\/min/);
  assert.throws(() => parseChurnSpec('storm'), /expected storm:AT/);
  assert.throws(() => parseChurnSpec('flood:1/h'), /unknown item 'flood:1\/h'/);
});

test.run();
