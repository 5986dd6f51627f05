import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../hal/clock.js';
import { assertPublishTopic } from '../../protocol/index.js';
import type { Logger } from '../log.js';
import { fullJitterDelayMs } from './backoff.js';

/** One state instead of mqtt.js's four booleans. */
export type LinkState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';
export type MqttProtocolName = '5' | '3.1.1';

export interface MqttSessionOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  keepaliveS: number;
  connectTimeoutS: number;
  /** auto = MQTT 5, falling back to 3.1.1 when the broker refuses the protocol version. */
  protocol: 'auto' | MqttProtocolName;
  reconnect: { minMs: number; maxMs: number };
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
  /** The last will: published retained by the broker when the link dies without a clean disconnect. */
  will?: { topic: string; payload: Buffer };
  clock: Clock;
  log: Logger;
  random?: () => number;
}

export interface PublishOptions {
  qos: 0 | 1;
  retain?: boolean;
  /** MQTT 5 only: echoed from a request so the requester can match the response. */
  correlationData?: Buffer;
}

export interface ConnectedInfo {
  protocol: MqttProtocolName;
  /** True from the second successful connection on. */
  reconnected: boolean;
}

export interface LinkStats {
  state: LinkState;
  protocol: MqttProtocolName;
  connects: number;
  reconnects: number;
  /** Messages waiting to be acknowledged: in flight here plus the backlog of the durable store. */
  queued: number;
  /** Messages the durable store dropped (bounds, age, damage). */
  dropped: number;
}

/** What the durable store behind the session holds, for stats and health. */
export type BacklogGauge = () => { pending: number; dropped: number };

type ConnectedHook = (publishNow: (topic: string, payload: Buffer, options: PublishOptions) => Promise<boolean>, info: ConnectedInfo) => Promise<void> | void;
/** MQTT 5 request/response properties of a received message (absent under 3.1.1). */
export interface ResponseProperties {
  responseTopic?: string;
  correlationData?: Buffer;
}
type MessageListener = (topic: string, payload: Buffer, meta: { retained: boolean; properties: ResponseProperties }) => void;

/**
 * Owns the MQTT connection: reconnects with backoff, falls back from MQTT 5 to 3.1.1 and re-subscribes.
 * It keeps only messages in flight: a QoS 1 publish resolves true when the broker acknowledges it and
 * false when the link is down or drops first. Keeping messages until they are acknowledged, and sending
 * them again, is the durable outbox's job (DurableTelemetry), so nothing is held here without bound.
 * Publishing never throws.
 */
export class MqttSession {
  private state: LinkState = 'idle';
  private client: MqttClient | null = null;
  private protocolInUse: MqttProtocolName;
  private attempt = 0;
  private retryTimer: TimerHandle | undefined;
  /** QoS 1 messages sent on the current connection and not yet acknowledged. */
  private readonly inFlight = new Set<(acknowledged: boolean) => void>();
  private connects = 0;
  private backlog: BacklogGauge = () => ({ pending: 0, dropped: 0 });
  private readonly connectedHooks: ConnectedHook[] = [];
  private readonly readyHooks: Array<(info: ConnectedInfo) => void> = [];
  private readonly messageListeners: MessageListener[] = [];
  private readonly subscriptions = new Map<string, 0 | 1>();
  private readonly random: () => number;

  constructor(private readonly options: MqttSessionOptions) {
    this.protocolInUse = options.protocol === '3.1.1' ? '3.1.1' : '5';
    this.random = options.random ?? Math.random;
  }

  /** Runs on every successful connection, in order (births go first). */
  onConnected(hook: ConnectedHook): void {
    this.connectedHooks.push(hook);
  }

  /** Runs on every successful connection after all onConnected hooks (a backlog goes after the birth). */
  onReady(hook: (info: ConnectedInfo) => void): void {
    this.readyHooks.push(hook);
  }

  onMessage(listener: MessageListener): void {
    this.messageListeners.push(listener);
  }

