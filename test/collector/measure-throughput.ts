/**
 * A measurement, not a test: N synthetic nodes publish counts messages as fast as four MQTT connections
 * allow to a Mosquitto with raised queue limits, two collectors in one shared group store them; prints
 * messages/s, the split, and publish → row latency p50/p99 as one JSON line.
 *
 *   npx tsx test/collector/measure-throughput.ts [NODES=200] [MESSAGES_PER_NODE=100]
 *
 * Latency is from the publisher's clock at publish to the collector's insert (received_at, taken inside
 * the batch transaction, which commits right after); both run on this machine.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from '../support/ports.js';
import { startCollector } from './collector-fixture.js';
import { TestDatabase } from './test-database.js';
import { countsMessage, TelemetryPublisher } from './telemetry-publisher.js';

const nodes = Number(process.argv[2] ?? 200);
const perNode = Number(process.argv[3] ?? 100);
const total = nodes * perNode;

const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), 'nutgiao-measure-'));
// Mosquitto's defaults (1000 queued, 20 in flight per client) drop messages for a busy subscriber.
writeFileSync(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\nmax_inflight_messages 1000\n`);
const mosquitto = spawn('/usr/sbin/mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
await waitForPort(port);
const brokerUrl = `mqtt://127.0.0.1:${port}`;
const db = await TestDatabase.create();
try {
  const collectors = [
    await startCollector(brokerUrl, db.url, { shareGroup: 'measure', batchSize: 500, batchMs: 50 }),
    await startCollector(brokerUrl, db.url, { shareGroup: 'measure', batchSize: 500, batchMs: 50 }),
  ];
  const publishers = await Promise.all([0, 1, 2, 3].map(() => TelemetryPublisher.connect(brokerUrl)));
  const started = Date.now();
  await Promise.all(
    publishers.map(async (publisher, i) => {
      for (let seq = 0; seq < perNode; seq++) {
        const sends: Array<Promise<void>> = [];
        for (let n = i; n < nodes; n += publishers.length) sends.push(publisher.publish('city', `n${n}`, 'counts', countsMessage(`n${n}`, 1, seq, { periodStart: Date.now() })));
        await Promise.all(sends);
      }
    }),
  );
  const publishedS = (Date.now() - started) / 1000;
  let stored = 0;
  while (stored < total && Date.now() - started < 120_000) {
    stored = Number((await db.rows('SELECT count(*) AS n FROM received_messages'))[0]!.n);
    if (stored < total) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const storedS = (Date.now() - started) / 1000;
  const [latency] = await db.rows(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
     FROM (SELECT extract(epoch FROM r.received_at - c.period_start) * 1000 AS ms
           FROM received_messages r JOIN counts c USING (node, boot, seq) WHERE c.line = 'L1' AND c.direction = 'lr') AS x`,
  );
  console.log(
    JSON.stringify({
      nodes,
      messages: total,
      stored,
      publishedS,
      storedS,
      messagesPerS: Math.round(stored / storedS),
      split: collectors.map((c) => c.metrics.messagesReceived),
      batches: collectors.map((c) => c.metrics.batchesCommitted),
      latencyMs: { p50: Math.round(Number(latency!.p50)), p99: Math.round(Number(latency!.p99)) },
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    }),
  );
  for (const publisher of publishers) await publisher.close();
  for (const collector of collectors) await collector.stop();
} finally {
  await db.drop();
  mosquitto.kill();
}
