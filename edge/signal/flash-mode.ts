import type { Clock, TimerHandle } from '../hal/clock.js';
import type { Logger } from '../log.js';
import { lampMask, type SignalHeads } from './signal-heads.js';

export type GroupAspects = Record<string, 'flashing-amber' | 'dark'>;

/**
 * Controller-driven flash: vehicle heads flash amber at 1 Hz (50 % duty), pedestrian heads dark. It is
 * the state a node starts in and falls back to; the phase controller takes over from it.
 */
export class FlashMode {
  private timer: TimerHandle | undefined;
  private on = false;

  constructor(
    private readonly heads: SignalHeads,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly halfPeriodMs = 500,
  ) {}

  aspects(): GroupAspects {
    const aspects: GroupAspects = {};
    for (const id of this.heads.groupIds()) aspects[id] = this.heads.kindOf(id) === 'vehicle' ? 'flashing-amber' : 'dark';
    return aspects;
  }

  async start(): Promise<void> {
    await this.heads.setFlashRelay(true);
    await this.toggle();
    this.timer = this.clock.setRepeating(() => void this.toggle(), this.halfPeriodMs);
  }

  stop(): void {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private async toggle(): Promise<void> {
    this.on = !this.on;
    const amber = lampMask('vehicle', ['amber']);
    try {
      await Promise.all(
        this.heads.groupIds().map((id) => this.heads.show(id, this.heads.kindOf(id) === 'vehicle' && this.on ? amber : 0)),
      );
    } catch (error) {
      this.log.error('flash write failed; releasing to cabinet flash', { error: error as Error });
      this.stop();
      await this.heads.release().catch(() => undefined);
    }
  }
}
