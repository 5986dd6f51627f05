import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { MosquittoBroker } from '../support/mosquitto.js';
import { freePort } from '../support/ports.js';
import { PrivatePostgres } from '../support/private-postgres.js';
import { CollectorProcess } from './collector-process.js';
import { SimulatedNode } from './simulated-node.js';
import { eventually } from './telemetry-publisher.js';

/**
 * A real PostgreSQL server of the test's own, crashed (`pg_ctl stop -m immediate`) and started again
 * while a node's messages stream through Mosquitto to a `nutgiao collect` process.
 */
const test = suite('collector: PostgreSQL restart');
const OUTAGE_MS = 3000;
let broker: MosquittoBroker;
let server: PrivatePostgres;
let collector: CollectorProcess;
let node: SimulatedNode | null = null;
/** Awaited by each test: uvu 0.5 swallows an error thrown by a before hook (0 of N passed, exit code 0). */
let started: Promise<void>;

test.before(() => {
  started = (async () => {
    const port = await freePort();
    const serverStarted = PrivatePostgres.start(port).then((started) => (server = started));
    broker = await MosquittoBroker.start();
    // Started with the server (its start retries the database with backoff): the two slow starts overlap.
    const args = ['--broker', broker.url, '--db', PrivatePostgres.urlFor(port), '--share', 'dbrestart', '--client-id', 'db-restart-collector', '--batch-size', '50', '--batch-ms', '20'];
    [, collector] = await Promise.all([serverStarted, CollectorProcess.spawn(args)]);
  })();
  started.catch(() => undefined);
});
test.after(async () => {
  await node?.close();
  await collector?.process.stop();
  await server?.destroy();
  await broker?.stop();
});

/** A connection per query: the test's own connections die with the server too. */
async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const storedCount = async () => Number((await query<{ n: string }>('SELECT count(*) AS n FROM received_messages'))[0]!.n);

/** The collector's own view: /health (status, databaseOk) and the database_ok gauge of /metrics. */
async function databaseReport(): Promise<{ status: number; databaseOk: boolean; gauge: number }> {
  const { status, body } = await collector.health();
  return { status, databaseOk: body.databaseOk, gauge: await collector.metric('nutgiao_collector_database_ok') };
}

test('idle, a PostgreSQL crash shows as database down in /health and /metrics, and the restart as up again', async () => {
  await started;
  assert.equal(await databaseReport(), { status: 200, databaseOk: true, gauge: 1 });
  await server.crash();
  // Its idle connection drops with the server: no batch needs to fail first.
  await eventually('the collector reporting the database down', async () => !(await collector.health()).body.databaseOk, 3000);
  assert.equal(await databaseReport(), { status: 503, databaseOk: false, gauge: 0 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  await server.restart();
  await eventually('the collector reporting the database up', async () => (await collector.health()).body.databaseOk, 10_000);
  assert.equal(await databaseReport(), { status: 200, databaseOk: true, gauge: 1 });
  assert.is(collector.exitCode, null, 'the collector runs on');
});

test('a PostgreSQL crash and restart during traffic: every seq stored exactly once, the collector stays up and reports the database down meanwhile', async () => {
  await started;
  node = await SimulatedNode.connect(broker.url, { site: 'city', node: 'd1', boot: 1 });
  node.startPublishing(5);
  await eventually('messages stored before the crash', async () => (await storedCount()) >= 50, 10_000);
  assert.equal((await collector.health()).body.databaseOk, true);

  await server.crash();
  const crashedAt = Date.now();
  await eventually('the collector reporting the database down', async () => !(await collector.health()).body.databaseOk, OUTAGE_MS);
  const readings: Array<Awaited<ReturnType<typeof databaseReport>>> = [];
  while (Date.now() < crashedAt + OUTAGE_MS) {
    readings.push(await databaseReport());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(readings.length > 0);
  for (const reading of readings) assert.equal(reading, { status: 503, databaseOk: false, gauge: 0 }, 'down for as long as the server is');
  assert.is(collector.exitCode, null, 'the collector runs on');

  await server.restart();
  await eventually('the collector reporting the database up', async () => (await collector.health()).body.databaseOk, 15_000);
  // Traffic after the restart too, then the whole run must be there.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const total = node.stopPublishing();
  await eventually(`all ${total} messages stored`, async () => (await storedCount()) === total, 15_000);

  const missing = await query('SELECT g FROM generate_series(0, $1::bigint) g WHERE NOT EXISTS (SELECT 1 FROM received_messages WHERE node = $2 AND boot = 1 AND seq = g)', [total - 1, 'd1']);
  assert.equal(missing, [], 'no sequence number missing');
  const [counts] = await query<{ rows: string; messages: string }>('SELECT count(*) AS rows, count(DISTINCT seq) AS messages FROM counts');
  assert.equal([Number(counts!.rows), Number(counts!.messages)], [total * 4, total], 'each message stored once (4 count rows each)');
  assert.ok((await collector.metric('nutgiao_collector_db_errors_total')) > 0, 'batches failed while the server was down');
  assert.is((await collector.health()).status, 200);
  assert.is(collector.exitCode, null, 'the collector never exited');
  assert.equal(node.publishFailures, []);
});

test.run();
