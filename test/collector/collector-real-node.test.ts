import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Collector } from '../../edge/collector/collector.js';
import { MosquittoBroker } from '../support/mosquitto.js';
import { NodeProcess, writeTestConfig } from '../support/node-process.js';
import { startCollector } from './collector-fixture.js';
import { TestDatabase } from './test-database.js';
import { eventually } from './telemetry-publisher.js';

/** A real simulated node process publishing to Mosquitto, and the collector writing what it sends. */
const test = suite('collector: a real node');
let broker: MosquittoBroker;
let db: TestDatabase;
let collector: Collector;
let node: NodeProcess | null = null;

test.before(async () => {
  broker = await MosquittoBroker.start();
  db = await TestDatabase.create();
  // Started first: a shared subscription gets no retained messages, so it must be there for the birth.
  collector = await startCollector(broker.url, db.url);
});
test.after(async () => {
  await node?.stop();
  await collector.stop();
  await db.drop();
  await broker.stop();
});

const count = async (sql: string) => Number((await db.rows(sql))[0]!.n);

test('birth, health and signal state land in the database; a clean stop marks the node offline', async () => {
  const { configPath } = await writeTestConfig({ nodeId: 'real-1', broker: broker.url });
  node = NodeProcess.spawn(['run', '--config', configPath]);
  await node.waitForLine(/publishing to/, 30_000);
  await eventually('the node online', async () => (await db.rows("SELECT 1 FROM nodes WHERE node = 'real-1' AND status = 'online'")).length === 1, 30_000);
  await eventually('health reports', async () => (await count("SELECT count(*) AS n FROM node_health WHERE node = 'real-1'")) >= 2, 30_000);
  await eventually('signal states', async () => (await count("SELECT count(*) AS n FROM signal_states WHERE node = 'real-1'")) >= 1, 30_000);
  const [{ max, n }] = (await db.rows("SELECT max(seq) AS max, count(*) AS n FROM received_messages WHERE node = 'real-1' AND boot = 0")) as [{ max: string; n: string }];
  assert.is(Number(n), Number(max) + 1, 'every seq from 0 up to the last is stored');
  assert.is(collector.metrics.rejected, 0);

  node.kill('SIGTERM');
  await node.exited;
  await eventually('the node offline', async () => (await db.rows("SELECT 1 FROM nodes WHERE node = 'real-1' AND status = 'offline' AND died_at IS NOT NULL")).length === 1, 15_000);
});

test.run();
