import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { BirthRegistry, SCHEMA_VERSION, decodeTopicMessage, DEFAULT_PREFIX, encodeMessage } from '../../protocol/index.js';
import { generateCommandKeyPair, signRequest } from '../../protocol/sign.js';
import { NodeProcess, writeTestConfig } from '../support/node-process.js';
import { freePort, waitForPort } from '../support/ports.js';

/**
 * Transport security with a real Mosquitto: a TLS listener with a test CA, client certificates required,
 * a password file, and an ACL that gives node tls-1 only its own topics. The node connects with its CA,
 * certificate, key and a password read from a file; it publishes its telemetry and answers its
 * requests; with its credentials, a publish to another node's topic is not delivered.
 */
const test = suite('TLS, client certificates, passwords and ACLs');
const central = generateCommandKeyPair();
const NODE = 'tls-1';
const BASE = `${DEFAULT_PREFIX}/demo/${NODE}`;
let dir: string;
let port: number;
let broker: ChildProcess;
let node: NodeProcess;
const clients: MqttClient[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate for 127.0.0.1 and one client certificate per name, signed by the CA. */
function makeCertificates(clientNames: string[]): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=nutgiao-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem');
  const issue = (name: string, subject: string, extensions: string) => {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  for (const name of clientNames) issue(name, `/CN=${name}`, 'extendedKeyUsage=clientAuth\n');
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nutgiao-tls-'));
  await chmod(dir, 0o755);
  makeCertificates([NODE, 'central', 'stranger']);
  execFileSync('mosquitto_passwd', ['-c', '-b', join(dir, 'passwords'), NODE, 'node-secret'], { stdio: 'pipe' });
  execFileSync('mosquitto_passwd', ['-b', join(dir, 'passwords'), 'central', 'central-secret'], { stdio: 'pipe' });
  // The node may publish its own telemetry and responses, and read only its own requests.
  await writeFile(
    join(dir, 'acl'),
    [
      `user ${NODE}`,
      `topic write ${BASE}/+`,
      `topic write ${BASE}/response/+`,
      `topic read ${BASE}/request/+`,
      'user central',
      `topic readwrite ${DEFAULT_PREFIX}/#`,
    ].join('\n') + '\n',
  );
  port = await freePort();
  await writeFile(
    join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      `cafile ${dir}/ca.pem`,
      `certfile ${dir}/server.pem`,
      `keyfile ${dir}/server.key`,
      'require_certificate true',
      'allow_anonymous false',
      `password_file ${dir}/passwords`,
      `acl_file ${dir}/acl`,
      'log_type error',
      'log_dest stderr',
    ].join('\n') + '\n',
  );
  // Started as root, mosquitto drops to its own user, which must read the key files.
  for (const file of ['server.key', 'passwords', 'acl']) await chmod(join(dir, file), 0o644);
  broker = spawn(existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForPort(port);
});

test.after(async () => {
  for (const client of clients) await client.endAsync(true).catch(() => undefined);
  await node?.stop();
  broker?.kill('SIGTERM');
});

async function connectAs(name: string, password: string, protocolVersion: 4 | 5 = 5): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
    protocolVersion,
    clientId: `${name}-${Math.random().toString(16).slice(2)}`,
    username: name,
    password,
    ca: await readFile(join(dir, 'ca.pem')),
    cert: await readFile(join(dir, `${name}.pem`)),
    key: await readFile(join(dir, `${name}.key`)),
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  clients.push(client);
  return client;
}

test('a client without a certificate is refused by the broker', async () => {
  const attempt = mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, { ca: await readFile(join(dir, 'ca.pem')), username: 'central', password: 'central-secret', reconnectPeriod: 0, connectTimeout: 3000 });
  await attempt.then(
    (client) => {
      clients.push(client);
      assert.unreachable('connected without a client certificate');
    },
    (error: Error) => assert.ok(error instanceof Error),
  );
});

