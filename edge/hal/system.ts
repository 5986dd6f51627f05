/** Facts about the machine the node runs on, for health telemetry. */
export interface SystemSnapshot {
  uptimeS: number;
  /** 1-minute load average divided by the number of CPUs (1.0 = all cores busy). */
  load1PerCpu: number;
  /** CPU used by this process since the previous snapshot, % of one core. */
  processCpuPercent: number;
  memRssBytes: number;
  memHeapUsedBytes: number;
  memFreeBytes: number;
  memTotalBytes: number;
  /** SoC temperature in °C where the OS exposes it, else null. */
  cpuTempC: number | null;
  /** Free bytes on the filesystem holding the state directory, null if unknown. */
  diskFreeBytes: number | null;
}

export interface SystemInfo {
  snapshot(): Promise<SystemSnapshot>;
}
