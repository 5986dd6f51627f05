import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../edge/broker/embedded-broker.js';
import { RealClock } from '../../edge/hal/real-clock.js';
import { createMemoryLogger } from '../../edge/log.js';
import { MqttSession, type MqttSessionOptions } from '../../edge/telemetry/mqtt-session.js';
import { Collector } from '../support/collector.js';
import { MosquittoBroker } from '../support/mosquitto.js';
import { createServer, connect, type Socket } from 'node:net';

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

test('the session holds nothing: QoS 1 while the broker is down resolves false at once, and so do messages in flight when the link drops', async () => {
  const down = await MosquittoBroker.start();
  cleanups.push(() => down.stop());
  await down.kill();
  const target = session(down.url);
  target.start();
  assert.equal(await Promise.all([1, 2].map((n) => target.publish(`nutgiao/v1/test/held/m${n}`, Buffer.from([n]), { qos: 1 }))), [false, false]);
  assert.is(target.stats().queued, 0, 'nothing queued in memory: the outbox is the store');

  const ready = new Promise<void>((resolve) => target.onReady(() => resolve()));
  await down.restart();
  await ready;
  assert.is(await target.publish('nutgiao/v1/test/held/m3', Buffer.from([3]), { qos: 1 }), true, 'acknowledged once connected');
  // A frozen broker keeps the socket open but answers nothing: the message stays in flight until the link dies.
  down.pause();
  const inFlight = target.publish('nutgiao/v1/test/held/m4', Buffer.from([4]), { qos: 1 });
  assert.is(target.inFlightCount(), 1);
  await down.kill();
  assert.is(await inFlight, false, 'in flight on a dead link: not acknowledged');
  assert.is(target.inFlightCount(), 0);
});

test('onReady runs after every onConnected hook, on each connection', async () => {
  const target = session(mosquitto.url);
  const order: string[] = [];
  target.onConnected(async () => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    order.push('connected');
  });
  const ready = new Promise<void>((resolve) => target.onReady(() => {
    order.push('ready');
    resolve();
  }));
  target.start();
  await ready;
  assert.equal(order, ['connected', 'ready']);
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

/**
 * A TCP pass-through to the broker that can go silent: bytes stop flowing both ways but no socket closes,
 * as on a link that died without a FIN (a cellular modem losing its carrier).
 */
async function silenceableLink(brokerUrl: string): Promise<{ url: string; silence: () => void; clientClosed: (withinMs: number) => Promise<boolean>; close: () => Promise<void> }> {
  const target = new URL(brokerUrl);
  const sockets: Socket[] = [];
  let silent = false;
  let closed: Promise<void> = new Promise(() => undefined);
  const server = createServer((client) => {
    closed = new Promise((resolve) => client.once('close', () => resolve()));
    const upstream = connect(Number(target.port), target.hostname);
    sockets.push(client, upstream);
    client.on('data', (chunk) => !silent && upstream.write(chunk));
    upstream.on('data', (chunk) => !silent && client.write(chunk));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    silence: () => {
      silent = true;
    },
    clientClosed: (withinMs) => Promise.race([closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), withinMs))]),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('stop() returns within its timeout when the link died silently with a message in flight', async () => {
  const link = await silenceableLink(mosquitto.url);
  cleanups.push(link.close);
  const node = session(link.url, { keepaliveS: 60 });
  const ready = connected(node);
  node.start();
  await ready;
  link.silence();
  const delivered = node.publish('nutgiao/v1/demo/stop-1/event', Buffer.from([0x80]), { qos: 1 });
  const started = Date.now();
  // Raced against a limit, so a regression fails here instead of hanging the suite.
  const outcome = await Promise.race([node.stop(undefined, 500).then(() => 'stopped'), new Promise((resolve) => setTimeout(() => resolve('hung'), 10_000))]);
  assert.is(outcome, 'stopped', 'stop() never returned');
  const took = Date.now() - started;
  assert.ok(took < 2500, `stop() took ${took} ms: a graceful end waits for acknowledgements a dead link never brings`);
  assert.is(await delivered, false, 'the unacknowledged message is reported not delivered');
  assert.ok(await link.clientClosed(2000), 'the node closed its socket (not left half-open)');
});

test.run();
