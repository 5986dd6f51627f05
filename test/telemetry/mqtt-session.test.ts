import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../edge/broker/embedded-broker.js';
import { RealClock } from '../../edge/hal/real-clock.js';
import { createMemoryLogger } from '../../edge/log.js';
import { MqttSession, type MqttSessionOptions } from '../../edge/telemetry/mqtt-session.js';
import { Collector } from '../support/collector.js';
import { MosquittoBroker } from '../support/mosquitto.js';

const test = suite('MqttSession against real brokers');
let mosquitto: MosquittoBroker;
let aedes: EmbeddedBroker;
const cleanups: Array<() => Promise<void>> = [];

test.before(async () => {
  mosquitto = await MosquittoBroker.start();
  aedes = await startEmbeddedBroker({ port: 0, log: createMemoryLogger() });
});

test.after.each(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

test.after(async () => {
  await mosquitto.stop();
  await aedes.close();
});

function session(url: string, overrides: Partial<MqttSessionOptions> = {}): MqttSession {
  const created = new MqttSession({
    url,
    clientId: `session-test-${Math.random().toString(16).slice(2)}`,
    keepaliveS: 10,
    connectTimeoutS: 5,
    protocol: 'auto',
    reconnect: { minMs: 50, maxMs: 200 },
    maxQueued: 100,
    clock: new RealClock(),
    log: createMemoryLogger(),
    ...overrides,
  });
  cleanups.push(() => created.stop());
  return created;
}

function connected(target: MqttSession): Promise<string> {
  return new Promise((resolve) => target.onConnected((_, info) => resolve(info.protocol)));
}

test('auto protocol: MQTT 5 with Mosquitto, clean fallback to 3.1.1 with the embedded aedes broker', async () => {
  const withMosquitto = session(mosquitto.url);
  const v5 = connected(withMosquitto);
  withMosquitto.start();
  assert.is(await v5, '5');

  const logger = createMemoryLogger();
  const withAedes = session(aedes.url, { log: logger });
  const v311 = connected(withAedes);
  withAedes.start();
  assert.is(await v311, '3.1.1');
  assert.is(withAedes.stats().protocol, '3.1.1');
  assert.ok(logger.lines.some((line) => line.includes('falling back to MQTT 3.1.1')));
  assert.is(withAedes.stats().reconnects, 0, 'the fallback is not counted as a reconnect');
});

test('QoS 1 messages published while the broker is down are held (bounded, oldest dropped) and delivered on connect', async () => {
  const down = await MosquittoBroker.start();
  cleanups.push(() => down.stop());
  // The receiver keeps a persistent session, so the restarted broker queues the messages for it.
  const relay = await Collector.connect(down.url, { filter: 'nutgiao/v1/test/queue/#', clientId: 'queue-test-receiver' });
  cleanups.push(() => relay.close());
  await down.saved();
  await down.kill();
  // A session to a dead broker: everything published waits in the bounded queue.
  const target = session(down.url, { maxQueued: 3 });
  target.start();
  const results = [1, 2, 3, 4, 5].map((n) => target.publish(`nutgiao/v1/test/queue/m${n}`, Buffer.from([n]), { qos: 1 }));
  assert.is(target.stats().queued, 3);
  assert.is(target.stats().dropped, 2);
  assert.equal(await Promise.all(results.slice(0, 2)), [false, false], 'dropped messages resolve false');
  await down.restart();
  assert.equal(await Promise.all(results.slice(2)), [true, true, true], 'queued messages acknowledged after connect');
  await relay.waitForRaw((entry) => entry.topic.endsWith('m5'), 'the newest message');
  assert.equal(relay.raw.map((entry) => entry.topic.split('/').pop()), ['m3', 'm4', 'm5'], 'delivered in order, oldest dropped');
  assert.is(target.stats().queued, 0);
});

test('publishing never throws: a wildcard topic or a stopped session resolves false', async () => {
  const target = session(mosquitto.url);
  const up = connected(target);
  target.start();
  await up;
  assert.is(await target.publish('nutgiao/v1/+/bad', Buffer.from('x'), { qos: 1 }), false);
  assert.is(await target.publish('nutgiao/v1/ok', Buffer.from('x'), { qos: 0 }), true);
  await target.stop();
  assert.is(await target.publish('nutgiao/v1/ok', Buffer.from('x'), { qos: 1 }), false);
  assert.is(target.linkState(), 'stopped');
});

test.run();
