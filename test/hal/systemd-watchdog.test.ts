import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SystemdWatchdog } from '../../edge/hal/drivers/systemd-watchdog.js';
import { RealClock } from '../../edge/hal/real-clock.js';
import { createMemoryLogger } from '../../edge/log.js';
import { NotifySocketReceiver } from '../install/support/notify-socket.js';

let receiver: NotifySocketReceiver | null = null;
let scratch: string | null = null;

test.after.each(async () => {
  await receiver?.close();
  receiver = null;
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = null;
});

/** What systemd delivers to a Type=notify unit with WatchdogSec=0.3s. */
function systemdEnv(socket: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, NOTIFY_SOCKET: socket, WATCHDOG_USEC: '300000', ...extra };
}

/** The notifications the node sent, without systemd-notify's BARRIER=1 synchronisation messages. */
function notifications(from: NotifySocketReceiver): string[] {
  return from.assignments.filter((item) => item !== 'BARRIER=1');
}

test('sends READY=1, WATCHDOG=1 every WatchdogSec/2 while kicked, and STOPPING=1 through a real NOTIFY_SOCKET', async () => {
  receiver = await NotifySocketReceiver.start();
  const log = createMemoryLogger();
  const watchdog = new SystemdWatchdog({ env: systemdEnv(receiver.path), log });
  assert.is(watchdog.name, 'systemd');
  assert.is(watchdog.intervalMs(), 150);

  await watchdog.ready();
  assert.equal(notifications(receiver), ['READY=1'], 'ready() resolves once systemd has the message');

  // Kicked the way edge/node.ts kicks: a repeating timer on the node's clock at intervalMs.
  const clock = new RealClock();
  const timer = clock.setRepeating(() => watchdog.kick(), watchdog.intervalMs()!);
  try {
    await receiver.waitFor('WATCHDOG=1', 4, 5000);
  } finally {
    clock.clearTimer(timer);
  }
  await watchdog.stopping();

  const sent = notifications(receiver);
  assert.is(sent[0], 'READY=1');
  assert.is(sent.at(-1), 'STOPPING=1');
  assert.ok(sent.slice(1, -1).every((item) => item === 'WATCHDOG=1'), JSON.stringify(sent));
  const stats = watchdog.stats();
  assert.is(stats.failed, 0);
  assert.is(stats.sent, sent.length, 'every delivered notifier run arrived, and only those');
  assert.ok(log.lines.some((line) => /systemd notified: ready kickEveryMs=150/.test(line)), log.lines.join('\n'));
});

test('a watchdog armed for another process (WATCHDOG_PID) is not kicked, but READY and STOPPING are sent', async () => {
  receiver = await NotifySocketReceiver.start();
  const log = createMemoryLogger();
  const watchdog = new SystemdWatchdog({ env: systemdEnv(receiver.path, { WATCHDOG_PID: '1' }), pid: 4242, log });
  assert.is(watchdog.intervalMs(), null);
  await watchdog.ready();
  watchdog.kick();
  await watchdog.stopping();
  assert.equal(notifications(receiver), ['READY=1', 'STOPPING=1']);
  assert.ok(log.lines.some((line) => /WARN .*not armed for this process/.test(line)), log.lines.join('\n'));
});

test('the matching WATCHDOG_PID arms it; without WATCHDOG_USEC nothing is armed', () => {
  const log = createMemoryLogger();
  assert.is(new SystemdWatchdog({ env: systemdEnv('/run/x', { WATCHDOG_PID: '77' }), pid: 77, log }).intervalMs(), 150);
  assert.is(new SystemdWatchdog({ env: { NOTIFY_SOCKET: '/run/x' }, log }).intervalMs(), null);
});

test('outside systemd (no NOTIFY_SOCKET) it arms nothing, runs nothing, and says why', async () => {
  const log = createMemoryLogger();
  const watchdog = new SystemdWatchdog({ env: { WATCHDOG_USEC: '300000' }, log, command: '/nonexistent/systemd-notify' });
  assert.is(watchdog.intervalMs(), null);
  await watchdog.ready();
  watchdog.kick();
  await watchdog.stopping();
  assert.equal(watchdog.stats(), { sent: 0, skipped: 0, failed: 0 });
  assert.ok(log.lines.some((line) => /WARN .*NOTIFY_SOCKET is not set.*Use driver none/.test(line)), log.lines.join('\n'));
});

test('a malformed WATCHDOG_USEC is refused with the variable and the unit setting named', () => {
  const log = createMemoryLogger();
  assert.throws(() => new SystemdWatchdog({ env: systemdEnv('/run/x', { WATCHDOG_USEC: '30s' }), log }), /WATCHDOG_USEC=30s: must be a whole number of microseconds.*WatchdogSec=/);
});

test('a missing notifier is logged with the fix, and ready() still resolves so the node keeps running', async () => {
  receiver = await NotifySocketReceiver.start();
  const log = createMemoryLogger();
  const watchdog = new SystemdWatchdog({ env: systemdEnv(receiver.path), log, command: '/nonexistent/systemd-notify' });
  await watchdog.ready();
  assert.equal(watchdog.stats(), { sent: 0, skipped: 0, failed: 1 });
  assert.ok(log.lines.some((line) => /ERROR .*READY=1 not sent: cannot run \/nonexistent\/systemd-notify \(not found: install it with 'apt-get install systemd'\)/.test(line)), log.lines.join('\n'));
});

test('a socket that went away is a logged failure carrying systemd-notify\'s own reason', async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nutgiao-notify-gone-'));
  const log = createMemoryLogger();
  const watchdog = new SystemdWatchdog({ env: systemdEnv(join(scratch, 'gone.sock')), log });
  await watchdog.stopping();
  assert.equal(watchdog.stats(), { sent: 0, skipped: 0, failed: 1 });
  assert.ok(log.lines.some((line) => /WARN .*STOPPING=1 not sent: systemd-notify exited 1.*No such file or directory/.test(line)), log.lines.join('\n'));
});

test('a kick while the previous notifier still waits on PID 1 is skipped and counted, not queued', async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nutgiao-notify-slow-'));
  const calls = join(scratch, 'calls.txt');
  const slowNotifier = join(scratch, 'slow-notify.sh');
  await writeFile(slowNotifier, `#!/bin/sh\necho "$1" >> '${calls}'\nsleep 0.3\n`);
  await chmod(slowNotifier, 0o755);
  const watchdog = new SystemdWatchdog({ env: systemdEnv('/run/unused.sock'), log: createMemoryLogger(), command: slowNotifier });
  watchdog.kick();
  watchdog.kick();
  watchdog.kick();
  assert.is(watchdog.stats().skipped, 2);
  const deadline = Date.now() + 5000;
  while (watchdog.stats().sent < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(watchdog.stats(), { sent: 1, skipped: 2, failed: 0 });
  watchdog.kick();
  while (watchdog.stats().sent < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(await readFile(calls, 'utf8'), 'WATCHDOG=1\nWATCHDOG=1\n', 'the kick after delivery runs again');
});

test.run();
