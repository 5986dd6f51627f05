import { historicalPayload as flaggedHistorical, isSequencedKind, isTopicKind } from '../../protocol/index.js';
import type { Clock } from '../hal/clock.js';
import type { Logger } from '../log.js';
import type { HostState } from './host-state.js';
import type { MqttSession } from './mqtt-session.js';
import { Outbox, type OutboxOptions, type OutboxRecord, type RecoveryReport } from './outbox/outbox.js';
import type { OutboxEvents } from './outbox/outbox-events.js';
import { ReplayPacer, type ReplayBudget } from './outbox/replay-pacer.js';

/** One sequenced message as the publisher hands it over: already numbered and encoded. */
export interface SequencedRecord {
  boot: number;
  seq: number;
  topic: string;
  payload: Buffer;
}

/** Where the publisher sends numbered messages; resolves to whether the broker acknowledged. */
export interface SequencedSink {
  send(record: SequencedRecord): Promise<boolean>;
}

/** How the outbox's own notices become telemetry events (numbered and durable themselves). */
export interface NoticePublisher {
  /** Publishes an event; returns the seq it took in this boot (null when refused). */
  numberedEvent(type: string, severity: 'info' | 'warning' | 'error', message: string, data: Record<string, unknown>): { seq: number | null };
}
type NoticeArgs = Parameters<NoticePublisher['numberedEvent']>;

export interface DurableTelemetryOptions {
  session: MqttSession;
  outbox: Omit<OutboxOptions, 'clock' | 'log'>;
  replay: ReplayBudget;
  /** This boot: its records are live until a connection ends; other boots' records are always backlog. */
  boot: number;
  clock: Clock;
  log: Logger;
  /** When given, the backlog waits for the central host's online state (live messages never wait). */
  host?: HostState;
}

export interface DurableTelemetryStats {
  /** Backlog records sent again (after a reconnect or a restart) and on request. */
  replayed: number;
  requested: number;
}

/** Messages of a replay in flight at once: enough to keep the link busy, few enough to stop quickly. */
const REPLAY_WINDOW = 64;

/**
 * Store-and-forward for the sequenced kinds: every message is appended to the outbox before it is
 * published with QoS 1 and released only when the broker acknowledges it (PUBACK). What the link did not
 * take (an outage, a restart, a connection that dropped with messages in flight) is sent again after the
 * next connect, oldest first, with `historical: true`, paced so live messages go first.
 */
export class DurableTelemetry implements SequencedSink {
  private readonly pacer: ReplayPacer;
  /** Counts connections; a replay belongs to one and stops when another begins or the link drops. */
  private connection = 0;
  /** The next seq of this boot not yet handed to send(): the live/backlog boundary at a connect. */
  private nextLiveSeq = 0;
  private outstanding = 0;
  /** Seqs of this boot inside send(): it publishes them itself once stored, so a replay skips them. */
  private readonly sending = new Set<number>();
  private readonly idleWaiters = new Set<() => void>();
  private closed = false;
  private replayed = 0;
  private requested = 0;
  private announce: NoticePublisher | null = null;
  private readonly early: NoticeArgs[] = [];
  /**
   * `telemetry.dropped` events of this boot not yet acknowledged, by seq. When the outbox drops one of
   * them too, the loss it reported is reported again, or that knowledge would be lost with it.
   */
  private readonly unackedLossReports = new Map<number, NoticeArgs>();

  private constructor(
    private readonly options: DurableTelemetryOptions,
    readonly outbox: Outbox,
  ) {
    this.pacer = new ReplayPacer(options.clock, options.replay);
    options.session.reportBacklog(() => {
      const stats = outbox.stats();
      return { pending: stats.pending, dropped: stats.dropped };
    });
    outbox.on('dropped', (notice) => this.reportLoss(notice));
    outbox.on('degraded', (notice) =>
      this.notice('telemetry.degraded', 'error', `telemetry log cannot write to disk (${notice.code}): holding messages in memory`, { code: notice.code, error: notice.message }),
    );
    outbox.on('restored', (notice) => this.notice('telemetry.restored', 'info', `telemetry log writes to disk again (${notice.records} records moved back)`, { records: notice.records }));
    options.session.onReady(() => this.connected());
  }

