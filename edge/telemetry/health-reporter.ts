import type { Clock, TimerHandle } from '../hal/clock.js';
import type { SystemInfo } from '../hal/system.js';
import type { Logger } from '../log.js';
import type { MqttSession } from './mqtt-session.js';
import type { TelemetryPublisher } from './publisher.js';

/** Publishes a health sample every interval: machine facts plus the state of the link. */
export class HealthReporter {
  private timer: TimerHandle | undefined;

  constructor(
    private readonly publisher: TelemetryPublisher,
    private readonly session: MqttSession,
    private readonly system: SystemInfo,
    private readonly clock: Clock,
    private readonly intervalS: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = this.clock.setRepeating(() => void this.report(), this.intervalS * 1000);
  }

  stop(): void {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  async report(): Promise<void> {
    try {
      const snapshot = await this.system.snapshot();
      const link = this.session.stats();
      await this.publisher.health({ ...snapshot, link: { reconnects: link.reconnects, queued: link.queued, dropped: link.dropped } });
    } catch (error) {
      this.log.warn('health sample failed', { error: error as Error });
    }
  }
}
