import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { Collector } from '../support/collector.js';
import { MosquittoBroker } from '../support/mosquitto.js';
import { NodeProcess, writeTestConfig } from '../support/node-process.js';

/** `nutgiao cmd`: a key made with keygen, a signed set-mode through a real broker to the real node. */
const test = suite('nutgiao cmd');
let broker: MosquittoBroker;
let node: NodeProcess;
let telemetry: Collector;
let keyFile: string;

async function cli(args: string[]): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const run = NodeProcess.spawn(args);
  const { code } = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
}

test.before(async () => {
  broker = await MosquittoBroker.start();
  telemetry = await Collector.connect(broker.url, { filter: 'nutgiao/v1/demo/cli-1/#' });
  keyFile = join(await mkdtemp(join(tmpdir(), 'nutgiao-key-')), 'central.pem');
});

test.after(async () => {
  await node?.stop();
  await telemetry?.close();
  await broker?.stop();
});

test('keygen writes a private key (mode 600) and prints the public key; it never overwrites', async () => {
  const made = await cli(['cmd', 'keygen', '--out', keyFile]);
  assert.is(made.code, 0, made.stderr.join('\n'));
  const printed = JSON.parse(made.stdout[0]!) as { publicKey: string };
  assert.match(printed.publicKey, /^[A-Za-z0-9+/]{43}=$/);
  assert.is((await stat(keyFile)).mode & 0o777, 0o600);
  const again = await cli(['cmd', 'keygen', '--out', keyFile]);
  assert.is(again.code, 2);

  const { configPath } = await writeTestConfig({ nodeId: 'cli-1', broker: broker.url, mutate: (config) => (config.commands = { keys: [{ id: 'ops', publicKey: printed.publicKey }] }) });
  node = NodeProcess.spawn(['run', '--config', configPath]);
  await telemetry.waitFor((entry) => entry.kind === 'event' && entry.message.type === 'node.started', 'node.started', 20_000);
});

test('a signed set-mode answers ok (exit 0); unsigned it is refused (exit 1)', async () => {
  const signed = await cli(['cmd', 'cli-1@demo', 'set-mode', '--args', '{"mode":"flash"}', '--key', keyFile, '--key-id', 'ops', '--broker', broker.url]);
  assert.is(signed.code, 0, signed.stderr.join('\n'));
  const response = JSON.parse(signed.stdout[0]!);
  assert.is(response.status, 'ok');
  assert.is(response.result.mode, 'flash');
  const unsigned = await cli(['cmd', 'cli-1@demo', 'set-mode', '--args', '{"mode":"normal"}', '--broker', broker.url]);
  assert.is(unsigned.code, 1);
  assert.is(JSON.parse(unsigned.stdout[0]!).status, 'refused');
});

test('snapshot prints the JPEG as base64', async () => {
  const shot = await cli(['cmd', 'cli-1@demo', 'snapshot', '--args', '{"camera":"cam1","maxSide":160}', '--broker', broker.url]);
  assert.is(shot.code, 0, shot.stderr.join('\n'));
  const image = jpeg.decode(Buffer.from(JSON.parse(shot.stdout[0]!).result.jpeg, 'base64'));
  assert.is(image.width, 160);
});

test('usage mistakes exit 2 with what to fix', async () => {
  const wrong = await cli(['cmd', 'cli-1', 'set-mode']);
  assert.is(wrong.code, 2);
  assert.match(wrong.stderr.join('\n'), /NODE@SITE: expected e\.g\. sim-0001@demo/);
});

test.run();
