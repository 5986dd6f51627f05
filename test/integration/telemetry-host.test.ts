import mqtt from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Collector, type Received } from '../support/collector.js';
import { openDurableRig, type DurableRig } from '../support/durable-rig.js';
import { MosquittoBroker } from '../support/mosquitto.js';

/** mqtt.waitForHost: the backlog waits for the central host's retained online state; live messages never wait. */
const test = suite('durable telemetry: waiting for the central host');
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

async function setHostState(topic: string, payload: string): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { clientId: `central-host-${Math.random().toString(16).slice(2)}` });
  await client.publishAsync(topic, payload, { qos: 1, retain: true });
  await client.endAsync();
}

const sequenced = (collector: Collector): Received[] => collector.received.filter((entry) => typeof entry.message.seq === 'number');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('the backlog is held while the host is offline, live messages go out, and the backlog follows when the host says online', async () => {
  const hostTopic = 'central/host-a/state';
  await setHostState(hostTopic, JSON.stringify({ online: false, timestamp: 1 }));
  const collector = await Collector.connect(broker.url, { filter: 'nutgiao/v1/test/held/#' });
  cleanups.push(() => collector.close());
  const node = await rig({ url: broker.url, node: 'held', waitForHost: { topic: hostTopic, timeoutS: 60 } });
  // Numbered before the link is up: the backlog.
  for (let n = 0; n < 3; n++) await node.publisher.event('test.backlog', 'info', `backlog ${n}`);
  const ready = new Promise<void>((resolve) => node.session.onReady(() => resolve()));
  node.session.start();
  await ready;
  assert.ok(await node.publisher.event('test.live', 'info', 'live while the host is away'), 'live messages are not held');
  await collector.waitFor((entry) => entry.message.type === 'test.live', 'the live message');
  await sleep(700);
  assert.equal(sequenced(collector).map((entry) => entry.message.seq), [3], 'the backlog waits for the host');

  await setHostState(hostTopic, JSON.stringify({ online: true, timestamp: 2 }));
  await collector.waitFor(() => sequenced(collector).length === 4, 'the backlog after the host came online');
  const backlog = sequenced(collector).slice(1);
  assert.equal(backlog.map((entry) => entry.message.seq), [0, 1, 2], 'oldest first');
  assert.ok(backlog.every((entry) => entry.message.historical === true));
});

test('without the host the backlog is released after timeoutS', async () => {
  const collector = await Collector.connect(broker.url, { filter: 'nutgiao/v1/test/timeout/#' });
  cleanups.push(() => collector.close());
  const node = await rig({ url: broker.url, node: 'timeout', waitForHost: { topic: 'central/nobody/state', timeoutS: 1 } });
  await node.publisher.event('test.backlog', 'info', 'backlog');
  const startedAt = Date.now();
  node.session.start();
  const arrived = await collector.waitFor((entry) => entry.message.type === 'test.backlog', 'the backlog after the timeout', 10_000);
  assert.ok(Date.now() - startedAt >= 900, 'held for about timeoutS first');
  assert.is(arrived.message.historical, true);
});

test.run();
