import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import type { Collector } from '../../edge/collector/collector.js';
import { toRanges } from '../../edge/collector/gap-replayer.js';
import { decodeMessage } from '../../protocol/codec.js';
import { generateCommandKeyPair, parsePublicKey, verifyRequestSignature, type RequestAuth } from '../../protocol/sign.js';
import { collectorRig, startCollector } from './collector-fixture.js';
import { countsMessage, eventually } from './telemetry-publisher.js';

/** A sequence gap still missing in the database is recorded and, with a key, replayed by the node. */
const test = suite('collector: gaps and replay');
let collector: Collector | null = null;

const rig = collectorRig(test, async () => {
  await collector?.stop();
  collector = null;
});

test('toRanges joins consecutive seq numbers', () => {
  assert.equal(toRanges([]), []);
  assert.equal(toRanges([3, 4, 5, 9, 11, 12]), [{ from: 3, to: 5 }, { from: 9, to: 9 }, { from: 11, to: 12 }]);
});

test('a gap triggers a signed replay request; the replayed messages fill it', async () => {
  const keys = generateCommandKeyPair();
  collector = await startCollector(rig.broker.url, rig.db.url, { signer: { keyId: 'central', privateKey: keys.privateKeyPem } });
  // The node's side of replay: verify the request as the node does, then send the range again, historical.
  const node = await mqtt.connectAsync(rig.broker.url, { protocolVersion: 5 });
  const requests: Array<{ args: unknown; verified: boolean }> = [];
  node.on('message', (_topic, payload) => {
    const decoded = decodeMessage('request', payload);
    if (!decoded.ok) return;
    const request = decoded.message as typeof decoded.message & { auth: RequestAuth };
    const verified = verifyRequestSignature(request, request.auth, { site: 'city', node: 'g1' }, parsePublicKey(keys.publicKey));
    requests.push({ args: request.args, verified });
    const { boot, fromSeq, toSeq } = request.args as { boot: number; fromSeq: number; toSeq: number };
    void (async () => {
      for (let seq = fromSeq; seq <= toSeq; seq++) await rig.publisher.publish('city', 'g1', 'counts', countsMessage('g1', boot, seq, { historical: true }));
    })();
  });
  await node.subscribeAsync('nutgiao/v1/city/g1/request/replay', { qos: 1 });
  try {
    for (const seq of [0, 1, 2, 3, 4, 10, 11]) await rig.publisher.publish('city', 'g1', 'counts', countsMessage('g1', 7, seq));
    await eventually('the gap replayed and stored', async () => Number((await rig.db.rows('SELECT count(*) AS n FROM received_messages')).at(0)!.n) === 12);
    assert.equal(requests, [{ args: { boot: 7, fromSeq: 5, toSeq: 9 }, verified: true }]);
    const gaps = await rig.db.rows('SELECT node, site, boot, from_seq, to_seq, replay_requested FROM sequence_gaps');
    assert.equal(gaps, [{ node: 'g1', site: 'city', boot: '7', from_seq: '5', to_seq: '9', replay_requested: true }]);
    const historical = await rig.db.rows<{ seq: string }>('SELECT seq FROM received_messages WHERE historical ORDER BY seq');
    assert.equal(historical.map((r) => Number(r.seq)), [5, 6, 7, 8, 9]);
    assert.is(collector.metrics.replayRequests, 1);
  } finally {
    await node.endAsync();
  }
});