test('the node connects over TLS with its certificate and a password from a file, publishes, and answers a signed command', async () => {
  const observer = await connectAs('central', 'central-secret');
  const seen: Array<{ topic: string; message: Record<string, unknown> }> = [];
  const births = new BirthRegistry();
  observer.on('message', (topic, payload) => {
    const decoded = decodeTopicMessage(DEFAULT_PREFIX, topic, payload, births);
    if (decoded.ok) seen.push({ topic, message: decoded.message as Record<string, unknown> });
  });
  await observer.subscribeAsync(`${DEFAULT_PREFIX}/#`, { qos: 1 });
  await writeFile(join(dir, 'node-password'), 'node-secret\n');
  const { configPath } = await writeTestConfig({
    nodeId: NODE,
    broker: `mqtts://127.0.0.1:${port}`,
    mutate: (config) => {
      config.mqtt.username = NODE;
      config.mqtt.password = { file: join(dir, 'node-password') };
      config.mqtt.tls = { ca: join(dir, 'ca.pem'), cert: join(dir, `${NODE}.pem`), key: join(dir, `${NODE}.key`) };
      config.commands = { keys: [{ id: 'central', publicKey: central.publicKey }] };
      config.cameras = [];
    },
  });
  node = NodeProcess.spawn(['run', '--config', configPath]);
  const until = async (predicate: () => boolean, what: string) => {
    const deadline = Date.now() + 20_000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; seen ${seen.map((entry) => entry.topic).join(' ')}\nnode stderr:\n${node.stderr.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  await until(() => seen.some((entry) => entry.topic === `${BASE}/state` && entry.message.status === 'online'), 'the birth over TLS');
  await until(() => seen.some((entry) => entry.topic === `${BASE}/event` && entry.message.type === 'node.started'), 'node.started');

  const request = signRequest({ v: SCHEMA_VERSION, id: 'tls-mode-1', cmd: 'set-mode', ts: Date.now(), args: { mode: 'flash' } }, { keyId: 'central', privateKey: central.privateKeyPem }, { site: 'demo', node: NODE });
  await observer.publishAsync(`${BASE}/request/set-mode`, encodeMessage('request', request), { qos: 1 });
  await until(() => seen.some((entry) => entry.topic === `${BASE}/response/set-mode` && entry.message.id === 'tls-mode-1'), 'the set-mode response');
  const response = seen.find((entry) => entry.topic === `${BASE}/response/set-mode`)!;
  assert.is(response.message.status, 'ok', String(response.message.error));
});

test("with the node's credentials, a publish to another node's topic is not delivered; its own topic is", async () => {
  const observer = await connectAs('central', 'central-secret', 4);
  const topics: string[] = [];
  observer.on('message', (topic) => topics.push(topic));
  await observer.subscribeAsync(`${DEFAULT_PREFIX}/demo/+/probe-target/#`, { qos: 1 });
  await observer.subscribeAsync(`${DEFAULT_PREFIX}/demo/other-1/#`, { qos: 1 });
  await observer.subscribeAsync(`${BASE}/event`, { qos: 1 });
  const impostor = await connectAs(NODE, 'node-secret', 4);
  const event = { v: SCHEMA_VERSION, node: 'other-1', boot: 0, ts: Date.now(), seq: 0, type: 'acl.probe', severity: 'info' as const, message: 'must not arrive' };
  await impostor.publishAsync(`${DEFAULT_PREFIX}/demo/other-1/event`, encodeMessage('event', event), { qos: 1 });
  await impostor.publishAsync(`${DEFAULT_PREFIX}/demo/other-1/request/set-mode`, Buffer.from('x'), { qos: 1 });
  // A marker on its own topic, sent after the probes: once it arrives, the probes would have too.
  await impostor.publishAsync(`${BASE}/event`, encodeMessage('event', { ...event, node: NODE, type: 'acl.marker', message: 'own topic' }), { qos: 1 });
  const deadline = Date.now() + 5000;
  while (!topics.includes(`${BASE}/event`) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(topics.includes(`${BASE}/event`), 'its own topic is delivered');
  assert.equal(topics.filter((topic) => topic.includes('/other-1/')), [], "another node's topics are not delivered");
  // And it cannot read another node's requests either: nothing the node may not read reaches it.
  const reader = await connectAs(NODE, 'node-secret', 4);
  const readerTopics: string[] = [];
  reader.on('message', (topic) => readerTopics.push(topic));
  await reader.subscribeAsync(`${DEFAULT_PREFIX}/demo/other-1/request/+`, { qos: 1 });
  await observer.publishAsync(`${DEFAULT_PREFIX}/demo/other-1/request/selftest`, encodeMessage('request', { v: SCHEMA_VERSION, id: 'r1', cmd: 'selftest', ts: Date.now() }), { qos: 1 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(readerTopics, []);
});

test.run();