  subscribe(filter: string, qos: 0 | 1 = 1): void {
    this.subscriptions.set(filter, qos);
    if (this.state === 'connected' && this.client) this.client.subscribe(filter, { qos }, (error) => this.reportSubscribe(filter, error));
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  /** Where stats() reads the durable backlog from. */
  reportBacklog(gauge: BacklogGauge): void {
    this.backlog = gauge;
  }

  /** Messages sent on this connection and not yet acknowledged. */
  inFlightCount(): number {
    return this.inFlight.size;
  }

  linkState(): LinkState {
    return this.state;
  }

  stats(): LinkStats {
    const backlog = this.backlog();
    return {
      state: this.state,
      protocol: this.protocolInUse,
      connects: this.connects,
      reconnects: Math.max(0, this.connects - 1),
      // Messages from the outbox are pending there while in flight: counted once.
      queued: Math.max(this.inFlight.size, backlog.pending),
      dropped: backlog.dropped,
    };
  }

  publish(topic: string, payload: Buffer, options: PublishOptions): Promise<boolean> {
    if (this.state === 'stopped') return Promise.resolve(false);
    try {
      assertPublishTopic(topic);
    } catch (error) {
      // Refused here: the broker would close the connection over it.
      this.options.log.error('publish refused', { topic, error: error as Error });
      return Promise.resolve(false);
    }
    // Not connected: nothing is queued here (QoS 0 is sampled data; QoS 1 waits in the outbox).
    const client = this.client;
    if (this.state !== 'connected' || !client) return Promise.resolve(false);
    if (options.qos === 0) return this.sendOnce(client, topic, payload, options);
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const settle = (acknowledged: boolean) => {
        if (settled) return;
        settled = true;
        this.inFlight.delete(settle);
        resolve(acknowledged);
      };
      this.inFlight.add(settle);
      void this.sendOnce(client, topic, payload, options).then(settle);
    });
  }

  /**
   * Stops for good. When connected, publishes `finalWill` (the death, retained) and disconnects cleanly;
   * a clean disconnect suppresses the broker's last will, so the death must be sent by hand.
   */
  async stop(finalWill?: Buffer, timeoutMs = 2000): Promise<void> {
    if (this.state === 'stopped') return;
    const client = this.client;
    const wasConnected = this.state === 'connected' && client !== null;
    this.state = 'stopped';
    this.options.clock.clearTimer(this.retryTimer);
    if (client && wasConnected && finalWill && this.options.will) {
      await withTimeout(this.sendOnce(client, this.options.will.topic, finalWill, { qos: 1, retain: true }), timeoutMs);
    }
    this.settleInFlight();
    if (client) {
      const ended = new Promise<true>((resolve) => client.end(!wasConnected, {}, () => resolve(true)));
      // A graceful end waits for the broker to acknowledge what is in flight, which a link that died
      // silently never does: past the timeout the connection is dropped (the outbox keeps the messages).
      if ((await withTimeout(ended, timeoutMs)) === undefined) {
        // A second end() while one is pending returns at once without forcing: close the socket itself.
        this.options.log.warn('MQTT link did not close in time; dropping it', { timeoutMs });
        client.stream?.destroy();
      }
    }
    this.client = null;
  }

  private connect(): void {
    this.state = 'connecting';
    const { options } = this;
    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      keepalive: options.keepaliveS,
      connectTimeout: options.connectTimeoutS * 1000,
      protocolVersion: this.protocolInUse === '5' ? 5 : 4,
      reconnectPeriod: 0, // reconnection is ours: backoff with jitter, protocol fallback
      clean: true,
      queueQoSZero: false,
    };
    if (options.will) clientOptions.will = { topic: options.will.topic, payload: options.will.payload, qos: 1, retain: true };
    if (options.username !== undefined) clientOptions.username = options.username;
    if (options.password !== undefined) clientOptions.password = options.password;
    if (options.tls) {
      if (options.tls.ca) clientOptions.ca = options.tls.ca;
      if (options.tls.cert) clientOptions.cert = options.tls.cert;
      if (options.tls.key) clientOptions.key = options.tls.key;
      clientOptions.rejectUnauthorized = options.tls.rejectUnauthorized;
    }
    let client: MqttClient;
    try {
      client = mqtt.connect(options.url, clientOptions);
    } catch (error) {
      options.log.error('cannot create MQTT client', { url: options.url, error: error as Error });
      this.scheduleRetry();
      return;
    }
    this.client = client;
    let retryImmediately = false;
    client.on('connect', (connack: IConnackPacket) => void this.handleConnected(client, connack));
    client.on('message', (topic, payload, packet) => this.dispatch(topic, payload, packet.retain === true, responseProperties(packet.properties)));
    client.on('error', (error: Error & { code?: number | string }) => {
      if (client !== this.client) return;
      if (options.protocol === 'auto' && this.protocolInUse === '5' && isProtocolVersionRefusal(error)) {
        options.log.info('broker refuses MQTT 5; falling back to MQTT 3.1.1', { url: options.url });
        this.protocolInUse = '3.1.1';
        retryImmediately = true;
        return;
      }
      options.log.warn('MQTT error', { url: options.url, error });
    });
    client.on('close', () => {
      if (client !== this.client || this.state === 'stopped') return;
      this.client = null; // detach first: ending the client may emit 'close' again
      client.end(true);
      if (this.state === 'connected') options.log.warn('MQTT link lost', { url: options.url, inFlight: this.inFlight.size });
      // Unacknowledged on a dead connection: the outbox still holds them and sends them again.
      this.settleInFlight();
      if (retryImmediately) this.connect();
      else this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    const { minMs, maxMs } = this.options.reconnect;
    const delay = fullJitterDelayMs(this.attempt++, minMs, maxMs, this.random);
    this.state = 'backoff';
    this.options.log.debug('reconnecting later', { delayMs: delay, attempt: this.attempt });
    this.retryTimer = this.options.clock.setTimer(() => {
      if (this.state === 'backoff') this.connect();
    }, delay);
  }

  private async handleConnected(client: MqttClient, _connack: IConnackPacket): Promise<void> {
    if (client !== this.client || this.state === 'stopped') return;
    this.state = 'connected';
    this.attempt = 0;
    this.connects++;
    const info: ConnectedInfo = { protocol: this.protocolInUse, reconnected: this.connects > 1 };
    this.options.log.info(info.reconnected ? 'MQTT reconnected' : 'MQTT connected', { url: this.options.url, protocol: info.protocol });
    for (const [filter, qos] of this.subscriptions) client.subscribe(filter, { qos }, (error) => this.reportSubscribe(filter, error));
    const publishNow = (topic: string, payload: Buffer, options: PublishOptions) => this.sendOnce(client, topic, payload, options);
    for (const hook of this.connectedHooks) {
      try {
        await hook(publishNow, info);
      } catch (error) {
        this.options.log.error('on-connect step failed', { error: error as Error });
      }
    }
    if (client !== this.client || this.state !== 'connected') return;
    for (const hook of this.readyHooks) {
      try {
        hook(info);
      } catch (error) {
        this.options.log.error('on-ready step failed', { error: error as Error });
      }
    }
  }

  private settleInFlight(): void {
    for (const settle of [...this.inFlight]) settle(false);
  }

  private sendOnce(client: MqttClient, topic: string, payload: Buffer, options: PublishOptions): Promise<boolean> {
    return new Promise((resolve) => {
      try {
        const properties = options.correlationData === undefined ? {} : { properties: { correlationData: options.correlationData } };
        client.publish(topic, payload, { qos: options.qos, retain: options.retain ?? false, ...properties }, (error) => {
          if (error) this.options.log.debug('publish not acknowledged', { topic, error });
          resolve(!error);
        });
      } catch (error) {
        this.options.log.error('publish refused', { topic, error: error as Error });
        resolve(false);
      }
    });
  }

  private dispatch(topic: string, payload: Buffer, retained: boolean, properties: ResponseProperties): void {
    for (const listener of this.messageListeners) {
      try {
        listener(topic, payload, { retained, properties });
      } catch (error) {
        this.options.log.error('message handler failed', { topic, error: error as Error });
      }
    }
  }

  private reportSubscribe(filter: string, error: Error | null | undefined): void {
    if (error) this.options.log.warn('subscribe failed', { filter, error });
  }
}

/** Only the two properties a command response needs, copied out of mqtt.js's packet. */
function responseProperties(properties: { responseTopic?: string; correlationData?: Buffer } | undefined): ResponseProperties {
  const result: ResponseProperties = {};
  if (typeof properties?.responseTopic === 'string') result.responseTopic = properties.responseTopic;
  if (Buffer.isBuffer(properties?.correlationData)) result.correlationData = properties.correlationData;
  return result;
}

/** mqtt.js reports a CONNACK refusal for the protocol version as code 1 (3.1.1) or 0x84 (MQTT 5). */
function isProtocolVersionRefusal(error: Error & { code?: number | string }): boolean {
  return error.code === 1 || error.code === 0x84 || /unacceptable protocol version|unsupported protocol version/i.test(error.message);
}

/** Bounds a network wait at shutdown; real time on purpose, since it waits on a socket, not on the plan. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
