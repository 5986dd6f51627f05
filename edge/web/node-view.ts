import type { Config } from '../config/index.js';
import type { FrameSource } from '../hal/camera.js';
import type { Clock } from '../hal/clock.js';
import type { SystemInfo, SystemSnapshot } from '../hal/system.js';
import type { SignalService } from '../signal/signal-service.js';
import type { MqttSession } from '../telemetry/mqtt-session.js';
import type { CameraService } from '../vision/camera-service.js';

/** What the page and /metrics read from the running node; functions, because the parts start after the page. */
export interface NodeView {
  config: Config;
  configHash: string;
  version: string;
  boot: () => number;
  signal: () => SignalService;
  cameras: () => readonly CameraService[];
  /** The frame sources by camera id, for the image size overlays are drawn in. */
  sources: readonly FrameSource[];
  link: () => MqttSession;
  system: SystemInfo;
  clock: Clock;
}

/** System facts at most every `maxAgeMs`: the health reporter reads the same counters, and CPU % is a delta. */
export class CachedSystemInfo {
  private last: { at: number; snapshot: SystemSnapshot } | null = null;
  private pending: Promise<SystemSnapshot> | null = null;

  constructor(
    private readonly system: SystemInfo,
    private readonly maxAgeMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  async snapshot(): Promise<SystemSnapshot> {
    if (this.last && this.now() - this.last.at < this.maxAgeMs) return this.last.snapshot;
    this.pending ??= this.system.snapshot().finally(() => (this.pending = null));
    const snapshot = await this.pending;
    this.last = { at: this.now(), snapshot };
    return snapshot;
  }
}
