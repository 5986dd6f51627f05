import type { Clock } from '../edge/hal/clock.js';
import type { Watchdog } from '../edge/hal/watchdog.js';

export interface SimWatchdogOptions {
  clock: Clock;
  /** The supervisor's timeout (systemd WatchdogSec). Default 10 000 ms. */
  timeoutMs?: number;
}

export interface SimWatchdogEvent {
  kind: 'ready' | 'kick' | 'stopping';
  /** Monotonic time on the clock. */
  tsMs: number;
}

/**
 * The watchdog as the simulator's supervisor sees it: records what the node told it, and tells whether
 * the node would have been restarted (expired). Armed by ready() or the first kick, disarmed by stopping().
 */
export class SimWatchdog implements Watchdog {
  readonly name = 'sim';
  readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly log: SimWatchdogEvent[] = [];
  private armed = false;
  private lastSignMs = 0;
  private kickCount = 0;

  constructor(options: SimWatchdogOptions) {
    this.clock = options.clock;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (!(this.timeoutMs > 0)) throw new RangeError(`SimWatchdog: timeoutMs must be > 0`);
  }

  async ready(): Promise<void> {
    this.sign('ready');
  }

  kick(): void {
    this.kickCount++;
    this.sign('kick');
  }

  /** Half the timeout, as systemd recommends, so one late kick does not trip it. */
  intervalMs(): number {
    return this.timeoutMs / 2;
  }

  async stopping(): Promise<void> {
    this.log.push({ kind: 'stopping', tsMs: this.clock.monotonic() });
    this.armed = false;
  }

  /** True if armed and the last ready/kick is more than timeoutMs ago: the supervisor would restart. */
  expired(): boolean {
    return this.armed && this.clock.monotonic() - this.lastSignMs > this.timeoutMs;
  }

  /** Everything the node signalled, oldest first. */
  get events(): readonly SimWatchdogEvent[] {
    return this.log;
  }

  get kicks(): number {
    return this.kickCount;
  }

  private sign(kind: 'ready' | 'kick'): void {
    const tsMs = this.clock.monotonic();
    this.log.push({ kind, tsMs });
    this.armed = true;
    this.lastSignMs = tsMs;
  }
}
