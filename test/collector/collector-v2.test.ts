import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Collector } from '../../edge/collector/collector.js';
import { encodeMessage } from '../../protocol/codec.js';
import type { StateMessage, WireStructures } from '../../protocol/messages.js';
import { buildTopic, DEFAULT_PREFIX } from '../../protocol/topics.js';
import { collectorRig, startCollector } from './collector-fixture.js';
import { birthMessage, countsMessage, eventually, signalMessage } from './telemetry-publisher.js';

/** v2 (compact) messages are read with their node's birth: held until it comes, refused with a reason if it never does. */
const test = suite('collector: v2 messages and births');
const structures: WireStructures = { revision: 0xabc123, counts: { cam1: { lines: ['L1', 'L2'], zones: [] } }, signal: { groups: ['G1', 'G2'], phases: ['p1'] } };
let collector: Collector;

const rig = collectorRig(test, async () => {
  await collector.stop();
});

const count = async (table: string) => Number((await rig.db.rows(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
const birth = (node: string, boot: number): StateMessage => ({ ...birthMessage(node, 'demo', boot), structures }) as StateMessage;
const publishBirth = (node: string, boot: number) => rig.publisher.client.publishAsync(buildTopic(DEFAULT_PREFIX, 'demo', node, 'state'), encodeMessage('state', birth(node, boot)), { qos: 1, retain: true });
const publishV2 = (node: string, kind: 'counts' | 'signal', message: unknown) => rig.publisher.publishRaw(buildTopic(DEFAULT_PREFIX, 'demo', node, kind), encodeMessage(kind, message as never, structures));

test('a retained birth published before the collector started lets it read v2 at once', async () => {
  await publishBirth('v2-early', 4);
  collector = await startCollector(rig.broker.url, rig.db.url);
  await publishV2('v2-early', 'counts', countsMessage('v2-early', 4, 0));
  await eventually('the v2 counts stored', async () => (await count('received_messages')) === 1);
  const rows = await rig.db.rows("SELECT line, direction, vehicles FROM counts WHERE node = 'v2-early' ORDER BY line, direction");
  assert.equal(rows.map((row) => `${row.line} ${row.direction} ${row.vehicles}`), ['L1 lr 0', 'L1 rl 2', 'L2 lr 1', 'L2 rl 0']);
  assert.is(collector.metrics.refusedWithoutBirth, 0);
});

test('v2 messages that arrive before their birth are held, then stored when it comes', async () => {
  collector = await startCollector(rig.broker.url, rig.db.url);
  await publishV2('v2-late', 'counts', countsMessage('v2-late', 2, 0));
  await publishV2('v2-late', 'signal', signalMessage('v2-late', 2, 1));
  await eventually('both held', async () => collector.metrics.heldForBirth === 2);
  assert.is(await count('received_messages'), 0);
  await publishBirth('v2-late', 2);
  await eventually('the held messages stored', async () => (await count('received_messages')) === 2);
  assert.is(collector.metrics.heldForBirth, 0);
  assert.equal(await rig.db.rows("SELECT mode, phase FROM signal_states WHERE node = 'v2-late'"), [{ mode: 'normal', phase: 'p1' }]);
  assert.is(await count('rejected_messages'), 0);
});

test('a v2 message whose birth never comes is stored as rejected with the reason and counted', async () => {
  collector = await startCollector(rig.broker.url, rig.db.url, { birthWait: { maxMessages: 100, maxMs: 300 } });
  await publishV2('v2-orphan', 'counts', countsMessage('v2-orphan', 9, 0));
  await eventually('the message refused', async () => (await count('rejected_messages')) === 1);
  const [row] = await rig.db.rows('SELECT topic, reason, length(payload) AS bytes FROM rejected_messages');
  assert.is(row!.topic, buildTopic(DEFAULT_PREFIX, 'demo', 'v2-orphan', 'counts'));
  assert.match(String(row!.reason), /needs the structures .* of that node's birth.*refused: its node's birth did not arrive within 300 ms/);
  assert.ok(Number(row!.bytes) > 0, 'the raw payload is kept');
  assert.is(collector.metrics.refusedWithoutBirth, 1);
  assert.match(collector.metrics.prometheus(), /nutgiao_collector_refused_without_birth_total 1/);
});

test('a collector that restarts reads a boot whose birth is no longer retained, from the births it stored', async () => {
  await publishBirth('v2-kept', 5);
  collector = await startCollector(rig.broker.url, rig.db.url);
  // Earlier tests' births are still retained on this suite's broker and arrive too: wait for this one.
  await eventually('the birth stored', async () => (await rig.db.rows("SELECT 1 FROM node_structures WHERE node = 'v2-kept' AND boot = 5")).length === 1);
  await collector.stop();
  // The node died (its will replaces the retained birth) and the collector starts with no births in memory.
  const death: StateMessage = { v: 1, node: 'v2-kept', boot: 5, ts: 1_700_000_060_000, status: 'offline', reason: 'connection lost' };
  await rig.publisher.client.publishAsync(buildTopic(DEFAULT_PREFIX, 'demo', 'v2-kept', 'state'), encodeMessage('state', death), { qos: 1, retain: true });
  collector = await startCollector(rig.broker.url, rig.db.url, { birthWait: { maxMessages: 100, maxMs: 300 } });
  await publishV2('v2-kept', 'counts', countsMessage('v2-kept', 5, 7));
  await eventually('the backlog message stored', async () => (await rig.db.rows("SELECT 1 FROM received_messages WHERE node = 'v2-kept' AND seq = 7")).length === 1);
  assert.is(await count('rejected_messages'), 0);
  assert.is(collector.metrics.refusedWithoutBirth, 0);
});

test.run();
