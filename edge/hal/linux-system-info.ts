import { readdir, readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SystemInfo, SystemSnapshot } from './system.js';

export interface LinuxSystemInfoOptions {
  /** A directory on the filesystem whose free space is reported (the state directory). */
  diskPath?: string;
  /** Where thermal zones live; tests point it at a fixture directory. */
  thermalRoot?: string;
}

/** Zone types that measure the SoC/CPU, best first (Raspberry Pi, other ARM boards, Intel). */
const CPU_ZONE_TYPES = ['cpu-thermal', 'cpu_thermal', 'x86_pkg_temp', 'soc_thermal', 'soc-thermal'];

/**
 * SystemInfo from Linux: os/process counters, thermal zones under /sys/class/thermal and statfs.
 * Never throws: anything unreadable is reported as null (temperature, disk) so health telemetry keeps
 * flowing on machines that expose less.
 */
export class LinuxSystemInfo implements SystemInfo {
  private readonly diskPath: string | undefined;
  private readonly thermalRoot: string;
  /** The chosen zone's temp file; undefined until looked up, null if the machine has none. */
  private tempFile: string | null | undefined;
  private previousCpu = process.cpuUsage();
  private previousWallMs = performance.now();

  constructor(options: LinuxSystemInfoOptions = {}) {
    this.diskPath = options.diskPath;
    this.thermalRoot = options.thermalRoot ?? '/sys/class/thermal';
  }

  async snapshot(): Promise<SystemSnapshot> {
    const memory = process.memoryUsage();
    const [cpuTempC, diskFreeBytes] = await Promise.all([this.cpuTempC(), this.diskFreeBytes()]);
    return {
      uptimeS: os.uptime(),
      load1PerCpu: (os.loadavg()[0] ?? 0) / Math.max(1, os.cpus().length),
      processCpuPercent: this.processCpuPercent(),
      memRssBytes: memory.rss,
      memHeapUsedBytes: memory.heapUsed,
      memFreeBytes: os.freemem(),
      memTotalBytes: os.totalmem(),
      cpuTempC,
      diskFreeBytes,
    };
  }

  /** CPU time used since the previous call, as % of one core over the wall time in between. */
  private processCpuPercent(): number {
    const usage = process.cpuUsage(this.previousCpu);
    const wallMs = performance.now();
    const elapsedMs = wallMs - this.previousWallMs;
    this.previousCpu = process.cpuUsage();
    this.previousWallMs = wallMs;
    if (elapsedMs <= 0) return 0;
    return ((usage.user + usage.system) / 1000 / elapsedMs) * 100;
  }

  private async cpuTempC(): Promise<number | null> {
    if (this.tempFile === undefined) this.tempFile = await findCpuTempFile(this.thermalRoot);
    if (this.tempFile === null) return null;
    return readMilliCelsius(this.tempFile);
  }

  private async diskFreeBytes(): Promise<number | null> {
    if (this.diskPath === undefined) return null;
    try {
      const stats = await statfs(this.diskPath);
      // bavail, not bfree: the blocks an unprivileged process can actually use.
      return stats.bavail * stats.bsize;
    } catch {
      return null;
    }
  }
}

/** The temp file of the zone whose type names the CPU, else of the first zone with a readable temp. */
async function findCpuTempFile(root: string): Promise<string | null> {
  let zones: string[];
  try {
    zones = (await readdir(root)).filter((name) => /^thermal_zone\d+$/.test(name));
  } catch {
    return null;
  }
  zones.sort((a, b) => zoneNumber(a) - zoneNumber(b));
  let firstReadable: string | null = null;
  let best: { file: string; rank: number } | null = null;
  for (const zone of zones) {
    const file = join(root, zone, 'temp');
    if ((await readMilliCelsius(file)) === null) continue;
    firstReadable ??= file;
    const type = await readFile(join(root, zone, 'type'), 'utf8').then((text) => text.trim(), () => '');
    const rank = CPU_ZONE_TYPES.indexOf(type);
    if (rank >= 0 && (best === null || rank < best.rank)) best = { file, rank };
  }
  return best?.file ?? firstReadable;
}

function zoneNumber(name: string): number {
  return Number(name.slice('thermal_zone'.length));
}

async function readMilliCelsius(file: string): Promise<number | null> {
  try {
    const milli = Number.parseInt(await readFile(file, 'utf8'), 10);
    return Number.isFinite(milli) ? milli / 1000 : null;
  } catch {
    return null;
  }
}
