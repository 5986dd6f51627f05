import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROJECT_ROOT } from '../support/node-process.js';

const UNIT_TEMPLATE = join(PROJECT_ROOT, 'scripts', 'systemd', 'nutgiao.service');
let scratch: string | null = null;

test.after.each(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = null;
});

/**
 * `systemd-analyze verify` on a copy of the unit. It needs no running systemd (it works in a container),
 * but it checks that the ExecStart= program is executable here, so the copy points /usr/bin/node at the
 * node running the tests (the same file on Debian with NodeSource's package). It exits 0 on unknown keys
 * and unparsable values, printing only a warning: so any output at all is a failure.
 */
async function verify(unitText: string): Promise<{ code: number; output: string }> {
  scratch ??= await mkdtemp(join(tmpdir(), 'nutgiao-unit-'));
  const path = join(scratch, 'nutgiao.service');
  await writeFile(path, unitText.replaceAll('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
  return new Promise((resolve) => {
    execFile('systemd-analyze', ['verify', path], { cwd: scratch! }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        resolve({ code: -1, output: 'systemd-analyze is not installed: apt-get install systemd (.ci/run installs it)' });
        return;
      }
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, output: (stdout + stderr).trim() });
    });
  });
}

/** The unit's settings as section.key -> values (a key may repeat). */
function settings(unitText: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of unitText.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = line.match(/^\[(\w+)\]$/);
    if (header) section = header[1]!;
    else {
      const at = line.indexOf('=');
      const key = `${section}.${line.slice(0, at)}`;
      out.set(key, [...(out.get(key) ?? []), line.slice(at + 1)]);
    }
  }
  return out;
}

test('systemd-analyze verify accepts the unit without a single warning', async () => {
  const result = await verify(await readFile(UNIT_TEMPLATE, 'utf8'));
  assert.is(result.code, 0, result.output);
  assert.is(result.output, '');
});

test('systemd-analyze verify as used here does report a mistake (a misspelt key, a bad duration)', async () => {
  const unit = (await readFile(UNIT_TEMPLATE, 'utf8')).replace('ProtectSystem=strict', 'ProtectSystm=strict').replace('WatchdogSec=30s', 'WatchdogSec=thirty');
  const result = await verify(unit);
  assert.match(result.output, /Unknown key 'ProtectSystm'/);
  assert.match(result.output, /Failed to parse sec value.*thirty/);
});

test('systemd-analyze security rates the unit\'s exposure 4.5 or better (10 is an unprotected service)', async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nutgiao-unit-'));
  const path = join(scratch, 'nutgiao.service');
  await writeFile(path, (await readFile(UNIT_TEMPLATE, 'utf8')).replaceAll('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
  const output = await new Promise<string>((resolve) => {
    execFile('systemd-analyze', ['security', '--offline=true', '--no-pager', path], { cwd: scratch! }, (_error, stdout, stderr) => resolve(stdout + stderr));
  });
  const exposure = output.match(/Overall exposure level for nutgiao\.service: (\d+\.\d)/);
  assert.ok(exposure, output);
  assert.ok(Number(exposure[1]) <= 4.5, `exposure ${exposure[1]}:\n${output}`);
});

test('the unit runs the node as issue 6 asks: notify with a fed watchdog, always restarted, hardened, journald', async () => {
  const unit = settings(await readFile(UNIT_TEMPLATE, 'utf8'));
  const expected: Record<string, string> = {
    'Service.Type': 'notify',
    'Service.ExecStartPre': '-/usr/bin/node /opt/nutgiao/dist/edge/update/start-guard.js /var/lib/nutgiao/releases',
    'Service.ExecStart': '/usr/bin/node /var/lib/nutgiao/releases/current/bin/nutgiao.js run --config /etc/nutgiao/config.yaml --state-dir /var/lib/nutgiao',
    'Service.User': 'nutgiao',
    'Service.SupplementaryGroups': 'gpio video dialout',
    'Service.Restart': 'always',
    'Service.WatchdogSec': '30s',
    'Service.NotifyAccess': 'all',
    'Service.ProtectSystem': 'strict',
    'Service.ReadWritePaths': '/var/lib/nutgiao /etc/nutgiao',
    'Service.ProtectHome': 'yes',
    'Service.NoNewPrivileges': 'yes',
    'Service.PrivateTmp': 'yes',
    'Service.ProtectKernelTunables': 'yes',
    'Service.ProtectControlGroups': 'yes',
    'Service.StandardOutput': 'journal',
    'Service.StandardError': 'journal',
    'Unit.StartLimitIntervalSec': '0',
    'Install.WantedBy': 'multi-user.target',
  };
  for (const [key, value] of Object.entries(expected)) assert.equal(unit.get(key), [value], key);
  assert.equal(unit.get('Service.RestrictAddressFamilies')?.[0]?.split(' ').slice(0, 3), ['AF_UNIX', 'AF_INET', 'AF_INET6']);
});

test.run();
