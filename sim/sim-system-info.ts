import type { SystemInfo, SystemSnapshot } from '../edge/hal/system.js';

/** Plausible numbers for a healthy Raspberry Pi class node. */
const HEALTHY_NODE: SystemSnapshot = {
  uptimeS: 3600,
  load1PerCpu: 0.25,
  processCpuPercent: 12,
  memRssBytes: 120 * 1024 * 1024,
  memHeapUsedBytes: 40 * 1024 * 1024,
  memFreeBytes: 2 * 1024 * 1024 * 1024,
  memTotalBytes: 4 * 1024 * 1024 * 1024,
  cpuTempC: 48.5,
  diskFreeBytes: 20 * 1024 * 1024 * 1024,
};

/** SystemInfo with values set by the test or fleet simulator (a hot node, a full disk, …). */
export class SimSystemInfo implements SystemInfo {
  private values: SystemSnapshot;

  constructor(initial: Partial<SystemSnapshot> = {}) {
    this.values = { ...HEALTHY_NODE, ...initial };
  }

  /** Changes some values; the next snapshot reports them. */
  set(values: Partial<SystemSnapshot>): void {
    this.values = { ...this.values, ...values };
  }

  async snapshot(): Promise<SystemSnapshot> {
    return { ...this.values };
  }
}
