import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_CONFIG_PATH } from '../../edge/config/index.js';
import { SIM_FAULTS_ENV } from '../../edge/selftest/sim-fault-hook.js';
import { Collector } from '../support/collector.js';
import { MosquittoBroker } from '../support/mosquitto.js';
import { NodeProcess } from '../support/node-process.js';
import { freePort } from '../support/ports.js';

/** `nutgiao selftest` as a technician runs it: the real process, the example config on simulated hardware, a real Mosquitto. */
const test = suite('nutgiao selftest');
let broker: MosquittoBroker;
let central: Collector;

interface JsonReport {
  passed: boolean;
  published: boolean;
  rows: { check: string; status: string; detail: string; measured: Record<string, unknown> }[];
}

async function selftest(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const stateDir = await mkdtemp(join(tmpdir(), 'nutgiao-selftest-'));
  const run = NodeProcess.spawn(['selftest', '--config', EXAMPLE_CONFIG_PATH, '--state-dir', stateDir, ...args], { env });
  const { code } = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
}

test.before(async () => {
  broker = await MosquittoBroker.start();
  central = await Collector.connect(broker.url, { filter: 'nutgiao/v1/demo/sim-0001/event' });
});

test.after(async () => {
  await central?.close();
  await broker?.stop();
});

test('a healthy simulated cabinet passes every check, exit 0, and the result reaches the central side', async () => {
  const { code, stdout, stderr } = await selftest(['--broker', broker.url, '--capture', '1', '--json']);
  assert.is(code, 0, `${stdout.join('\n')}\n${stderr.join('\n')}`);
  const report = JSON.parse(stdout.join('\n')) as JsonReport;
  assert.is(report.passed, true);
  assert.is(report.published, true);
  const status = Object.fromEntries(report.rows.map((entry) => [entry.check, entry.status]));
  assert.equal(
    [status.config, status.lamps, status['camera cam1 fps'], status['camera cam1 exposure'], status['camera cam1 focus'], status['broker round trip'], status.disk, status.outbox],
    ['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'],
  );
  assert.is(report.rows.find((entry) => entry.check === 'lamps')!.measured.lamps, 32);
  assert.equal(report.rows.filter((entry) => entry.check.startsWith('input ')).map((entry) => entry.check), ['input loop-ns-left', 'input loop-ew-left', 'input button-east', 'input button-north', 'input preempt']);
  assert.equal(report.rows.filter((entry) => entry.status === 'warn').map((entry) => entry.check), ['broker clock']);
  const event = await central.waitFor((entry) => entry.message.type === 'selftest.result' && (entry.message.data as { passed?: boolean }).passed === true, 'selftest.result (passed)');
  assert.is(event.message.severity, 'info');
});

test('a stuck lamp (injected through the documented sim hook) fails with its own row, exit 1', async () => {
  const { code, stdout } = await selftest(['--broker', broker.url, '--skip', 'camera,inputs'], { [SIM_FAULTS_ENV]: 'stuck-on:G3:green,lamp-out:P2:walk' });
  assert.is(code, 1, stdout.join('\n'));
  assert.ok(stdout.some((line) => /^lamps\s+FAIL\s+2 of 32 lamps faulty/.test(line)), stdout.join('\n'));
  assert.ok(stdout.some((line) => /^lamp G3\.green\s+FAIL\s+stuck on: lit while its output is off/.test(line)));
  assert.ok(stdout.some((line) => /^lamp P2\.walk\s+FAIL\s+dark when driven/.test(line)));
  assert.match(stdout.at(-2)!, /^selftest FAILED: 3 fail/);
  assert.match(stdout.at(-1)!, /^result published as selftest\.result on nutgiao\/v1\/demo\/sim-0001\/event$/);
  const event = await central.waitFor((entry) => entry.message.type === 'selftest.result' && entry.message.severity === 'error', 'selftest.result (failed)');
  assert.is(event.message.message, 'self-test failed: lamps, lamp G3.green, lamp P2.walk');
});

test('broker down: the broker row fails, nothing is published, exit 1', async () => {
  const closedPort = await freePort();
  const { code, stdout } = await selftest(['--broker', `mqtt://127.0.0.1:${closedPort}`, '--skip', 'camera,inputs,lamps', '--json']);
  assert.is(code, 1);
  const report = JSON.parse(stdout.join('\n')) as JsonReport;
  assert.is(report.published, false);
  const brokerRow = report.rows.find((entry) => entry.check === 'broker')!;
  assert.is(brokerRow.status, 'fail');
  assert.match(brokerRow.detail, /^cannot connect to mqtt:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
});

test('an invalid config is the one failing row; a wrong option is a usage error (exit 2)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nutgiao-selftest-bad-'));
  const bad = join(dir, 'node.json');
  await writeFile(bad, JSON.stringify({ node: { id: 'x' } }));
  const invalid = NodeProcess.spawn(['selftest', '--config', bad]);
  assert.is((await invalid.exited).code, 1);
  assert.match(invalid.stdout[1] ?? '', /^config\s+FAIL\s+/);
  const usage = NodeProcess.spawn(['selftest', '--skip', 'lamp']);
  assert.is((await usage.exited).code, 2);
  assert.match(usage.stderr.join('\n'), /--skip: unknown check 'lamp' \(checks: lamps, inputs, camera, broker, disk, outbox/);
});

test.run();
