import mqtt, { type MqttClient } from 'mqtt';
import { BirthRegistry, decodeTopicMessage, DEFAULT_PREFIX } from '../../protocol/index.js';

export interface Received {
  topic: string;
  kind: string;
  retained: boolean;
  message: Record<string, unknown>;
}

/**
 * A test subscriber that decodes every message with protocol/, as the central system would. With a
 * clientId it keeps a persistent session (MQTT 3.1.1, clean=false, QoS 1), so the broker queues what
 * arrives while it is reconnecting. v2 messages are read with the births it saw; one that comes before
 * its birth waits for it (in `awaitingBirth`) and is decoded when a birth arrives.
 */
export class Collector {
  readonly received: Received[] = [];
  /** Every message as it arrived, decodable or not. */
  readonly raw: Array<{ topic: string; payload: Buffer }> = [];
  readonly errors: string[] = [];
  readonly awaitingBirth: Array<{ topic: string; payload: Buffer; retained: boolean }> = [];
  private readonly births = new BirthRegistry();
  private constructor(private readonly client: MqttClient) {}

  static async connect(url: string, options: { filter?: string; clientId?: string; protocolVersion?: 4 | 5 } = {}): Promise<Collector> {
    const persistent = options.clientId !== undefined;
    const client = mqtt.connect(url, {
      protocolVersion: options.protocolVersion ?? 4,
      clean: !persistent,
      clientId: options.clientId ?? `collector-${Math.random().toString(16).slice(2)}`,
      reconnectPeriod: 100,
      connectTimeout: 5000,
    });
    const collector = new Collector(client);
    client.on('message', (topic, payload, packet) => {
      collector.raw.push({ topic, payload });
      collector.decode(topic, payload, packet.retain === true);
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(options.filter ?? `${DEFAULT_PREFIX}/#`, { qos: 1 });
    return collector;
  }

  private decode(topic: string, payload: Buffer, retained: boolean): void {
    const decoded = decodeTopicMessage(DEFAULT_PREFIX, topic, payload, this.births);
    if (!decoded.ok && decoded.missingBirth) this.awaitingBirth.push({ topic, payload, retained });
    else if (!decoded.ok) this.errors.push(`${topic}: ${decoded.error}`);
    else {
      this.received.push({ topic, kind: decoded.topic.kind, retained, message: decoded.message as Record<string, unknown> });
      if (decoded.kind === 'state') for (const waiting of this.awaitingBirth.splice(0)) this.decode(waiting.topic, waiting.payload, waiting.retained);
    }
  }

  of(kind: string): Received[] {
    return this.received.filter((entry) => entry.kind === kind);
  }

  async waitForRaw(predicate: (entry: { topic: string; payload: Buffer }) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.raw.some(predicate)) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; topics: ${this.raw.map((entry) => entry.topic).join(' ')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async waitFor(predicate: (entry: Received) => boolean, what: string, timeoutMs = 10_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.received.map((entry) => `${entry.kind}${entry.message.seq === undefined ? '' : '#' + entry.message.seq}`).join(' ');
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received: ${seen || 'nothing'}${this.errors.length ? '; decode errors: ' + this.errors.join('; ') : ''}${this.awaitingBirth.length ? `; ${this.awaitingBirth.length} waiting for a birth` : ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
