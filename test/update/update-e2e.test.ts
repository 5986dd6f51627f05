import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { UpdateStream } from '../../protocol/commands.js';
import { SCHEMA_VERSION, decodeMessage, encodeMessage, type ResponseMessage } from '../../protocol/index.js';
import { generateCommandKeyPair, signRequest } from '../../protocol/sign.js';
import { cmdCommand } from '../../edge/cli/cmd-command.js';
import { releaseCommand } from '../../edge/cli/release-command.js';
import { sha256 } from '../../edge/update/bundle.js';
import { pointCurrent } from '../../edge/update/slots.js';
import { chunkBytes, describeStream, publishChunks, sendStreamedUpdate } from '../../edge/update/stream-sender.js';
import { buildCheckoutCopy } from '../support/built-checkout.js';
import { Collector } from '../support/collector.js';
import { MosquittoBroker } from '../support/mosquitto.js';
import { writeTestConfig } from '../support/node-process.js';
import { RELEASE_KEY, serve } from './bundle-fixture.js';
import { Supervisor } from './supervisor.js';

/**
 * Remote update end to end on the simulated node: the node process runs from RELEASES/current under a
 * supervisor that behaves like the systemd unit (start guard, restart after any exit); releases are made
 * by `nutgiao release` from a fresh build of this checkout and served over http or streamed over MQTT;
 * the update command is signed as the central system signs it.
 */
const test = suite('remote update end to end');
const central = generateCommandKeyPair();
const NODE = 'upd-1';
const BASE = `nutgiao/v1/demo/${NODE}`;
const NEW_VERSION = '0.1.0-update.1';
const BROKEN_VERSION = '0.1.0-broken';
const STREAMED_VERSION = '0.1.0-update.2';
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
/** The transfer the cut-short test leaves incomplete, for the resume test. */
let cutShort: UpdateStream | undefined;

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
  // Two releases of the build, packed side by side (zlib works off the main thread).
  await Promise.all([release(installed.dir, NEW_VERSION, join(scratch, 'good.ngr')), release(installed.dir, STREAMED_VERSION, join(scratch, 'streamed.ngr'))]);
  timings.releaseMs = Date.now() - started;
  await writeFile(join(scratch, 'central.pem'), central.privateKeyPem);
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
      config.update = { keys: [{ id: 'release', publicKey: RELEASE_KEY.publicKey }], healthyWithinS: 10, streamChunkTimeoutS: 2 };
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
  console.log(
    `  update e2e: build ${timings.buildMs} ms, 2 releases side by side ${timings.releaseMs} ms (${bundles.good?.length} bytes each), update to healthy ${timings.updateMs} ms, rollback ${timings.rollbackMs} ms, streamed update to healthy ${timings.streamedMs} ms`,
  );
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

