import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Collector } from '../../edge/collector/collector.js';
import { collectorRig, startCollector } from './collector-fixture.js';
import { countsMessage, eventually, signalMessage } from './telemetry-publisher.js';

/** Several collectors in one MQTT 5 shared-subscription group, and a database that goes away. */
const test = suite('collector: shared group and database outage');
const collectors: Collector[] = [];

const rig = collectorRig(test, async () => {
  for (const collector of collectors.splice(0)) await collector.stop();
});

const missingSeqs = async (node: string, boot: number, upTo: number) =>
  (await rig.db.rows<{ seq: number }>('SELECT g AS seq FROM generate_series(0, $3) g WHERE NOT EXISTS (SELECT 1 FROM received_messages WHERE node = $1 AND boot = $2 AND seq = g)', [node, boot, upTo])).map((r) => r.seq);

test('two collectors in one group split the messages and together store each exactly once', async () => {
  const shareGroup = `g${randomBytes(4).toString('hex')}`;
  collectors.push(await startCollector(rig.broker.url, rig.db.url, { shareGroup }), await startCollector(rig.broker.url, rig.db.url, { shareGroup }));
  const nodes = ['a1', 'a2', 'a3', 'a4'];
  const perNode = 250;
  for (let seq = 0; seq < perNode; seq++) {
    await Promise.all(nodes.map((node) => rig.publisher.publish('city', node, seq % 2 ? 'signal' : 'counts', seq % 2 ? signalMessage(node, 1, seq) : countsMessage(node, 1, seq))));
  }
  await eventually('all stored', async () => Number((await rig.db.rows('SELECT count(*) AS n FROM received_messages'))[0]!.n) === nodes.length * perNode, 30_000);
  const [first, second] = collectors.map((c) => c.metrics.messagesReceived);
  assert.is(first! + second!, nodes.length * perNode, 'each message went to one collector');
  assert.ok(first! > perNode / 2 && second! > perNode / 2, `both took a share: ${first} and ${second}`);
  for (const node of nodes) assert.equal(await missingSeqs(node, 1, perNode - 1), [], `${node} complete`);
  assert.is(collectors[0]!.metrics.duplicates + collectors[1]!.metrics.duplicates, 0);
  assert.is(Number((await rig.db.rows('SELECT count(*) AS n FROM counts'))[0]!.n), (nodes.length * perNode * 4) / 2);
  // Each collector saw jumps (the other took the messages between), but none is missing in the database.
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal(await rig.db.rows('SELECT * FROM sequence_gaps'), []);
});

test('a database outage: nothing is acknowledged or lost; writing resumes when it is back', async () => {
  const collector = await startCollector(rig.broker.url, rig.db.url, { receiveMaximum: 50 });
  collectors.push(collector);
  for (let seq = 0; seq < 20; seq++) await rig.publisher.publish('city', 'b1', 'counts', countsMessage('b1', 1, seq));
  await eventually('first part stored', async () => collector.metrics.sequencedStored === 20);

  await rig.db.goDown();
  for (let seq = 20; seq < 220; seq++) await rig.publisher.publish('city', 'b1', 'counts', countsMessage('b1', 1, seq));
  await eventually('a failed write', async () => collector.metrics.dbErrors > 0);
  // The broker holds back what is beyond the collector's Receive Maximum until acknowledgements resume.
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.ok(collector.metrics.messagesReceived <= 20 + 50, `received ${collector.metrics.messagesReceived}, at most 50 unacknowledged in flight`);
  assert.is(collector.metrics.sequencedStored, 20);

  await rig.db.comeBack();
  await eventually('everything stored after the outage', async () => (await missingSeqs('b1', 1, 219)).length === 0, 30_000);
  assert.is(Number((await rig.db.rows('SELECT count(*) AS n FROM received_messages'))[0]!.n), 220);
});

test.run();
