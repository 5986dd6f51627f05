import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import jpeg from 'jpeg-js';
import mqtt, { type MqttClient } from 'mqtt';
import { SCHEMA_VERSION, decodeMessage, encodeMessage, type RequestMessage, type ResponseMessage } from '../../protocol/index.js';
import { generateCommandKeyPair, signRequest } from '../../protocol/sign.js';
import { Collector } from '../support/collector.js';
import { MosquittoBroker } from '../support/mosquitto.js';
import { NodeProcess, writeTestConfig } from '../support/node-process.js';

/**
 * Commands against the real node process through a real Mosquitto, as the central system sends them:
 * a signed set-mode flash is answered ok and the signal goes to flash; an unsigned one is refused and
 * audited; MQTT 5 response topic and correlation data are honoured; under 3.1.1 the answer comes on
 * response/<cmd> carrying the request id.
 */
const test = suite('commands on the real node');
const central = generateCommandKeyPair();
const BASE = 'nutgiao/v1/demo/cmd-1';
/** The top-left quarter of cam1's image (the simulated road is bright there, so black means blanked). */
const PRIVACY_MASK = [{ x: 0, y: 0 }, { x: 160, y: 0 }, { x: 160, y: 120 }, { x: 0, y: 120 }];
let broker: MosquittoBroker;
let node: NodeProcess;
let telemetry: Collector;
const clients: MqttClient[] = [];

test.before(async () => {
  broker = await MosquittoBroker.start();
  telemetry = await Collector.connect(broker.url, { filter: `${BASE}/#` });
  const { configPath } = await writeTestConfig({
    nodeId: 'cmd-1',
    broker: broker.url,
    mutate: (config) => {
      config.commands = { keys: [{ id: 'central-2026', publicKey: central.publicKey }] };
      config.cameras[0].privacyMasks = [PRIVACY_MASK];
    },
  });
  node = NodeProcess.spawn(['run', '--config', configPath]);
  await telemetry.waitFor((entry) => entry.kind === 'event' && entry.message.type === 'node.started', 'node.started', 20_000);
});

test.after(async () => {
  for (const client of clients) await client.endAsync(true);
  await node?.stop();
  await telemetry?.close();
  await broker?.stop();
});

async function client(protocolVersion: 4 | 5): Promise<MqttClient> {
  const connection = await mqtt.connectAsync(broker.url, { protocolVersion, clientId: `central-${protocolVersion}-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
  clients.push(connection);
  return connection;
}

function request(cmd: string, args?: Record<string, unknown>): RequestMessage {
  return { v: SCHEMA_VERSION, id: `${cmd}-${Math.random().toString(16).slice(2)}`, cmd, ts: Date.now(), ...(args ? { args } : {}) };
}

function signed(cmd: string, args?: Record<string, unknown>) {
  return signRequest(request(cmd, args), { keyId: 'central-2026', privateKey: central.privateKeyPem }, { site: 'demo', node: 'cmd-1' });
}

/** Resolves with the first message on `topic` that satisfies `match`, decoded as a response. */
function responseOn(connection: MqttClient, topic: string, match: (response: ResponseMessage, properties: { correlationData?: Buffer }) => boolean, timeoutMs = 15_000) {
  return new Promise<{ response: ResponseMessage & { result?: any }; properties: { correlationData?: Buffer } }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no response on ${topic} within ${timeoutMs} ms`)), timeoutMs);
    connection.on('message', (arrived, payload, packet) => {
      if (arrived !== topic) return;
      const decoded = decodeMessage('response', payload);
      if (!decoded.ok) return reject(new Error(`undecodable response: ${decoded.error}`));
      const properties = { ...(packet.properties?.correlationData ? { correlationData: packet.properties.correlationData } : {}) };
      if (!match(decoded.message, properties)) return;
      clearTimeout(timer);
      resolve({ response: decoded.message, properties });
    });
  });
}

test('MQTT 5: signed set-mode flash is answered ok on the response topic with the correlation data, and the signal shows flash', async () => {
  const central5 = await client(5);
  const replyTo = 'central/replies/cmd-1';
  await central5.subscribeAsync(replyTo, { qos: 1 });
  const correlationData = Buffer.from('corr-set-mode-1');
  const message = signed('set-mode', { mode: 'flash' });
  const answered = responseOn(central5, replyTo, (response) => response.id === message.id);
  const sentAt = telemetry.received.length;
  await central5.publishAsync(`${BASE}/request/set-mode`, encodeMessage('request', message), { qos: 1, properties: { responseTopic: replyTo, correlationData } });
  const { response, properties } = await answered;
  assert.is(response.status, 'ok', response.error);
  assert.is(response.cmd, 'set-mode');
  assert.is(response.result.mode, 'flash');
  assert.equal(properties.correlationData, correlationData);
  await telemetry.waitFor((entry) => telemetry.received.indexOf(entry) >= sentAt && entry.kind === 'signal' && entry.message.mode === 'flash', 'signal in flash', 20_000);
  await telemetry.waitFor((entry) => entry.kind === 'event' && entry.message.type === 'command.executed', 'command.executed audit event');
});

