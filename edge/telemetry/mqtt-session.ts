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
  /** Bound of the in-memory queue of QoS 1 messages not yet acknowledged. */
  maxQueued: number;
  clock: Clock;
  log: Logger;
  random?: () => number;
}

export interface PublishOptions {
  qos: 0 | 1;
  retain?: boolean;
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
  queued: number;
  dropped: number;
}

interface QueuedMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
  /** The client it is in flight on, so one connection never sends it twice. */
  inFlightOn: MqttClient | null;
  settle: (acknowledged: boolean) => void;
}

type ConnectedHook = (publishNow: (topic: string, payload: Buffer, options: PublishOptions) => Promise<boolean>, info: ConnectedInfo) => Promise<void> | void;
type MessageListener = (topic: string, payload: Buffer, meta: { retained: boolean }) => void;

/**
 * Owns the MQTT connection: reconnects with backoff, falls back from MQTT 5 to 3.1.1, re-subscribes, and
 * holds QoS 1 messages until the broker acknowledges them (sent again after a reconnect: at least once).
 * Publishing never throws; it resolves to whether the broker acknowledged.
 */
export class MqttSession {
  private state: LinkState = 'idle';
  private client: MqttClient | null = null;
  private protocolInUse: MqttProtocolName;
  private attempt = 0;
  private retryTimer: TimerHandle | undefined;
  private readonly queue = new Map<number, QueuedMessage>();
  private nextQueueId = 0;
  private connects = 0;
  private dropped = 0;
  private readonly connectedHooks: ConnectedHook[] = [];
  private readonly messageListeners: MessageListener[] = [];
  private readonly subscriptions = new Map<string, 0 | 1>();
  private readonly random: () => number;

  constructor(private readonly options: MqttSessionOptions) {
    this.protocolInUse = options.protocol === '3.1.1' ? '3.1.1' : '5';
    this.random = options.random ?? Math.random;
  }

  /** Runs on every successful connection, before queued messages are sent (births go first). */
  onConnected(hook: ConnectedHook): void {
    this.connectedHooks.push(hook);
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

  linkState(): LinkState {
    return this.state;
  }

  stats(): LinkStats {
    return {
      state: this.state,
      protocol: this.protocolInUse,
      connects: this.connects,
      reconnects: Math.max(0, this.connects - 1),
      queued: this.queue.size,
      dropped: this.dropped,
    };
  }

  publish(topic: string, payload: Buffer, options: PublishOptions): Promise<boolean> {
    if (this.state === 'stopped') return Promise.resolve(false);
    try {
      assertPublishTopic(topic);
    } catch (error) {
      // Refused here, or it would wait in the queue for an acknowledgement that never comes.
      this.options.log.error('publish refused', { topic, error: error as Error });
      return Promise.resolve(false);
    }
    if (options.qos === 0) {
      // Sampled data (health): sent if the link is up, otherwise skipped; never queued without bound.
      const client = this.client;
      if (this.state !== 'connected' || !client) return Promise.resolve(false);
      return this.sendOnce(client, topic, payload, options);
    }
    return new Promise<boolean>((settle) => {
      if (this.queue.size >= this.options.maxQueued) this.dropOldest();
      const id = this.nextQueueId++;
      const message: QueuedMessage = { topic, payload, retain: options.retain ?? false, inFlightOn: null, settle };
      this.queue.set(id, message);
      if (this.state === 'connected' && this.client) this.send(this.client, id, message);
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
    for (const message of this.queue.values()) message.settle(false);
    this.queue.clear();
    if (client) await new Promise<void>((resolve) => client.end(!wasConnected, {}, () => resolve()));
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
    client.on('message', (topic, payload, packet) => this.dispatch(topic, payload, packet.retain === true));
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
      for (const message of this.queue.values()) message.inFlightOn = null;
      if (this.state === 'connected') options.log.warn('MQTT link lost', { url: options.url, queued: this.queue.size });
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
    for (const [id, message] of this.queue) this.send(client, id, message);
  }

  private send(client: MqttClient, id: number, message: QueuedMessage): void {
    if (message.inFlightOn === client) return;
    message.inFlightOn = client;
    this.sendOnce(client, message.topic, message.payload, { qos: 1, retain: message.retain }).then((acknowledged) => {
      if (acknowledged) {
        if (this.queue.delete(id)) message.settle(true);
      } else if (message.inFlightOn === client) {
        message.inFlightOn = null; // sent again on the next connection
      }
    });
  }

  private sendOnce(client: MqttClient, topic: string, payload: Buffer, options: PublishOptions): Promise<boolean> {
    return new Promise((resolve) => {
      try {
        client.publish(topic, payload, { qos: options.qos, retain: options.retain ?? false }, (error) => {
          if (error) this.options.log.debug('publish not acknowledged', { topic, error });
          resolve(!error);
        });
      } catch (error) {
        this.options.log.error('publish refused', { topic, error: error as Error });
        resolve(false);
      }
    });
  }

  private dropOldest(): void {
    const oldest = this.queue.keys().next();
    if (oldest.done) return;
    const message = this.queue.get(oldest.value)!;
    this.queue.delete(oldest.value);
    this.dropped++;
    message.settle(false);
    if (this.dropped === 1 || this.dropped % 1000 === 0) {
      this.options.log.warn('outgoing queue full: dropping oldest messages', { dropped: this.dropped, bound: this.options.maxQueued });
    }
  }

  private dispatch(topic: string, payload: Buffer, retained: boolean): void {
    for (const listener of this.messageListeners) {
      try {
        listener(topic, payload, { retained });
      } catch (error) {
        this.options.log.error('message handler failed', { topic, error: error as Error });
      }
    }
  }

  private reportSubscribe(filter: string, error: Error | null | undefined): void {
    if (error) this.options.log.warn('subscribe failed', { filter, error });
  }
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