  /** Opens the outbox (recovering what an earlier boot left) and attaches to the session. */
  static async open(options: DurableTelemetryOptions): Promise<{ durable: DurableTelemetry; recovery: RecoveryReport }> {
    const outbox = new Outbox({ ...options.outbox, clock: options.clock, log: options.log.child('outbox') });
    const durable = new DurableTelemetry(options, outbox);
    const recovery = await outbox.open();
    if (recovery.corrupt > 0) {
      durable.notice('telemetry.corrupt', 'warning', `telemetry log: ${recovery.corrupt} damaged stretch(es) skipped at start (${recovery.damagedBytes} bytes)`, { ...recovery });
    }
    return { durable, recovery };
  }

  /** From here on the outbox's notices are published (those raised before are published now). */
  publishNoticesWith(publisher: NoticePublisher): void {
    this.announce = publisher;
    for (const args of this.early.splice(0)) this.notice(...args);
  }

  async send(record: SequencedRecord): Promise<boolean> {
    const ofThisBoot = record.boot === this.options.boot;
    if (ofThisBoot) {
      this.nextLiveSeq = Math.max(this.nextLiveSeq, record.seq + 1);
      this.sending.add(record.seq);
    }
    this.outstanding++;
    try {
      await this.outbox.append(record);
      const { session } = this.options;
      if (session.linkState() !== 'connected') return false; // kept; the next connection sends it
      this.pacer.noteLive(record.payload.length);
      const acknowledged = await session.publish(record.topic, record.payload, { qos: 1 });
      if (acknowledged) this.acked(record.boot, record.seq);
      return acknowledged;
    } catch (error) {
      this.options.log.error('telemetry not stored', { boot: record.boot, seq: record.seq, error: error as Error });
      return false;
    } finally {
      if (ofThisBoot) this.sending.delete(record.seq);
      if (--this.outstanding === 0) for (const wake of [...this.idleWaiters]) wake();
    }
  }

  /**
   * Sends again the records of `boot` with fromSeq <= seq <= toSeq that the outbox still holds
   * (acknowledged or not), flagged historical and paced like a backlog. Resolves to how many it found.
   */
  async replayRange(boot: number, fromSeq: number, toSeq: number): Promise<number> {
    if (!(Number.isSafeInteger(boot) && Number.isSafeInteger(fromSeq) && Number.isSafeInteger(toSeq)) || boot < 0 || fromSeq < 0 || toSeq < fromSeq) {
      throw new RangeError(`replay range: boot, fromSeq and toSeq must be integers >= 0 with fromSeq <= toSeq, got boot ${boot} ${fromSeq}..${toSeq}`);
    }
    let found = 0;
    const window = new Set<Promise<unknown>>();
    for await (const record of this.outbox.range(boot, fromSeq, toSeq)) {
      found++;
      if (this.options.session.linkState() !== 'connected') continue; // counted, not sendable now
      if (!(await this.pacer.acquire(record.payload.length))) break;
      this.requested++;
      await this.sendHistorical(record, window);
    }
    await Promise.all(window);
    return found;
  }

  stats(): DurableTelemetryStats {
    return { replayed: this.replayed, requested: this.requested };
  }

