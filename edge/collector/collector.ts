/**
 * The central collector: an MQTT 5 shared-subscription consumer that writes telemetry to PostgreSQL in
 * batches and acknowledges each message to the broker only after its batch is committed. On a database
 * error the batch is retried with backoff and nothing is acknowledged, so the broker keeps (and after a
 * reconnect redelivers) everything not yet stored; its flow control (Receive Maximum) stops new deliveries
 * meanwhile. A SIGKILL loses nothing for the same reason.
 *
 * v2 messages are read with the structures of their node's birth. Retained messages do not reach a
 * shared subscription, so a second, plain connection subscribes to the state topics and keeps every
 * birth (BirthRegistry). A message that arrives before its birth is held, unacknowledged, until the
 * birth comes; one held too long or beyond the bound is stored as rejected with the reason (its raw
 * bytes kept) and counted, never dropped.
 */
import mqtt, { type ISubscriptionMap, type MqttClient } from 'mqtt';
import pg from 'pg';
import type { Server } from 'node:http';
import type { Logger } from '../log.js';
import { BirthRegistry } from '../../protocol/birth-registry.js';
import { decodeTopicMessage } from '../../protocol/codec.js';
import { HeldForBirth } from '../../protocol/held-for-birth.js';
import type { StateMessage, WireStructures } from '../../protocol/messages.js';
import type { Signer } from '../../protocol/sign.js';
import { subscriptionFilter } from '../../protocol/topics.js';
import { writeBatch } from './batch-writer.js';
import { CollectorMetrics } from './collector-metrics.js';
import { DeferredAcks, type AckHandle } from './deferred-acks.js';
import { GapReplayer } from './gap-replayer.js';
import { classifyMessage, type IncomingMessage } from './incoming-message.js';
import { startMetricsServer } from './metrics-server.js';
import { migrate } from './migrations.js';

/** A node whose messages wait for a birth has its stored births read at most this often. */
const STRUCTURE_LOOKUP_INTERVAL_MS = 2000;

export interface CollectorOptions {
  brokerUrl: string;
  databaseUrl: string;
  shareGroup: string;
  /** Stable across restarts: the broker keeps this client's session and its unacknowledged messages. */
  clientId: string;
  prefix: string;
  /** A batch is written when it holds this many messages… */
  batchSize: number;
  /** …or when its oldest message has waited this long. */
  batchMs: number;
  /** Unacknowledged messages the broker may have in flight to this collector (MQTT 5 Receive Maximum). */
  receiveMaximum: number;
  /**
   * How long the broker keeps this collector's session (its subscription and unacknowledged messages)
   * while it is disconnected: longer than any restart. Mosquitto goes on queueing a share of the group's
   * messages for a session that is gone, so a collector retired for good must stop cleanly (it leaves the
   * group) or come back with the same client id.
   */
  sessionExpiryS: number;
  /** null: no HTTP endpoint; 0: any free port. */
  metricsPort: number | null;
  signer: Signer | null;
  retry: { minMs: number; maxMs: number };
  gaps: { graceMs: number; perNodeIntervalMs: number; maxRequestsPerS: number; retry?: { afterMs: number; attempts: number } };
  /** v2 messages waiting for their node's birth: at most this many, for at most this long. */
  birthWait?: { maxMessages: number; maxMs: number };
  log: Logger;
}

export const DEFAULT_COLLECTOR_OPTIONS = {
  shareGroup: 'nutgiao-collectors',
  batchSize: 500,
  batchMs: 200,
  receiveMaximum: 2000,
  sessionExpiryS: 3600,
  retry: { minMs: 200, maxMs: 10_000 },
  gaps: { graceMs: 5000, perNodeIntervalMs: 30_000, maxRequestsPerS: 10 },
  birthWait: { maxMessages: 1000, maxMs: 10_000 },
} as const;


interface Received {
  incoming: IncomingMessage;
  ack: AckHandle;
}

