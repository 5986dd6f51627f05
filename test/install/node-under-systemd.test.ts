import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MosquittoBroker } from '../support/mosquitto.js';
import { NodeProcess, PROJECT_ROOT, writeTestConfig } from '../support/node-process.js';
import { NotifySocketReceiver } from './support/notify-socket.js';

/**
 * The node as systemd runs it from scripts/systemd/nutgiao.service: the unit's own ExecStart arguments
 * (paths moved to temporary ones), with NOTIFY_SOCKET and WATCHDOG_USEC as systemd sets them for
 * Type=notify and WatchdogSec=, here 0.4 s so the kicks come every 200 ms.
 */
let broker: MosquittoBroker | undefined;
let receiver: NotifySocketReceiver | undefined;
let node: NodeProcess | undefined;
let configDir: string | undefined;

test.after(async () => {
  await node?.stop();
  await receiver?.close();
  await broker?.stop();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

async function unitExecStart(): Promise<string[]> {
  const unit = await readFile(join(PROJECT_ROOT, 'scripts/systemd/nutgiao.service'), 'utf8');
  const line = unit.split('\n').find((text) => text.startsWith('ExecStart='));
  assert.ok(line, 'the unit has an ExecStart=');
  return line.slice('ExecStart='.length).split(' ');
}

test('the node started by the unit\'s command line sends READY=1, WATCHDOG=1 every WatchdogSec/2, and STOPPING=1 on SIGTERM', async () => {
  broker = await MosquittoBroker.start();
  receiver = await NotifySocketReceiver.start();
  const { dir, configPath, stateDir } = await writeTestConfig({ nodeId: 'systemd-1', broker: broker.url, mutate: (config) => (config.hardware.watchdog = { driver: 'systemd' }) });

  configDir = dir;
  const [nodeBinary, script, ...args] = await unitExecStart();
  assert.is(nodeBinary, '/usr/bin/node');
  assert.is(script, '/var/lib/nutgiao/releases/current/bin/nutgiao.js');
  const moved: Record<string, string> = { '/etc/nutgiao/config.yaml': configPath, '/var/lib/nutgiao': stateDir };
  node = NodeProcess.spawn(args.map((arg) => moved[arg] ?? arg), { env: { NOTIFY_SOCKET: receiver.path, WATCHDOG_USEC: '400000', NUTGIAO_LOG: 'info' } });

  await receiver.waitFor('READY=1', 1, 60_000);
  await receiver.waitFor('WATCHDOG=1', 3, 10_000);
  await node.waitForLine(/systemd notified: ready kickEveryMs=200/, 5000, 'stderr');
  node.kill('SIGTERM');
  const exit = await node.exited;
  assert.equal(exit, { code: 0, signal: null }, node.stderr.join('\n'));

  const sent = receiver.assignments.filter((item) => item !== 'BARRIER=1');
  assert.is(sent[0], 'READY=1', 'nothing before READY=1');
  assert.is(sent.at(-1), 'STOPPING=1', JSON.stringify(sent));
  assert.is(sent.filter((item) => item === 'STOPPING=1').length, 1);
  assert.ok(sent.slice(1, -1).every((item) => item === 'WATCHDOG=1'), JSON.stringify(sent));
});

test.run();