  /** Waits (at most timeoutMs) until every send() has been stored and, if the link is up, acknowledged. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.outstanding === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs); // real time: it bounds a shutdown, not part of the plan
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      const wake = () => {
        this.idleWaiters.delete(wake);
        done();
      };
      this.idleWaiters.add(wake);
    });
  }

  /** Stops replaying and closes the outbox (after the session stopped, so late acks are written). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connection++;
    this.pacer.stop();
    await this.outbox.close();
  }

  private notice(...args: NoticeArgs): void {
    if (this.announce === null) {
      this.early.push(args);
      return;
    }
    const { seq } = this.announce.numberedEvent(...args);
    if (seq !== null && args[0] === 'telemetry.dropped') this.unackedLossReports.set(seq, args);
  }

  private reportLoss(notice: OutboxEvents['dropped']): void {
    const lostReports: NoticeArgs[] = [];
    if (notice.boot === this.options.boot) {
      for (const [seq, args] of this.unackedLossReports) {
        if (seq < notice.fromSeq || seq > notice.toSeq) continue;
        this.unackedLossReports.delete(seq);
        lostReports.push(args);
      }
    }
    this.notice(...droppedEvent(notice));
    for (const args of lostReports) this.notice(...args);
  }

  private acked(boot: number, seq: number): void {
    this.outbox.markAcked(boot, seq);
    if (boot === this.options.boot) this.unackedLossReports.delete(seq);
  }

  private connected(): void {
    if (this.closed) return;
    const connection = ++this.connection;
    const liveFrom = this.nextLiveSeq;
    void this.replayBacklog(connection, liveFrom).catch((error: unknown) => this.options.log.error('backlog replay failed', { error: error as Error }));
  }

  private async replayBacklog(connection: number, liveFrom: number): Promise<void> {
    const { host, boot, log } = this.options;
    const current = () => connection === this.connection && this.options.session.linkState() === 'connected';
    if (host !== undefined && !host.isOnline()) {
      await host.waitOnline();
      if (!current()) return;
    }
    const window = new Set<Promise<unknown>>();
    let sent = 0;
    for await (const record of this.outbox.pending()) {
      if (!current()) break;
      // Numbered on this connection, or still being stored (send() publishes it once stored): live.
      // If the link drops first, the next connection's replay sends it.
      if (record.boot === boot && (record.seq >= liveFrom || this.sending.has(record.seq))) continue;
      if (!(await this.pacer.acquire(record.payload.length)) || !current()) break;
      await this.sendHistorical(record, window);
      sent++;
    }
    await Promise.all(window);
    if (sent > 0) log.info('backlog sent', { records: sent, complete: current() });
  }

  private async sendHistorical(record: OutboxRecord, window: Set<Promise<unknown>>): Promise<void> {
    const payload = historicalPayload(record, this.options.log);
    if (payload === null) return;
    this.replayed++;
    const sending = this.options.session.publish(record.topic, payload, { qos: 1 }).then((acknowledged) => {
      if (acknowledged && !record.acked) this.acked(record.boot, record.seq);
      window.delete(sending);
    });
    window.add(sending);
    if (window.size >= REPLAY_WINDOW) await Promise.race(window);
  }
}

/** The stored message flagged historical (v2 at the byte level, without structures); null (logged) when it no longer reads. */
function historicalPayload(record: OutboxRecord, log: Logger): Buffer | null {
  const kind = record.topic.slice(record.topic.lastIndexOf('/') + 1);
  if (!isTopicKind(kind) || !isSequencedKind(kind)) {
    log.warn('outbox record on a topic that is not a sequenced kind; sent unchanged', { topic: record.topic, boot: record.boot, seq: record.seq });
    return record.payload;
  }
  const flagged = flaggedHistorical(kind, record.payload);
  if (!flagged.ok) {
    log.error('outbox record does not decode; not sent', { topic: record.topic, boot: record.boot, seq: record.seq, error: flagged.error });
    return null;
  }
  return flagged.payload;
}

/** The `telemetry.dropped` event for an outbox drop notice: which numbers of which boot are lost, and why. */
export function droppedEvent(notice: OutboxEvents['dropped']): NoticeArgs {
  const why = { full: 'the telemetry log was full', expired: 'they were older than outbox.maxAgeH', 'memory-full': 'the memory buffer was full while the disk refused writes', corrupt: 'they were damaged on disk' }[notice.reason];
  return [
    'telemetry.dropped',
    'warning',
    `${notice.count} message(s) of boot ${notice.boot}, seq ${notice.fromSeq}..${notice.toSeq}, lost because ${why}`,
    { boot: notice.boot, fromSeq: notice.fromSeq, toSeq: notice.toSeq, count: notice.count, reason: notice.reason },
  ];
}
