import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateCommandKeyPair } from '../../protocol/sign.js';
import { MosquittoBroker } from '../support/mosquitto.js';
import { CollectorProcess } from './collector-process.js';
import { SimulatedNode } from './simulated-node.js';
import { TestDatabase } from './test-database.js';
import { eventually } from './telemetry-publisher.js';

/**
 * One run with both failures: the `nutgiao collect` process SIGKILLed and started again, then Mosquitto
 * SIGKILLed and started again, while simulated nodes keep publishing. What the collector had not
 * committed comes back from its broker session; what the killed broker had acknowledged but not yet
 * saved (it saves once a second) is a gap the collector finds and has the node replay.
 */
const test = suite('collector: broker and collector SIGKILL in one run');
const NODES = ['x1', 'x2'];
/** 2 nodes × 25 messages/s: what queues while the collector restarts stays under Mosquitto's default 1,000 per session. */
const INTERVAL_MS = 40;
let broker: MosquittoBroker;
let db: TestDatabase;
let keyDir: string;
const collectors: CollectorProcess[] = [];
const nodes: SimulatedNode[] = [];
/** Awaited by the test: uvu 0.5 swallows an error thrown by a before hook (0 of N passed, exit code 0). */
let started: Promise<void>;

test.before(() => {
  started = (async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'nutgiao-collector-key-'));
    broker = await MosquittoBroker.start();
    db = await TestDatabase.create();
  })();
  started.catch(() => undefined);
});
test.after(async () => {
  for (const node of nodes.splice(0)) await node.close();
  for (const collector of collectors.splice(0)) await collector.process.stop();
  await db?.drop();
  await broker?.stop();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

const stored = async (node: string) => Number((await db.rows('SELECT count(*) AS n FROM received_messages WHERE node = $1', [node]))[0]!.n);

test('collector SIGKILL + restart, then broker SIGKILL + restart, during traffic: every seq of every node stored once', async () => {
  await started;
  const keyPath = join(keyDir, 'central.pem');
  await writeFile(keyPath, generateCommandKeyPair().privateKeyPem);
  const args = ['--broker', broker.url, '--db', db.url, '--share', 'combined', '--client-id', 'combined-collector', '--batch-size', '50', '--batch-ms', '20', '--key', keyPath, '--key-id', 'central', '--gap-grace-ms', '300'];
  collectors.push(await CollectorProcess.spawn(args));
  for (const node of NODES) nodes.push(await SimulatedNode.connect(broker.url, { site: 'city', node, boot: 1 }));
  for (const node of nodes) node.startPublishing(INTERVAL_MS);
  await eventually('messages stored before the collector is killed', async () => (await stored('x1')) >= 20, 15_000);

  const first = collectors[0]!;
  first.process.kill('SIGKILL');
  await first.process.exited;
  const second = await CollectorProcess.spawn(args);
  collectors.push(second);
  const afterRestart = await stored('x1');
  await eventually('the restarted collector storing', async () => (await stored('x1')) >= afterRestart + 20, 15_000);

  await broker.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await broker.restart();
  await eventually('the collector back on the broker', async () => (await second.health()).body.mqttConnected, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const published = nodes.map((node) => node.stopPublishing());

  for (const [i, node] of nodes.entries()) {
    const total = published[i]!;
    const missing = () => db.rows<{ seq: string }>('SELECT g AS seq FROM generate_series(0, $1::bigint) g WHERE NOT EXISTS (SELECT 1 FROM received_messages WHERE node = $2 AND boot = 1 AND seq = g)', [total - 1, node.node]);
    await eventually(`all ${total} messages of ${node.node} stored`, async () => (await stored(node.node)) === total, 30_000).catch(async (error: Error) => {
      const gaps = await db.rows('SELECT from_seq, to_seq, replay_requested FROM sequence_gaps WHERE node = $1', [node.node]);
      const still = (await missing()).map((row) => Number(row.seq));
      throw new Error(`${error.message}; missing ${still.length} (from ${still[0]} to ${still.at(-1)}); replay requests ${JSON.stringify(node.replayRequests)}; gaps ${JSON.stringify(gaps)}`);
    });
    assert.equal(await missing(), [], `${node.node}: no sequence number missing`);
    const [counts] = await db.rows<{ rows: string }>('SELECT count(*) AS rows FROM counts WHERE node = $1', [node.node]);
    assert.is(Number(counts!.rows), total * 4, `${node.node}: each message stored once (4 count rows each)`);
    assert.equal(node.publishFailures, []);
  }
  assert.is(second.exitCode, null, 'the restarted collector runs on');
});

test.run();
