import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Collector } from '../../edge/collector/collector.js';
import { encodeMessage } from '../../protocol/codec.js';
import { collectorRig, startCollector } from './collector-fixture.js';
import { birthMessage, countsMessage, eventMessage, eventually, healthMessage, signalMessage } from './telemetry-publisher.js';

/** Messages published to a real Mosquitto land in a real PostgreSQL database, each once. */
const test = suite('collector: storing telemetry');
let collector: Collector;

const rig = collectorRig(test, async () => {
  await collector.stop();
});
test.before.each(async () => {
  collector = await startCollector(rig.broker.url, rig.db.url, { metricsPort: 0 });
});

const count = async (table: string, where = 'true', params: unknown[] = []) => Number((await rig.db.rows(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params))[0]!.n);

test('every kind lands in its table; node state follows birth and health', async () => {
  await rig.publisher.publish('demo', 'n1', 'state', birthMessage('n1', 'demo', 3));
  await rig.publisher.publish('demo', 'n1', 'health', healthMessage('n1', 3, 1_700_000_000_500));
  await rig.publisher.publish('demo', 'n1', 'counts', countsMessage('n1', 3, 0));
  await rig.publisher.publish('demo', 'n1', 'signal', signalMessage('n1', 3, 1));
  await rig.publisher.publish('demo', 'n1', 'event', eventMessage('n1', 3, 2));
  await eventually('three sequenced messages stored', async () => (await count('received_messages')) === 3);
  await eventually('health stored', async () => (await count('node_health')) === 1);

  const counts = await rig.db.rows('SELECT line, direction, vehicles, camera, period_s, boot, seq FROM counts ORDER BY line, direction');
  assert.equal(counts, [
    { line: 'L1', direction: 'lr', vehicles: 0, camera: 'cam1', period_s: 60, boot: '3', seq: '0' },
    { line: 'L1', direction: 'rl', vehicles: 2, camera: 'cam1', period_s: 60, boot: '3', seq: '0' },
    { line: 'L2', direction: 'lr', vehicles: 1, camera: 'cam1', period_s: 60, boot: '3', seq: '0' },
    { line: 'L2', direction: 'rl', vehicles: 0, camera: 'cam1', period_s: 60, boot: '3', seq: '0' },
  ]);
  const [signal] = await rig.db.rows('SELECT mode, phase, groups FROM signal_states');
  assert.equal(signal, { mode: 'normal', phase: 'p1', groups: { G1: 'green', G2: 'red' } });
  const [event] = await rig.db.rows('SELECT type, severity, data FROM events');
  assert.equal(event, { type: 'camera.offline', severity: 'warning', data: { camera: 'cam1', blob: 'AQID' } });
  const [node] = await rig.db.rows("SELECT site, status, boot, version, config_hash, extract(epoch FROM last_seen_at) * 1000 AS seen FROM nodes WHERE node = 'n1'");
  assert.equal({ ...node, seen: Number(node!.seen) }, { site: 'demo', status: 'online', boot: '3', version: '0.1.0', config_hash: 'abc123', seen: 1_700_000_002_000 });
});

test('the same node/boot/seq twice (a redelivery, a historical replay) is stored once and counted as duplicate', async () => {
  await rig.publisher.publish('demo', 'n2', 'counts', countsMessage('n2', 1, 0));
  await rig.publisher.publish('demo', 'n2', 'counts', countsMessage('n2', 1, 1));
  await eventually('two stored', async () => (await count('received_messages')) === 2);
  await rig.publisher.publish('demo', 'n2', 'counts', countsMessage('n2', 1, 1, { historical: true }));
  await rig.publisher.publish('demo', 'n2', 'counts', countsMessage('n2', 1, 0));
  await rig.publisher.publish('demo', 'n2', 'counts', countsMessage('n2', 1, 2, { historical: true }));
  await eventually('the new one stored', async () => (await count('received_messages')) === 3);
  await eventually('duplicates counted', async () => collector.metrics.duplicates === 2);
  assert.is(await count('counts'), 3 * 4);
  assert.is(await count('received_messages', 'historical'), 1, 'seq 2 arrived first as historical');
  // The same seq in a new boot is a different message.
  await rig.publisher.publish('demo', 'n2', 'counts', countsMessage('n2', 2, 0));
  await eventually('new boot stored', async () => (await count('received_messages', 'boot = 2')) === 1);
});

test('invalid payloads are kept in rejected_messages with the reason; the collector goes on', async () => {
  await rig.publisher.publishRaw('nutgiao/v1/demo/n3/counts', Buffer.from('not msgpack at all'));
  await rig.publisher.publishRaw('nutgiao/v1/demo/n3/counts', encodeMessage('counts', countsMessage('someone-else', 1, 0)));
  await rig.publisher.publishRaw('nutgiao/v1/demo/n3/bogus', Buffer.from([0x80]));
  await rig.publisher.publish('demo', 'n3', 'counts', countsMessage('n3', 1, 0));
  await eventually('three rejected', async () => (await count('rejected_messages')) === 3);
  await eventually('the valid one stored', async () => (await count('received_messages')) === 1);
  const reasons = (await rig.db.rows<{ reason: string; topic: string }>('SELECT topic, reason FROM rejected_messages ORDER BY id')).map((r) => `${r.topic}: ${r.reason}`);
  assert.match(reasons[0]!, /nutgiao\/v1\/demo\/n3\/counts: counts: /);
  assert.match(reasons[1]!, /payload node "someone-else" does not match topic node "n3"/);
  assert.match(reasons[2]!, /kind "bogus" is unknown/);
});

test('/metrics and /health report what was stored', async () => {
  for (let seq = 0; seq < 20; seq++) await rig.publisher.publish('demo', 'n4', 'signal', signalMessage('n4', 1, seq));
  await eventually('twenty stored', async () => collector.metrics.sequencedStored === 20);
  const metrics = await (await fetch(`${collector.metricsEndpoint}/metrics`)).text();
  assert.match(metrics, /^nutgiao_collector_messages_received_total 20$/m);
  assert.match(metrics, /^nutgiao_collector_sequenced_stored_total 20$/m);
  assert.match(metrics, /^nutgiao_collector_batch_seconds_count [1-9]\d*$/m);
  assert.match(metrics, /^nutgiao_collector_db_errors_total 0$/m);
  const health = await fetch(`${collector.metricsEndpoint}/health`);
  assert.is(health.status, 200);
  assert.is(((await health.json()) as { ok: boolean }).ok, true);
});

test.run();
