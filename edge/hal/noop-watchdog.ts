import type { Watchdog } from './watchdog.js';

/**
 * The watchdog for nodes run without a supervisor watchdog (development, CI): nothing is armed, so
 * intervalMs is null and callers skip their kick timer; ready/kick/stopping have nobody to tell.
 */
export class NoopWatchdog implements Watchdog {
  readonly name = 'none';

  async ready(): Promise<void> {}

  kick(): void {}

  intervalMs(): number | null {
    return null;
  }

  async stopping(): Promise<void> {}
}