test('without a key the gap is recorded only; a jump filled before the check is no gap', async () => {
  collector = await startCollector(rig.broker.url, rig.db.url);
  const requests: string[] = [];
  const watcher = await mqtt.connectAsync(rig.broker.url, { protocolVersion: 5 });
  watcher.on('message', (topic) => requests.push(topic));
  await watcher.subscribeAsync('nutgiao/v1/+/+/request/#', { qos: 1 });
  try {
    for (const seq of [0, 1, 5]) await rig.publisher.publish('city', 'g2', 'counts', countsMessage('g2', 1, seq));
    // 2 and 3 arrive within the grace period (as from another collector of the group or late); 4 never does.
    await rig.publisher.publish('city', 'g2', 'counts', countsMessage('g2', 1, 3));
    await rig.publisher.publish('city', 'g2', 'counts', countsMessage('g2', 1, 2));
    await eventually('the gap recorded', async () => (await rig.db.rows('SELECT 1 FROM sequence_gaps')).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const gaps = await rig.db.rows('SELECT from_seq, to_seq, replay_requested FROM sequence_gaps');
    assert.equal(gaps, [{ from_seq: '4', to_seq: '4', replay_requested: false }]);
    assert.equal(requests, []);
    assert.is(collector.metrics.gapsDetected, 1);
  } finally {
    await watcher.endAsync();
  }
});

test('a collector that restarts measures a boot it sees again against what the database holds', async () => {
  collector = await startCollector(rig.broker.url, rig.db.url);
  for (const seq of [0, 1, 2, 3, 4]) await rig.publisher.publish('city', 'g3', 'counts', countsMessage('g3', 2, seq));
  await eventually('the first messages stored', async () => Number((await rig.db.rows('SELECT count(*) AS n FROM received_messages')).at(0)!.n) === 5);
  await collector.stop();
  // 5 to 7 are lost while no collector runs (a broker restart in between, say); the next one starts a new
  // collector's first sight of this boot.
  collector = await startCollector(rig.broker.url, rig.db.url);
  await rig.publisher.publish('city', 'g3', 'counts', countsMessage('g3', 2, 8));
  await eventually('the gap recorded', async () => (await rig.db.rows('SELECT 1 FROM sequence_gaps')).length === 1);
  assert.equal(await rig.db.rows('SELECT boot, from_seq, to_seq FROM sequence_gaps'), [{ boot: '2', from_seq: '5', to_seq: '7' }]);
  // A boot the database holds nothing of is not measured from 0: its start may be long gone from the node.
  await rig.publisher.publish('city', 'g4', 'counts', countsMessage('g4', 1, 40));
  await eventually('g4 stored', async () => (await rig.db.rows("SELECT 1 FROM received_messages WHERE node = 'g4'")).length === 1);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.is((await rig.db.rows('SELECT 1 FROM sequence_gaps')).length, 1);
});

test('a gap still missing after its replay request is asked for again (the node was down when first asked)', async () => {
  const keys = generateCommandKeyPair();
  collector = await startCollector(rig.broker.url, rig.db.url, {
    signer: { keyId: 'central', privateKey: keys.privateKeyPem },
    gaps: { graceMs: 300, perNodeIntervalMs: 0, maxRequestsPerS: 100, retry: { afterMs: 500, attempts: 3 } },
  });
  // The node ignores the first request (it was rebooting) and answers the second.
  const node = await mqtt.connectAsync(rig.broker.url, { protocolVersion: 5 });
  const asked: unknown[] = [];
  node.on('message', (_topic, payload) => {
    const decoded = decodeMessage('request', payload);
    if (!decoded.ok) return;
    asked.push(decoded.message.args);
    if (asked.length < 2) return;
    const { boot, fromSeq, toSeq } = decoded.message.args as { boot: number; fromSeq: number; toSeq: number };
    void (async () => {
      for (let seq = fromSeq; seq <= toSeq; seq++) await rig.publisher.publish('city', 'g5', 'counts', countsMessage('g5', boot, seq, { historical: true }));
    })();
  });
  await node.subscribeAsync('nutgiao/v1/city/g5/request/replay', { qos: 1 });
  try {
    for (const seq of [0, 1, 4]) await rig.publisher.publish('city', 'g5', 'counts', countsMessage('g5', 3, seq));
    await eventually('the gap filled on the second request', async () => (await rig.db.rows("SELECT 1 FROM received_messages WHERE node = 'g5'")).length === 5);
    assert.equal(asked.slice(0, 2), [{ boot: 3, fromSeq: 2, toSeq: 3 }, { boot: 3, fromSeq: 2, toSeq: 3 }]);
    assert.equal(await rig.db.rows("SELECT from_seq, to_seq FROM sequence_gaps WHERE node = 'g5'"), [{ from_seq: '2', to_seq: '3' }], 'the gap is recorded once');
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.is(asked.length, 2, 'once filled, it is not asked for again');
  } finally {
    await node.endAsync();
  }
});

test.run();
