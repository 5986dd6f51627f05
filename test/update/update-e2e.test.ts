import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { SCHEMA_VERSION, decodeMessage, encodeMessage, type ResponseMessage } from '../../protocol/index.js';
import { generateCommandKeyPair, signRequest } from '../../protocol/sign.js';
import { releaseCommand } from '../../edge/cli/release-command.js';
import { pointCurrent } from '../../edge/update/slots.js';
import { buildCheckoutCopy } from '../support/built-checkout.js';
import { Collector } from '../support/collector.js';
import { MosquittoBroker } from '../support/mosquitto.js';
import { writeTestConfig } from '../support/node-process.js';
import { RELEASE_KEY, serve } from './bundle-fixture.js';
import { Supervisor } from './supervisor.js';

/**
 * Remote update end to end on the simulated node: the node process runs from RELEASES/current under a
 * supervisor that behaves like the systemd unit (start guard, restart after any exit); releases are made
 * by `nutgiao release` from a fresh build of this checkout and served over http; the update command is
 * signed as the central system signs it.
 */
const test = suite('remote update end to end');
const central = generateCommandKeyPair();
const NODE = 'upd-1';
const BASE = `nutgiao/v1/demo/${NODE}`;
const NEW_VERSION = '0.1.0-update.1';
const BROKEN_VERSION = '0.1.0-broken';
let broker: MosquittoBroker;
let telemetry: Collector;
let requester: MqttClient;
let installed: { dir: string; remove: () => Promise<void> };
let scratch: string;
let releasesDir: string;
let supervisor: Supervisor;
let server: Awaited<ReturnType<typeof serve>>;
const bundles: Record<string, Buffer> = {};
const timings: Record<string, number> = {};

async function release(from: string, version: string, out: string): Promise<void> {
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line), cwd: scratch, env: process.env, onInterrupt: () => {} };
  const code = await releaseCommand(['--from', from, '--out', out, '--key', join(scratch, 'release.pem'), '--key-id', 'release', '--version', version], io);
  assert.is(code, 0, lines.join('\n'));
}

test.before(async () => {
  try {
    await prepare();
  } catch (error) {
    console.error(error);
    throw error;
  }
});

async function prepare(): Promise<void> {
  let started = Date.now();
  installed = await buildCheckoutCopy();
  timings.buildMs = Date.now() - started;
  scratch = await mkdtemp(join(tmpdir(), 'nutgiao-update-e2e-'));
  await writeFile(join(scratch, 'release.pem'), RELEASE_KEY.privateKeyPem);

  started = Date.now();
  await release(installed.dir, NEW_VERSION, join(scratch, 'good.ngr'));
  timings.releaseMs = Date.now() - started;
  // A release whose node exits at once: what a bad build looks like to the cabinet.
  const broken = join(scratch, 'broken-package');
  await mkdir(join(broken, 'bin'), { recursive: true });
  await mkdir(join(broken, 'dist'), { recursive: true });
  await writeFile(join(broken, 'package.json'), JSON.stringify({ name: 'nutgiao', version: BROKEN_VERSION, files: ['bin', 'dist'], engines: { node: '>=20' } }));
  await writeFile(join(broken, 'bin/nutgiao.js'), "console.error('this release is broken: exits at start');\nprocess.exit(1);\n");
  await writeFile(join(broken, 'dist/.built'), '');
  await release(broken, BROKEN_VERSION, join(scratch, 'broken.ngr'));
  bundles.good = await readFile(join(scratch, 'good.ngr'));
  bundles.broken = await readFile(join(scratch, 'broken.ngr'));
  bundles.tampered = Buffer.from(bundles.good);
  bundles.tampered[bundles.tampered.length - 4096]! ^= 0x40;
  server = await serve(Object.fromEntries(Object.entries(bundles).map(([name, data]) => [`/${name}.ngr`, (response) => response.end(data)])));

  broker = await MosquittoBroker.start();
  telemetry = await Collector.connect(broker.url, { filter: `${BASE}/#` });
  requester = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
  await requester.subscribeAsync(`${BASE}/response/+`, { qos: 1 });
  const { dir, configPath, stateDir } = await writeTestConfig({
    nodeId: NODE,
    broker: broker.url,
    mutate: (config) => {
      config.commands = { keys: [{ id: 'central', publicKey: central.publicKey }] };
      config.update = { keys: [{ id: 'release', publicKey: RELEASE_KEY.publicKey }], healthyWithinS: 10 };
      config.cameras = [];
    },
  });
  await mkdir(stateDir, { recursive: true });
  releasesDir = join(stateDir, 'releases');
  // What scripts/install.sh leaves: current -> the installed package.
  await pointCurrent(releasesDir, installed.dir);
  supervisor = new Supervisor({ installedPackage: installed.dir, releasesDir, args: ['run', '--config', configPath, '--state-dir', stateDir], cwd: dir });
  supervisor.start();
}