export class Collector {
  readonly metrics = new CollectorMetrics();
  private pool: pg.Pool | null = null;
  private client: MqttClient | null = null;
  private birthClient: MqttClient | null = null;
  private readonly births = new BirthRegistry();
  private readonly held: HeldForBirth<Received>;
  private birthExpiry: NodeJS.Timeout | null = null;
  private acks: DeferredAcks | null = null;
  private gaps: GapReplayer | null = null;
  private server: Server | null = null;
  private metricsUrl: string | null = null;
  private queue: Received[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private stopping = false;
  private checkingDatabase = false;
  /** When each node's stored births were last looked up for a waiting message (site/node → ms). */
  private readonly structureLookups = new Map<string, number>();

  constructor(private readonly options: CollectorOptions) {
    const wait = options.birthWait ?? DEFAULT_COLLECTOR_OPTIONS.birthWait;
    this.held = new HeldForBirth<Received>({ maxMessages: wait.maxMessages, maxAgeMs: wait.maxMs, now: Date.now });
  }

  get subscription(): string {
    return `$share/${this.options.shareGroup}/${this.options.prefix}/+/+/+`;
  }

  get metricsEndpoint(): string | null {
    return this.metricsUrl;
  }

  async start(): Promise<void> {
    const { log } = this.options;
    // One connection stays open even when idle, so a database restart is noticed without traffic too.
    this.pool = new pg.Pool({ connectionString: this.options.databaseUrl, max: 4, min: 1, connectionTimeoutMillis: 5000 });
    // An idle connection dropped by a database restart must not crash the process; it also means the
    // database is down until a query succeeds again (checked with backoff, so /health says so even idle).
    this.pool.on('error', (error) => {
      log.warn('database connection lost', { error: error.message });
      this.metrics.databaseOk = false;
      void this.checkDatabaseUntilUp();
    });
    await this.retrying('schema migration', async () => {
      const applied = await migrate(this.pool!);
      if (applied.length > 0) log.info('schema migrated', { applied });
    });
    this.metrics.databaseOk = true;
    await this.retrying('loading stored births', () => this.loadStoredStructures());
    if (this.options.metricsPort !== null) {
      const { server, url } = await startMetricsServer(this.metrics, this.options.metricsPort);
      this.server = server;
      this.metricsUrl = url;
    }
    await this.startBirthWatch();
    const client = mqtt.connect(this.options.brokerUrl, {
      protocolVersion: 5,
      clientId: this.options.clientId,
      clean: false,
      properties: { sessionExpiryInterval: this.options.sessionExpiryS, receiveMaximum: this.options.receiveMaximum },
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    this.client = client;
    this.acks = new DeferredAcks(client);
    this.gaps = new GapReplayer(this.pool, this.metrics, {
      prefix: this.options.prefix,
      signer: this.options.signer,
      publish: async (topic, payload) => void (await client.publishAsync(topic, payload, { qos: 1 })),
      ...this.options.gaps,
      awaitingBirth: (site, node) => this.held.holds(site, node),
      onError: (error) => log.warn('gap check failed', { error: error.message }),
    });
    client.on('message', (topic, payload, packet) => this.receive(topic, payload, packet.messageId));
    client.on('close', () => (this.metrics.mqttConnected = false));
    client.on('error', (error) => log.warn('mqtt error', { error: error.message }));
    const subscribed = new Promise<void>((resolve, reject) => {
      client.on('connect', () => {
        this.metrics.mqttConnected = true;
        // On every connect, even when the broker reports the session present: Mosquitto 2.0 restores a
        // session after its restart without its shared subscriptions, and delivers nothing to it. Forced
        // (`resubscribe`): mqtt.js otherwise skips a topic it believes subscribed. Re-subscribing an
        // existing subscription is harmless (MQTT 5, 3.8.4).
        client.subscribe({ [this.subscription]: { qos: 1 }, resubscribe: true } as ISubscriptionMap, (error, grants) => {
          const refused = grants?.find((grant) => grant.qos > 2);
          if (error || refused) {
            const reason = error?.message ?? `broker refused ${this.subscription} (reason code ${refused!.qos})`;
            log.error('subscribe failed', { error: reason });
            reject(new Error(reason));
          } else resolve();
        });
      });
    });
    await subscribed;
  }

  /**
   * The plain (not shared) subscription to every node's state topic: retained births come on subscribe
   * and again after each reconnect (clean session), later births as they are published.
   */
  private async startBirthWatch(): Promise<void> {
    const { log, prefix } = this.options;
    const filter = subscriptionFilter(prefix, { kind: 'state' });
    const client = mqtt.connect(this.options.brokerUrl, { protocolVersion: 5, clientId: `${this.options.clientId}-births`, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000 });
    this.birthClient = client;
    client.on('message', (topic, payload) => {
      const decoded = decodeTopicMessage(prefix, topic, payload, this.births);
      if (!decoded.ok) return;
      this.releaseHeld(decoded.topic.site, decoded.topic.node);
      const state = decoded.message as StateMessage;
      if (decoded.kind === 'state' && state.status === 'online' && state.structures !== undefined) {
        this.storeStructures(decoded.topic.site, decoded.topic.node, state.boot, state.structures).catch((error: Error) => log.warn('birth structures not stored', { error: error.message }));
      }
    });
    client.on('error', (error) => log.warn('mqtt error (births)', { error: error.message }));
    await new Promise<void>((resolve, reject) => {
      client.on('connect', () => {
        client.subscribe(filter, { qos: 1 }, (error, grants) => {
          const refused = grants?.find((grant) => grant.qos > 2);
          if (error || refused) {
            const reason = error?.message ?? `broker refused ${filter} (reason code ${refused!.qos})`;
            log.error('subscribe to births failed', { error: reason });
            reject(new Error(reason));
          } else resolve();
        });
      });
    });
    this.birthExpiry = setInterval(() => {
      for (const entry of this.held.expired()) this.refuseWithoutBirth(entry, `its node's birth did not arrive within ${this.held.maxAgeMs} ms`);
      this.metrics.heldForBirth = this.held.size;
    }, 1000);
  }

  /**
   * Births are retained only until the node's next birth or death, and this collector's registry starts
   * empty: the structures every birth announced are kept in node_structures, loaded at start and looked
   * up when a message waits for a birth (another collector of the group may have stored it).
   */
  private async loadStoredStructures(): Promise<void> {
    const { rows } = await this.pool!.query<{ site: string; node: string; boot: string; structures: WireStructures }>(
      'SELECT site, node, boot, structures FROM node_structures ORDER BY received_at',
    );
    for (const row of rows) this.births.remember(row.site, row.node, Number(row.boot), row.structures);
    if (rows.length > 0) this.options.log.info('births loaded from the database', { boots: rows.length });
  }

  private async storeStructures(site: string, node: string, boot: number, structures: WireStructures): Promise<void> {
    await this.pool!.query(
      'INSERT INTO node_structures (site, node, boot, revision, structures) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site, node, boot) DO UPDATE SET revision = EXCLUDED.revision, structures = EXCLUDED.structures, received_at = now()',
      [site, node, boot, structures.revision, JSON.stringify(structures)],
    );
  }

  private lookUpStoredStructures(site: string, node: string): void {
    const key = `${site}/${node}`;
    const last = this.structureLookups.get(key);
    if (last !== undefined && Date.now() - last < STRUCTURE_LOOKUP_INTERVAL_MS) return;
    this.structureLookups.set(key, Date.now());
    if (this.structureLookups.size > 10_000) this.structureLookups.delete(this.structureLookups.keys().next().value!);
    this.pool!
      .query<{ boot: string; structures: WireStructures }>('SELECT boot, structures FROM node_structures WHERE site = $1 AND node = $2 ORDER BY received_at', [site, node])
      .then(({ rows }) => {
        for (const row of rows) this.births.remember(site, node, Number(row.boot), row.structures);
        if (rows.length > 0) this.releaseHeld(site, node);
      })
      .catch((error: Error) => this.options.log.warn('stored births not read', { site, node, error: error.message }));
  }

  /** A birth arrived: what waited for it is read now (or waits on, for another boot's birth). */
  private releaseHeld(site: string, node: string): void {
    for (const { item, heldAt } of this.held.release(site, node)) this.classified(this.reclassify(item), item.ack, heldAt);
    this.metrics.heldForBirth = this.held.size;
  }

  private reclassify(entry: Received): IncomingMessage {
    const { topic, payload } = entry.incoming as Extract<IncomingMessage, { ok: false }>;
    return classifyMessage(this.options.prefix, topic, payload, this.births);
  }

  private refuseWithoutBirth(entry: Received, why: string): void {
    const incoming = entry.incoming as Extract<IncomingMessage, { ok: false }>;
    this.metrics.refusedWithoutBirth++;
    this.options.log.warn('message refused: its birth is unknown', { topic: incoming.topic, why });
    this.enqueue({ incoming: { ok: false, topic: incoming.topic, payload: incoming.payload, reason: `${incoming.reason}; refused: ${why}` }, ack: entry.ack });
  }

  /** Stops taking messages, writes what was received (for at most `drainMs`), then disconnects. */
  async stop(drainMs = 5000): Promise<void> {
    this.stopping = true;
    // Leave the group first, so the broker routes new messages to the other collectors (it would queue
    // them for this session otherwise); what was delivered before the UNSUBACK is written below.
    if (this.client?.connected) {
      await Promise.race([this.client.unsubscribeAsync(this.subscription).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2000))]);
    }
    this.client?.removeAllListeners('message');
    const deadline = Date.now() + drainMs;
    while ((this.queue.length > 0 || this.flushing) && Date.now() < deadline) {
      await (this.flushing ?? this.flush());
    }
    if (this.timer) clearTimeout(this.timer);
    this.gaps?.stop();
    if (this.birthExpiry) clearInterval(this.birthExpiry);
    // Held messages stay unacknowledged: the broker delivers them again to this session later.
    if (this.held.size > 0) this.options.log.info('messages still waiting for their birth left unacknowledged', { messages: this.held.size });
    await this.birthClient?.endAsync();
    await this.client?.endAsync();
    await this.pool?.end();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private receive(topic: string, payload: Buffer, messageId: number | undefined): void {
    this.metrics.received();
    this.classified(classifyMessage(this.options.prefix, topic, payload, this.births), this.acks!.handleFor(messageId));
  }

  private classified(incoming: IncomingMessage, ack: AckHandle, heldAt?: number): void {
    if (!incoming.ok && incoming.awaitingBirth) {
      const { site, node } = incoming.awaitingBirth;
      this.lookUpStoredStructures(site, node);
      for (const overflow of this.held.hold(site, node, { incoming, ack }, heldAt)) this.refuseWithoutBirth(overflow, 'too many messages waited for their births');
      this.metrics.heldForBirth = this.held.size;
      return;
    }
    this.enqueue({ incoming, ack });
    if (incoming.ok && incoming.decoded.kind === 'state') this.releaseHeld(incoming.site, incoming.node);
  }

  private enqueue(entry: Received): void {
    this.queue.push(entry);
    this.metrics.pending = this.queue.length;
    if (this.flushing) return;
    if (this.queue.length >= this.options.batchSize) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.options.batchMs);
  }

  /** Writes the queue in batches until it is empty; one flush at a time. */
  private flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.batchSize);
        await this.writeUntilCommitted(batch);
        this.metrics.pending = this.queue.length;
        // While one batch was written, more arrived: the next batch goes now if full, else on the timer.
        if (this.queue.length < this.options.batchSize && !this.stopping) break;
      }
    })().finally(() => {
      this.flushing = null;
      if (this.queue.length > 0 && !this.timer) this.timer = setTimeout(() => void this.flush(), this.options.batchMs);
    });
    return this.flushing;
  }

  private async writeUntilCommitted(batch: Received[]): Promise<void> {
    let attempt = 0;
    for (;;) {
      // Messages of a connection that closed meanwhile will come again from the broker: not kept twice.
      const live = attempt === 0 ? batch : batch.filter((entry) => entry.ack.isCurrent());
      if (live.length === 0) return;
      const started = performance.now();
      try {
        const result = await writeBatch(this.pool!, live.map((entry) => entry.incoming));
        this.metrics.batchLatency((performance.now() - started) / 1000);
        for (const entry of live) entry.ack.release();
        this.metrics.databaseOk = true;
        this.metrics.batchesCommitted++;
        this.metrics.sequencedStored += result.stored;
        this.metrics.duplicates += result.duplicates;
        this.metrics.rejected += result.rejected;
        this.metrics.rowsWritten += result.rows;
        this.metrics.lastCommitAtMs = Date.now();
        for (const { incoming } of live) {
          if (incoming.ok && incoming.sequence) this.gaps!.observe(incoming.site, incoming.node, incoming.sequence.boot, incoming.sequence.seq);
        }
        return;
      } catch (error) {
        this.metrics.dbErrors++;
        this.metrics.databaseOk = false;
        const delay = backoffMs(attempt++, this.options.retry);
        this.options.log.warn('batch not written, retrying; its messages stay unacknowledged', { error: (error as Error).message, messages: live.length, retryInMs: delay });
        if (this.stopping) return;
        await new Promise((resolve) => setTimeout(resolve, delay));
        batch = live;
      }
    }
  }

  /** After a lost connection: SELECT 1 with backoff until it answers (timers unref'd: no wait at exit). */
  private async checkDatabaseUntilUp(): Promise<void> {
    if (this.checkingDatabase) return;
    this.checkingDatabase = true;
    try {
      for (let attempt = 0; !this.stopping; attempt++) {
        try {
          await this.pool!.query('SELECT 1');
          this.metrics.databaseOk = true;
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, this.options.retry)).unref());
        }
      }
    } finally {
      this.checkingDatabase = false;
    }
  }

  private async retrying(what: string, action: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await action();
      } catch (error) {
        if (this.stopping) throw error;
        this.metrics.dbErrors++;
        const delay = backoffMs(attempt, this.options.retry);
        this.options.log.warn(`${what} failed, retrying`, { error: (error as Error).message, retryInMs: delay });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

/** Exponential backoff with full jitter. */
export function backoffMs(attempt: number, limits: { minMs: number; maxMs: number }): number {
  const ceiling = Math.min(limits.maxMs, limits.minMs * 2 ** Math.min(attempt, 20));
  return limits.minMs + Math.random() * (ceiling - limits.minMs);
}
