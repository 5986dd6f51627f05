import { spawn } from 'node:child_process';
import type { Logger } from '../../log.js';
import type { Watchdog } from '../watchdog.js';
import { StderrTail } from './stderr-tail.js';

export interface SystemdWatchdogOptions {
  log: Logger;
  /** Where NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID come from (systemd sets them). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** This process's id, compared with WATCHDOG_PID. Default process.pid. */
  pid?: number;
  /** The notifier program. Default `systemd-notify` (package systemd, on every Raspberry Pi OS and Debian). */
  command?: string;
}

export interface SystemdWatchdogStats {
  /** Notifications systemd-notify delivered (exit 0). */
  sent: number;
  /** Kicks dropped because the previous one was still being delivered. */
  skipped: number;
  /** Notifications that could not be delivered (notifier missing, socket gone, non-zero exit). */
  failed: number;
}

/**
 * The systemd service watchdog (sd_notify): READY=1 once the node is up, WATCHDOG=1 on every kick,
 * STOPPING=1 on a deliberate stop. systemd restarts the unit when kicks stop for WatchdogSec.
 *
 * NOTIFY_SOCKET is a unix datagram socket, which Node cannot send to (dgram is UDP only, net is
 * streams only), so each notification runs `systemd-notify`: no native addon to rebuild on the Pi for
 * every Node upgrade, nothing to add to the package, and the tool ships with systemd itself. Because the
 * sender is a child of the node, the unit needs NotifyAccess=all; systemd-notify (systemd 252 on Debian 12
 * and Raspberry Pi OS Bookworm) follows each message with BARRIER=1 and waits until PID 1 has read it, so
 * the message is attributed to the unit even though the child exits at once. A kick costs one
 * short-lived process (about 8 ms here) every WatchdogSec/2: 15 s with the shipped unit.
 *
 * Kicks come from the node's own timer on its event loop (edge/node.ts), so a stalled loop stops them,
 * which is what the watchdog is for. A notification that cannot be delivered is logged, never thrown:
 * the node keeps the signal safe either way, and systemd acts on the kicks it did not get.
 */
export class SystemdWatchdog implements Watchdog {
  readonly name = 'systemd';
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;
  private readonly command: string;
  private readonly socket: string | null;
  private readonly kickEveryMs: number | null;
  private kickInFlight = false;
  private readonly counts: SystemdWatchdogStats = { sent: 0, skipped: 0, failed: 0 };

  constructor(options: SystemdWatchdogOptions) {
    this.log = options.log;
    this.env = options.env ?? process.env;
    this.command = options.command ?? 'systemd-notify';
    this.socket = nonEmpty(this.env.NOTIFY_SOCKET);
    this.kickEveryMs = this.socket === null ? null : kickInterval(this.env, options.pid ?? process.pid);
    if (this.socket === null) {
      this.log.warn('hardware.watchdog.driver is systemd but NOTIFY_SOCKET is not set: not started by systemd (Type=notify), so there is nobody to notify. Use driver none when running by hand.');
    } else if (this.kickEveryMs === null) {
      this.log.warn('systemd watchdog not armed for this process (no WATCHDOG_USEC, or WATCHDOG_PID names another process): only READY and STOPPING are sent. Set WatchdogSec= in the unit.');
    }
  }

  async ready(): Promise<void> {
    if (this.socket === null) return;
    if (await this.notify('READY=1')) this.log.info('systemd notified: ready', { kickEveryMs: this.kickEveryMs });
  }

  kick(): void {
    if (this.kickEveryMs === null) return;
    // One notifier at a time: a notifier still waiting on PID 1 means the next kick would only queue behind it.
    if (this.kickInFlight) {
      this.counts.skipped++;
      return;
    }
    this.kickInFlight = true;
    void this.notify('WATCHDOG=1').finally(() => (this.kickInFlight = false));
  }

  /** Half of WATCHDOG_USEC, as sd_watchdog_enabled(3) recommends, or null when systemd armed no watchdog. */
  intervalMs(): number | null {
    return this.kickEveryMs;
  }

  async stopping(): Promise<void> {
    if (this.socket === null) return;
    await this.notify('STOPPING=1');
  }

  stats(): SystemdWatchdogStats {
    return { ...this.counts };
  }

  /** Runs the notifier once; resolves true when it reported delivery. Never rejects. */
  private notify(assignment: string): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (delivered: boolean) => {
        if (settled) return;
        settled = true;
        if (delivered) this.counts.sent++;
        else this.counts.failed++;
        resolve(delivered);
      };
      const stderr = new StderrTail(5);
      const child = spawn(this.command, [assignment], { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      // A spawn failure emits 'error' and then 'close' too: the first one settles.
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (settled) return;
        const hint = error.code === 'ENOENT' ? ` (not found: install it with 'apt-get install systemd')` : '';
        this.log.error(`systemd ${assignment} not sent: cannot run ${this.command}${hint}`, { error });
        settle(false);
      });
      child.once('close', (code, signal) => {
        if (settled) return;
        if (code === 0) return settle(true);
        this.log.warn(`systemd ${assignment} not sent: ${this.command} exited ${code ?? signal}`, { socket: this.socket, stderr: stderr.text() });
        settle(false);
      });
    });
  }
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

function kickInterval(env: NodeJS.ProcessEnv, pid: number): number | null {
  const usecText = nonEmpty(env.WATCHDOG_USEC);
  if (usecText === null) return null;
  // WATCHDOG_PID is set when the watchdog belongs to one process; a child that inherited it must not kick.
  const watchdogPid = nonEmpty(env.WATCHDOG_PID);
  if (watchdogPid !== null && watchdogPid !== String(pid)) return null;
  if (!/^[1-9][0-9]*$/.test(usecText)) {
    throw new RangeError(`WATCHDOG_USEC=${usecText}: must be a whole number of microseconds > 0 (systemd sets it from WatchdogSec=)`);
  }
  return Number(usecText) / 1000 / 2;
}
