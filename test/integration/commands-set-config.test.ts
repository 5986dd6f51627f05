import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { SCHEMA_VERSION, decodeMessage, encodeMessage, type ResponseMessage } from '../../protocol/index.js';
import { generateCommandKeyPair, signRequest } from '../../protocol/sign.js';
import { Collector } from '../support/collector.js';
import { MosquittoBroker } from '../support/mosquitto.js';
import { NodeProcess, writeTestConfig } from '../support/node-process.js';
import { freePort } from '../support/ports.js';

/**
 * set-config on the real node process, the test acting as the process supervisor (it starts the node
 * again whenever it exits 75): a good config is applied and confirmed; a config with which the node
 * cannot reach its broker is rolled back to the previous one.
 */
const test = suite('set-config with rollback');
const central = generateCommandKeyPair();
const NODE = 'cfg-1';
const BASE = `nutgiao/v1/demo/${NODE}`;
let broker: MosquittoBroker;
let telemetry: Collector;
let requester: MqttClient;
let configPath: string;
let node: NodeProcess;

test.before(async () => {
  broker = await MosquittoBroker.start();
  telemetry = await Collector.connect(broker.url, { filter: `${BASE}/#` });
  requester = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
  await requester.subscribeAsync(`${BASE}/response/+`, { qos: 1 });
  ({ configPath } = await writeTestConfig({
    nodeId: NODE,
    broker: broker.url,
    mutate: (config) => {
      config.commands = { keys: [{ id: 'central', publicKey: central.publicKey }], configTrialS: 10 };
      config.cameras = [];
    },
  }));
  node = NodeProcess.spawn(['run', '--config', configPath]);
});

test.after(async () => {
  await node?.stop();
  await requester?.endAsync(true);
  await telemetry?.close();
  await broker?.stop();
});

/** The node's births, newest last. */
async function nextBirth(after: number, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const birth = await telemetry.waitFor((entry) => telemetry.received.indexOf(entry) >= after && entry.kind === 'state' && entry.message.status === 'online', 'a birth', timeoutMs);
  // The birth goes out on connect, before the node listens for requests; node.started comes after.
  await telemetry.waitFor((entry) => telemetry.received.indexOf(entry) >= after && entry.kind === 'event' && entry.message.type === 'node.started', 'node.started', timeoutMs);
  return birth.message;
}

async function command(cmd: string, args: Record<string, unknown>): Promise<ResponseMessage & { result?: any }> {
  const message = signRequest({ v: SCHEMA_VERSION, id: `${cmd}-${Math.random().toString(16).slice(2)}`, cmd, ts: Date.now(), args }, { keyId: 'central', privateKey: central.privateKeyPem }, { site: 'demo', node: NODE });
  const answer = new Promise<ResponseMessage & { result?: any }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${cmd}`)), 15_000);
    requester.on('message', (topic, payload) => {
      const decoded = decodeMessage('response', payload);
      if (topic === `${BASE}/response/${cmd}` && decoded.ok && decoded.message.id === message.id) {
        clearTimeout(timer);
        resolve(decoded.message);
      }
    });
  });
  await requester.publishAsync(`${BASE}/request/${cmd}`, encodeMessage('request', message), { qos: 1 });
  return answer;
}

/** What a supervisor does: the node exited 75, start it again. */
async function restartAfterExit(): Promise<void> {
  const exit = await node.exited;
  assert.is(exit.code, 75, `the node exits 75 to be restarted\n${node.stderr.join('\n')}`);
  node = NodeProcess.spawn(['run', '--config', configPath]);
}

test('an invalid config is an error listing its fields; nothing is written', async () => {
  await nextBirth(0);
  const before = await readFile(configPath, 'utf8');
  const current = (await command('get-config', {})).result.config;
  const response = await command('set-config', { config: { ...current, telemetry: { healthIntervalS: 0, summaryIntervalS: 1 } } });
  assert.is(response.status, 'error');
  assert.match(response.error ?? '', /^args\.config is not a valid config \(1 errors\): config\.telemetry\.healthIntervalS: must be >= 1/);
  assert.is(await readFile(configPath, 'utf8'), before);
});

test('a valid config is applied by a restart and confirmed once the node is up', async () => {
  const original = telemetry.of('state').find((entry) => entry.message.status === 'online')!.message;
  const current = (await command('get-config', {})).result.config;
  const response = await command('set-config', { config: { ...current, telemetry: { ...current.telemetry, healthIntervalS: 7 } } });
  assert.is(response.status, 'ok', response.error);
  assert.equal(response.result, { restarting: true, exitCode: 75, trialS: 10 });
  const mark = telemetry.received.length;
  await restartAfterExit();
  const birth = await nextBirth(mark);
  assert.is(birth.healthIntervalS, 7);
  assert.is.not(birth.configHash, original.configHash);
  await telemetry.waitFor((entry) => telemetry.received.indexOf(entry) >= mark && entry.kind === 'event' && entry.message.type === 'config.applied', 'config.applied');
});

test('a config with which the node cannot reach the broker is rolled back', async () => {
  const current = (await command('get-config', {})).result.config;
  const goodHash = telemetry.of('state').filter((entry) => entry.message.status === 'online').at(-1)!.message.configHash;
  const deadBroker = `mqtt://127.0.0.1:${await freePort()}`;
  const response = await command('set-config', { config: { ...current, mqtt: { ...current.mqtt, broker: deadBroker } } });
  assert.is(response.status, 'ok', response.error);
  await restartAfterExit(); // into the bad config: no broker, so no confirmation within 10 s
  const mark = telemetry.received.length;
  await restartAfterExit(); // it put the previous config back and exited 75
  const birth = await nextBirth(mark);
  assert.is(birth.configHash, goodHash);
  const reverted = await telemetry.waitFor((entry) => telemetry.received.indexOf(entry) >= mark && entry.kind === 'event' && entry.message.type === 'config.reverted', 'config.reverted');
  assert.match(String(reverted.message.message), /did not reach the broker within 10 s/);
  assert.match(await readFile(configPath, 'utf8'), new RegExp(broker.url.replace(/[.:/]/g, '\\$&')));
});

test.run();