/** Announces a stream of `bundle` by a signed update command, then publishes only the chunks `send` picks. */
async function streamByHand(bundle: Buffer, send: (index: number) => boolean) {
  const stream = describeStream(bundle);
  const mark = telemetry.received.length;
  const answer = command('update', { stream });
  const open = await nextEvent(mark, 'update.stream-open');
  assert.equal(open.data, { transferId: stream.transferId, chunks: stream.chunks, missing: [[0, stream.chunks - 1]], missingCount: stream.chunks, resumed: false });
  const indexes = [...Array(stream.chunks).keys()].filter(send);
  await publishChunks({ client: requester, prefix: 'nutgiao/v1', site: 'demo', node: NODE, stream }, indexes, (index) => chunkBytes(bundle, stream, index));
  return { stream, response: await answer, mark };
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

test('chunks that no update command announced are refused and reported', async () => {
  const mark = telemetry.received.length;
  await requester.publishAsync(`${BASE}/update-stream/stray-transfer/0`, Buffer.alloc(1024), { qos: 1 });
  const refused = await nextEvent(mark, 'update.chunk-refused');
  assert.equal(refused.data, { transferId: 'stray-transfer', index: 0, bytes: 1024, reason: 'no update command in progress announced transfer stray-transfer', alsoRefused: 0 });
});

test('a streamed bundle cut short: after update.streamChunkTimeoutS the answer names the missing chunks; the running release keeps running', async () => {
  const { stream, response, mark } = await streamByHand(bundles.good!, (index) => index < 3);
  cutShort = stream;
  assert.is(response.status, 'error');
  const last = stream.chunks - 1;
  assert.is(
    response.error,
    `update refused, 0.1.0 keeps running: stream ${stream.transferId} incomplete: no new chunk for 2 s (update.streamChunkTimeoutS), missing chunks 3-${last} of 0-${last} (${stream.chunks - 3} in all): send the update command again with the same stream and publish them`,
  );
  const refused = await nextEvent(mark, 'update.refused');
  assert.is((refused.data as Record<string, unknown>).transferId, stream.transferId);
  assert.is(await readlink(join(releasesDir, 'current')), installed.dir);
  assert.is(supervisor.starts.length, 1, 'no restart');
});

test('the same stream again resumes with only the missing chunks; altered on the way, it fails its SHA-256 before the bundle is opened', async () => {
  const stream = cutShort!;
  const progress: string[] = [];
  const mark = telemetry.received.length;
  // The resend as nutgiao cmd does it, but with chunks damaged on the way: the tampered bundle's bytes.
  const response = await sendStreamedUpdate({
    client: requester,
    prefix: 'nutgiao/v1',
    site: 'demo',
    node: NODE,
    bundle: bundles.tampered!,
    stream,
    request: async (args) => signRequest({ v: SCHEMA_VERSION, id: `update-${Math.random().toString(16).slice(2)}`, cmd: 'update', ts: Date.now(), args }, { keyId: 'central', privateKey: central.privateKeyPem }, { site: 'demo', node: NODE }),
    timeoutMs: 20_000,
    rounds: 3,
    progress: (line) => progress.push(line),
  });
  const open = await nextEvent(mark, 'update.stream-open');
  assert.equal(open.data, { transferId: stream.transferId, chunks: stream.chunks, missing: [[3, stream.chunks - 1]], missingCount: stream.chunks - 3, resumed: true });
  assert.equal(progress, [`round 1: publishing ${stream.chunks - 3} of ${stream.chunks} chunks of transfer ${stream.transferId}`], 'one round: a hash mismatch is not resent');
  assert.is(response?.status, 'error');
  const mixed = Buffer.concat([bundles.good!.subarray(0, 3 * stream.chunkSize), bundles.tampered!.subarray(3 * stream.chunkSize)]);
  assert.is(
    response?.error,
    `update refused, 0.1.0 keeps running: stream ${stream.transferId}: the bytes received hash to sha256 ${sha256(mixed)}, the update command says ${stream.sha256} (chunks altered on the way, or a wrong descriptor)`,
  );
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

test('nutgiao cmd … update --bundle streams a release over MQTT; the node switches to it in slot b and confirms', async () => {
  const mark = telemetry.received.length;
  const started = Date.now();
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line), cwd: scratch, env: process.env, onInterrupt: () => {} };
  const args = [`${NODE}@demo`, 'update', '--bundle', join(scratch, 'streamed.ngr'), '--key', join(scratch, 'central.pem'), '--key-id', 'central', '--broker', broker.url, '--timeout', '30'];
  const code = await cmdCommand(args, io);
  assert.is(code, 0, lines.join('\n'));
  const response = JSON.parse(lines.at(-1)!) as { status: string; result: Record<string, unknown> };
  assert.equal(response.result, { restarting: true, exitCode: 75, version: STREAMED_VERSION, fromVersion: NEW_VERSION, slot: 'b', healthyWithinS: 10 });
  const birth = await nextBirth(mark);
  assert.is(birth.version, STREAMED_VERSION);
  const applied = await nextEvent(mark, 'update.applied');
  timings.streamedMs = Date.now() - started;
  assert.equal(applied.data, { version: STREAMED_VERSION, fromVersion: NEW_VERSION });
  assert.is(await readlink(join(releasesDir, 'current')), 'b');
  assert.equal(await readdir(join(releasesDir, 'incoming')), [], 'the partial bundle is gone');
});

test.run();
