import { Unpackr } from 'msgpackr';
import type { Clock, TimerHandle } from '../hal/clock.js';
import type { Logger } from '../log.js';
import type { MqttSession } from './mqtt-session.js';

export interface HostStateOptions {
  /** Topic of the central host's retained state (Sparkplug's STATE). */
  topic: string;
  /** The backlog is released after this long even if the host never says online. */
  timeoutS: number;
}

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/**
 * Whether a central host's state payload says online. Accepted forms: the text `online`, JSON or
 * MessagePack `{ "online": true }` (Sparkplug 3.0 STATE) or `{ "status": "online" }`.
 */
export function hostSaysOnline(payload: Buffer): boolean {
  const text = payload.toString('utf8').trim();
  if (text.toLowerCase() === 'online') return true;
  const asObject = (value: unknown): boolean =>
    typeof value === 'object' && value !== null && ((value as { online?: unknown }).online === true || (value as { status?: unknown }).status === 'online');
  try {
    return asObject(JSON.parse(text));
  } catch {
    // not JSON
  }
  try {
    return asObject(unpackr.unpack(payload));
  } catch {
    return false;
  }
}

/**
 * Follows the central host's retained state topic, so the node can hold its backlog until somebody is
 * there to take it (live messages are never held).
 */
export class HostState {
  private online = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly options: HostStateOptions,
    session: MqttSession,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    session.onMessage((topic, payload) => {
      if (topic !== options.topic) return;
      const online = hostSaysOnline(payload);
      if (online !== this.online) log.info(online ? 'central host online: backlog released' : 'central host offline: backlog held', { topic });
      this.online = online;
      if (online) for (const wake of [...this.waiters]) wake();
    });
    session.subscribe(options.topic, 1);
  }

  isOnline(): boolean {
    return this.online;
  }

  /** Resolves 'online' once the host says so, or 'timeout' after timeoutS without it. */
  waitOnline(): Promise<'online' | 'timeout'> {
    if (this.online) return Promise.resolve('online');
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const finish = (result: 'online' | 'timeout') => {
        this.waiters.delete(wake);
        this.clock.clearTimer(timer);
        resolve(result);
      };
      const wake = () => finish('online');
      this.waiters.add(wake);
      timer = this.clock.setTimer(() => {
        this.log.warn(`central host not online after ${this.options.timeoutS} s: releasing the backlog anyway`, { topic: this.options.topic });
        finish('timeout');
      }, this.options.timeoutS * 1000);
    });
  }
}