test.after(async () => {
  await supervisor?.stop();
  await server?.close();
  await requester?.endAsync(true);
  await telemetry?.close();
  await broker?.stop();
  await installed?.remove();
  if (scratch) await rm(scratch, { recursive: true, force: true });
  console.log(`  update e2e: build ${timings.buildMs} ms, release ${timings.releaseMs} ms (${bundles.good?.length} bytes), update to healthy ${timings.updateMs} ms, rollback ${timings.rollbackMs} ms`);
});

async function nextBirth(after: number, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  try {
    const birth = await telemetry.waitFor((entry) => telemetry.received.indexOf(entry) >= after && entry.kind === 'state' && entry.message.status === 'online', 'a birth', timeoutMs);
    // The birth goes out on connect, before the node listens for requests; node.started comes after.
    await telemetry.waitFor((entry) => telemetry.received.indexOf(entry) >= after && entry.kind === 'event' && entry.message.type === 'node.started', 'node.started', timeoutMs);
    return birth.message;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${supervisor.describe()}`);
  }
}

async function nextEvent(after: number, type: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  try {
    return (await telemetry.waitFor((entry) => telemetry.received.indexOf(entry) >= after && entry.kind === 'event' && entry.message.type === type, type, timeoutMs)).message;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${supervisor.describe()}`);
  }
}

async function command(cmd: string, args: Record<string, unknown>): Promise<ResponseMessage & { result?: any }> {
  const message = signRequest({ v: SCHEMA_VERSION, id: `${cmd}-${Math.random().toString(16).slice(2)}`, cmd, ts: Date.now(), args }, { keyId: 'central', privateKey: central.privateKeyPem }, { site: 'demo', node: NODE });
  const answer = new Promise<ResponseMessage & { result?: any }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${cmd}\n${supervisor.describe()}`)), 20_000);
    const onMessage = (topic: string, payload: Buffer) => {
      const decoded = decodeMessage('response', payload);
      if (topic === `${BASE}/response/${cmd}` && decoded.ok && decoded.message.id === message.id) {
        clearTimeout(timer);
        requester.off('message', onMessage);
        resolve(decoded.message);
      }
    };
    requester.on('message', onMessage);
  });
  await requester.publishAsync(`${BASE}/request/${cmd}`, encodeMessage('request', message), { qos: 1 });
  return answer;
}

test('a tampered bundle is refused with the reason; the running release keeps running', async () => {
  const first = await nextBirth(0);
  assert.is(first.version, '0.1.0', 'the installed package runs first');
  const mark = telemetry.received.length;
  const response = await command('update', { url: server.url('/tampered.ngr') });
  assert.is(response.status, 'error');
  assert.match(response.error ?? '', /^update refused, 0\.1\.0 keeps running: payload hash mismatch/);
  const refused = await nextEvent(mark, 'update.refused');
  assert.match(String(refused.message), /payload hash mismatch/);
  assert.is(await readlink(join(releasesDir, 'current')), installed.dir);
  assert.is(supervisor.starts.length, 1, 'no restart');
});

test('a good release: installed in slot a, the node restarts into it, reports the new version, confirms', async () => {
  const mark = telemetry.received.length;
  const started = Date.now();
  const response = await command('update', { url: server.url('/good.ngr') });
  assert.is(response.status, 'ok', response.error);
  assert.equal(response.result, { restarting: true, exitCode: 75, version: NEW_VERSION, fromVersion: '0.1.0', slot: 'a', healthyWithinS: 10 });
  const birth = await nextBirth(mark);
  assert.is(birth.version, NEW_VERSION);
  const applied = await nextEvent(mark, 'update.applied');
  timings.updateMs = Date.now() - started;
  assert.equal(applied.data, { version: NEW_VERSION, fromVersion: '0.1.0' });
  assert.is(await readlink(join(releasesDir, 'current')), 'a');
  assert.is(supervisor.starts[0]?.exit?.code, 75, supervisor.describe());
  assert.match(supervisor.starts[1]?.guard ?? '', /starting release 0\.1\.0-update\.1 on trial \(start 1/);
});

test('a release that exits at start is rolled back by the next start, which reports update.rolled-back', async () => {
  const mark = telemetry.received.length;
  const startsBefore = supervisor.starts.length;
  const started = Date.now();
  const response = await command('update', { url: server.url('/broken.ngr') });
  assert.is(response.status, 'ok', response.error);
  assert.is(response.result.slot, 'b');
  const birth = await nextBirth(mark);
  timings.rollbackMs = Date.now() - started;
  assert.is(birth.version, NEW_VERSION, 'back on the release that ran before');
  const rolledBack = await nextEvent(mark, 'update.rolled-back');
  assert.match(String(rolledBack.message), /^update to 0\.1\.0-broken rolled back: release 0\.1\.0-broken did not come up healthy: it exited, crashed or was killed before confirming \(start 2\); 0\.1\.0-update\.1 was restored$/);
  assert.is(await readlink(join(releasesDir, 'current')), 'a');
  const starts = supervisor.starts.slice(startsBefore);
  assert.is(starts[0]?.exit?.code, 1, supervisor.describe());
  assert.match(starts[0]?.stderr ?? '', /this release is broken/);
  assert.match(starts[1]?.guard ?? '', /rolled back: release 0\.1\.0-broken did not come up healthy/);
});

test.run();
