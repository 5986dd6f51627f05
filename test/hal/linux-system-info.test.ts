import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LinuxSystemInfo } from '../../edge/hal/linux-system-info.js';

async function thermalFixture(zones: Array<{ type: string; temp?: string }>): Promise<string> {
  const root = await mkdtemp(join(os.tmpdir(), 'nutgiao-thermal-'));
  for (const [i, zone] of zones.entries()) {
    const dir = join(root, `thermal_zone${i}`);
    await mkdir(dir);
    await writeFile(join(dir, 'type'), `${zone.type}\n`);
    if (zone.temp !== undefined) await writeFile(join(dir, 'temp'), `${zone.temp}\n`);
  }
  return root;
}

test('returns sane numbers on this machine', async () => {
  const info = new LinuxSystemInfo({ diskPath: os.tmpdir() });
  // Burn a little CPU so the process share is measurably above zero.
  const until = performance.now() + 30;
  while (performance.now() < until);
  const snapshot = await info.snapshot();
  assert.ok(snapshot.uptimeS > 0);
  assert.ok(snapshot.load1PerCpu >= 0 && Number.isFinite(snapshot.load1PerCpu));
  assert.ok(snapshot.processCpuPercent > 0 && snapshot.processCpuPercent <= 100 * os.cpus().length + 1, `cpu ${snapshot.processCpuPercent}%`);
  assert.ok(snapshot.memRssBytes > 1024 * 1024);
  assert.ok(snapshot.memHeapUsedBytes > 0 && snapshot.memHeapUsedBytes <= snapshot.memRssBytes * 2);
  assert.ok(snapshot.memFreeBytes > 0 && snapshot.memFreeBytes <= snapshot.memTotalBytes);
  assert.ok(snapshot.cpuTempC === null || (snapshot.cpuTempC > -40 && snapshot.cpuTempC < 130), `temp ${snapshot.cpuTempC}`);
  assert.ok(snapshot.diskFreeBytes !== null && snapshot.diskFreeBytes > 0);
});

test('prefers the CPU zone over others, converting millidegrees', async () => {
  const root = await thermalFixture([
    { type: 'acpitz', temp: '30000' },
    { type: 'x86_pkg_temp', temp: '52500' },
  ]);
  const snapshot = await new LinuxSystemInfo({ thermalRoot: root }).snapshot();
  assert.is(snapshot.cpuTempC, 52.5);
  await rm(root, { recursive: true });
});

test('falls back to the first readable zone when none is named for the CPU', async () => {
  const root = await thermalFixture([{ type: 'cpu-thermal' }, { type: 'iwlwifi_1', temp: 'garbage' }, { type: 'acpitz', temp: '41000' }]);
  const snapshot = await new LinuxSystemInfo({ thermalRoot: root }).snapshot();
  assert.is(snapshot.cpuTempC, 41);
  await rm(root, { recursive: true });
});

test('never throws: missing thermal zones and an unreadable disk path give null', async () => {
  const info = new LinuxSystemInfo({ diskPath: '/nonexistent/nutgiao/state', thermalRoot: '/nonexistent/thermal' });
  const snapshot = await info.snapshot();
  assert.is(snapshot.cpuTempC, null);
  assert.is(snapshot.diskFreeBytes, null);
  assert.is((await new LinuxSystemInfo().snapshot()).diskFreeBytes, null, 'no disk path configured');
});

test.run();
