/**
 * A watchdog the node must kick while healthy (systemd WatchdogSec, a hardware watchdog, or the
 * simulator's). If kicks stop for longer than the timeout, the supervisor restarts the node.
 */
export interface Watchdog {
  readonly name: string;
  /** Tells the supervisor the node is up (sd_notify READY=1 for systemd). */
  ready(): Promise<void>;
  kick(): void;
  /** Recommended kick interval, ms (half the supervisor's timeout), or null if no watchdog is armed. */
  intervalMs(): number | null;
  /** Tells the supervisor the node is stopping on purpose. */
  stopping(): Promise<void>;
}
