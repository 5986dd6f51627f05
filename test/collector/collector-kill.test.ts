import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MosquittoBroker } from '../support/mosquitto.js';
import { NodeProcess } from '../support/node-process.js';
import { TestDatabase } from './test-database.js';
import { countsMessage, eventually, TelemetryPublisher } from './telemetry-publisher.js';

/** `nutgiao collect` as a process, SIGKILLed mid-stream and started again with the same client id. */
const test = suite('collector: SIGKILL and restart');
let broker: MosquittoBroker;
let db: TestDatabase;
const running: NodeProcess[] = [];

test.before(async () => {
  broker = await MosquittoBroker.start();
  db = await TestDatabase.create();
});
test.after(async () => {
  for (const process of running.splice(0)) await process.stop();
  await db.drop();
  await broker.stop();
});

const stored = async () => Number((await db.rows('SELECT count(*) AS n FROM received_messages'))[0]!.n);

test('a collector killed while messages stream in loses none of them after it restarts', async () => {
  const args = ['collect', '--broker', broker.url, '--db', db.url, '--share', `k${randomBytes(3).toString('hex')}`, '--client-id', 'kill-test-collector', '--metrics-port', '0', '--batch-size', '50', '--batch-ms', '20'];
  const first = NodeProcess.spawn(args);
  running.push(first);
  await first.waitForLine(/^collector kill-test-collector consuming \$share\/k[0-9a-f]+\/nutgiao\/v1\/\+\/\+\/\+/, 30_000);

  const publisher = await TelemetryPublisher.connect(broker.url);
  const total = 1200;
  let published = 0;
  const publishing = (async () => {
    for (; published < total; published++) {
      await publisher.publish('city', 'k1', 'counts', countsMessage('k1', 4, published));
      if (published % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  await eventually('some stored before the kill', async () => (await stored()) >= 200, 30_000);
  first.kill('SIGKILL');
  await first.exited;
  const atKill = await stored();
  assert.ok(atKill < total, `killed mid-stream (${atKill} of ${total} stored)`);

  const second = NodeProcess.spawn(args);
  running.push(second);
  await second.waitForLine(/^collector kill-test-collector consuming/, 30_000);
  await publishing;
  await publisher.close();
  await eventually('every message stored', async () => (await stored()) === total, 30_000);
  const missing = await db.rows('SELECT g FROM generate_series(0, $1) g WHERE NOT EXISTS (SELECT 1 FROM received_messages WHERE node = $2 AND seq = g)', [total - 1, 'k1']);
  assert.equal(missing, []);
  assert.is(Number((await db.rows('SELECT count(*) AS n FROM counts'))[0]!.n), total * 4, 'no row written twice');
});

test.run();