test('MQTT 3.1.1: an unsigned set-mode is refused on response/set-mode with the request id and audited', async () => {
  const central4 = await client(4);
  await central4.subscribeAsync(`${BASE}/response/+`, { qos: 1 });
  const message = request('set-mode', { mode: 'all-red' });
  const answered = responseOn(central4, `${BASE}/response/set-mode`, (response) => response.id === message.id);
  await central4.publishAsync(`${BASE}/request/set-mode`, encodeMessage('request', message), { qos: 1 });
  const { response } = await answered;
  assert.is(response.status, 'refused');
  assert.match(response.error ?? '', /^unsigned/);
  const audit = await telemetry.waitFor((entry) => entry.kind === 'event' && entry.message.type === 'command.refused' && (entry.message.data as any)?.id === message.id, 'command.refused event');
  assert.match(String(audit.message.message), /set-mode refused: unsigned/);
  const signals = telemetry.of('signal').filter((entry) => entry.message.mode === 'all-red');
  assert.is(signals.length, 0, 'the signal never went all-red');
});

test('MQTT 3.1.1: selftest answers on response/selftest with every check', async () => {
  const central4 = await client(4);
  await central4.subscribeAsync(`${BASE}/response/+`, { qos: 1 });
  const message = request('selftest');
  const answered = responseOn(central4, `${BASE}/response/selftest`, (response) => response.id === message.id);
  await central4.publishAsync(`${BASE}/request/selftest`, encodeMessage('request', message), { qos: 1 });
  const { response } = await answered;
  assert.is(response.status, 'ok', response.error);
  assert.equal(response.result.checks.map((check: { name: string }) => check.name), ['config', 'lamp-sensing', 'monitor', 'cameras', 'broker']);
  for (const check of response.result.checks) assert.ok(check.ok, `${check.name}: ${check.detail}`);
  assert.is(response.result.passed, true);
});

test('snapshot: a JPEG of the current frame of cam1 with its privacy mask blanked', async () => {
  const central4 = await client(4);
  await central4.subscribeAsync(`${BASE}/response/+`, { qos: 1 });
  const message = request('snapshot', { camera: 'cam1' });
  const answered = responseOn(central4, `${BASE}/response/snapshot`, (response) => response.id === message.id);
  await central4.publishAsync(`${BASE}/request/snapshot`, encodeMessage('request', message), { qos: 1 });
  const { response } = await answered;
  assert.is(response.status, 'ok', response.error);
  const image = jpeg.decode(response.result.jpeg, { useTArray: true });
  assert.equal([image.width, image.height], [response.result.width, response.result.height]);
  const scale = image.width / 320;
  const mean = (x0: number, y0: number, x1: number, y1: number) => {
    let sum = 0;
    let count = 0;
    for (let y = Math.floor(y0 * scale); y < Math.floor(y1 * scale); y++) for (let x = Math.floor(x0 * scale); x < Math.floor(x1 * scale); x++, count++) sum += image.data[(y * image.width + x) * 4]!;
    return sum / count;
  };
  assert.ok(mean(8, 8, 150, 110) < 8, `masked area mean ${mean(8, 8, 150, 110)}`);
  assert.ok(mean(170, 130, 310, 230) > 20, `the rest of the image is not blank (mean ${mean(170, 130, 310, 230)})`);
});

test('replay: a range of this boot is sent again, flagged historical, from the durable log', async () => {
  const started = telemetry.received.find((entry) => entry.kind === 'event' && entry.message.type === 'node.started')!;
  const boot = started.message.boot as number;
  const central4 = await client(4);
  await central4.subscribeAsync(`${BASE}/response/+`, { qos: 1 });
  const message = request('replay', { boot, fromSeq: 0, toSeq: 2 });
  const answered = responseOn(central4, `${BASE}/response/replay`, (response) => response.id === message.id);
  await central4.publishAsync(`${BASE}/request/replay`, encodeMessage('request', message), { qos: 1 });
  const { response } = await answered;
  assert.is(response.status, 'ok', response.error);
  assert.equal(response.result, { requested: 3, found: 3 });
  for (const seq of [0, 1, 2]) {
    await telemetry.waitFor((entry) => entry.message.boot === boot && entry.message.seq === seq && entry.message.historical === true, `historical seq ${seq}`);
  }
});

test('garbage on a request topic is answered when it has an id, audited, and the node keeps running', async () => {
  const central4 = await client(4);
  await central4.subscribeAsync(`${BASE}/response/+`, { qos: 1 });
  const { pack } = await import('msgpackr');
  const answered = responseOn(central4, `${BASE}/response/manual-step`, (response) => response.id === 'garbled-1');
  await central4.publishAsync(`${BASE}/request/manual-step`, Buffer.from([0xc1, 0x00, 0xff]), { qos: 1 });
  await central4.publishAsync(`${BASE}/request/manual-step`, Buffer.from(pack({ id: 'garbled-1', cmd: 42 })), { qos: 1 });
  const { response } = await answered;
  assert.is(response.status, 'error');
  assert.match(response.error ?? '', /^malformed request/);
  await telemetry.waitFor((entry) => entry.kind === 'event' && entry.message.type === 'command.malformed', 'command.malformed event');
  assert.is(node.child.exitCode, null, 'the node is still running');
});

test.run();
