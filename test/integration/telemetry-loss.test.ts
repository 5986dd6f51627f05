import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Collector, type Received } from '../support/collector.js';
import { openDurableRig, type DurableRig } from '../support/durable-rig.js';
import { MosquittoBroker } from '../support/mosquitto.js';

/**
 * The node's telemetry side (real session, real outbox files, real mosquitto) when the outbox bound is hit
 * during an outage, and when the central side asks for a range again.
 */
const test = suite('durable telemetry: reported loss and replay on request');
let broker: MosquittoBroker;
const cleanups: Array<() => Promise<void>> = [];

test.before(async () => {
  broker = await MosquittoBroker.start();
});

test.after.each(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

test.after(async () => {
  await broker.stop();
});

async function rig(options: Parameters<typeof openDurableRig>[0]): Promise<DurableRig> {
  const opened = await openDurableRig(options);
  cleanups.push(() => opened.close());
  return opened;
}

async function collect(node: string, clientId?: string): Promise<Collector> {
  const collector = await Collector.connect(broker.url, { filter: `nutgiao/v1/test/${node}/#`, ...(clientId ? { clientId } : {}) });
  cleanups.push(() => collector.close());
  return collector;
}

const sequenced = (collector: Collector): Received[] => collector.received.filter((entry) => typeof entry.message.seq === 'number');

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** About 700 bytes encoded: ten of these fill a small segment. */
const padding = 'x'.repeat(600);

test('outbox bound hit while the broker is down: telemetry.dropped names the lost range, and the receiver misses exactly that range', async () => {
  const collector = await collect('bound', 'telemetry-loss-receiver');
  await broker.saved();
  await broker.kill();
  const node = await rig({ url: broker.url, node: 'bound', outbox: { segmentBytes: 4096, maxBytes: 8192 } });
  node.session.start();
  const total = 40;
  const results = await Promise.all(Array.from({ length: total }, (_, n) => node.publisher.event('test.traffic', 'info', `message ${n}`, { n, padding })));
  assert.ok(results.every((acknowledged) => !acknowledged), 'nothing acknowledged while the broker is down');
  assert.ok(node.durable.outbox.stats().dropped > 0, 'the bound was hit');
  // The loss reports raised during the outage are stored (fsync'd) after the publishes above resolve; on a
  // loaded machine one could still be in flight when the broker returns, and would rightly go out live.
  await node.durable.drain(10_000);
  await broker.restart();

  await waitUntil(() => node.durable.outbox.stats().pending === 0 && node.session.linkState() === 'connected', 'the backlog to drain');
  const lastSeq = node.publisher.stats().lastSeq!;
  await waitUntil(() => sequenced(collector).some((entry) => entry.message.seq === lastSeq), `seq ${lastSeq} at the receiver`);

  const received = new Set(sequenced(collector).map((entry) => entry.message.seq as number));
  const missing: number[] = [];
  for (let seq = 0; seq <= lastSeq; seq++) if (!received.has(seq)) missing.push(seq);
  const reports = collector.of('event').filter((entry) => entry.message.type === 'telemetry.dropped').map((entry) => entry.message.data as Record<string, number>);
  assert.ok(reports.length > 0, 'a telemetry.dropped event arrived');
  const named: number[] = [];
  for (const report of reports) {
    assert.is(report.boot, 0);
    assert.is((report as unknown as { reason: string }).reason, 'full');
    for (let seq = report.fromSeq!; seq <= report.toSeq!; seq++) named.push(seq);
    assert.is(report.count, report.toSeq! - report.fromSeq! + 1, 'nothing in the range had been acknowledged');
  }
  // A report lost with a dropped segment is reported again, so a range may be named twice.
  assert.equal(missing, [...new Set(named)].sort((a, b) => a - b), 'the receiver lacks exactly the numbers the node reported lost');
  assert.ok(missing.length > 0 && missing.length < total);
  assert.ok(sequenced(collector).every((entry) => entry.message.historical === true), 'everything sent after the outage came from the backlog');
});

test('replayRange sends a range again, flagged historical, and says how many it found', async () => {
  const collector = await collect('replay');
  const node = await rig({ url: broker.url, node: 'replay' });
  const connected = new Promise<void>((resolve) => node.session.onReady(() => resolve()));
  node.session.start();
  await connected;
  for (let n = 0; n < 10; n++) assert.ok(await node.publisher.event('test.traffic', 'info', `message ${n}`, { n }), `message ${n} acknowledged`);
  await waitUntil(() => sequenced(collector).length === 10, 'ten live messages');
  assert.ok(sequenced(collector).every((entry) => entry.message.historical === undefined), 'live messages are not historical');

  assert.is(await node.durable.replayRange(0, 3, 6), 4);
  await waitUntil(() => sequenced(collector).length === 14, 'four replayed messages');
  const again = sequenced(collector).slice(10);
  assert.equal(again.map((entry) => entry.message.seq), [3, 4, 5, 6], 'in order');
  assert.ok(again.every((entry) => entry.message.historical === true && entry.message.boot === 0));
  assert.equal(again.map((entry) => (entry.message.data as { n: number }).n), [3, 4, 5, 6], 'the same messages');

  assert.is(await node.durable.replayRange(0, 8, 50), 2, 'only what the log holds is counted');
  assert.is(await node.durable.replayRange(7, 0, 5), 0, 'an unknown boot finds nothing');
  const refused = await node.durable.replayRange(0, 5, 2).then(() => null, (error: Error) => error);
  assert.match(refused?.message ?? 'resolved', /fromSeq <= toSeq/);
});

test.run();
