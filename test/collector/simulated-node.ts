import mqtt, { type MqttClient } from 'mqtt';
import { decodeMessage, encodeMessage } from '../../protocol/codec.js';
import { buildTopic, DEFAULT_PREFIX } from '../../protocol/topics.js';
import { countsMessage } from './telemetry-publisher.js';

/**
 * One simulated node on its own MQTT connection: numbered counts messages at a steady pace, whether or
 * not the broker is up (mqtt.js keeps them and sends them on reconnect, as a node's outbox would), and
 * the node's side of a replay request: the asked range again, marked historical. Its messages are
 * deterministic (countsMessage), so what it sent is just the numbers 0..published-1.
 */
export class SimulatedNode {
  published = 0;
  readonly replayRequests: Array<{ fromSeq: number; toSeq: number }> = [];
  /** Publishes mqtt.js gave up on (it keeps and resends them across reconnects, so none is expected). */
  readonly publishFailures: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly client: MqttClient,
    readonly site: string,
    readonly node: string,
    readonly boot: number,
  ) {}

  static async connect(brokerUrl: string, identity: { site: string; node: string; boot: number }): Promise<SimulatedNode> {
    const client = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5, reconnectPeriod: 100, connectTimeout: 5000 });
    const simulated = new SimulatedNode(client, identity.site, identity.node, identity.boot);
    client.on('message', (_topic, payload) => simulated.answerReplay(payload));
    // Connection errors while the broker is away: mqtt.js reconnects by itself.
    client.on('error', () => undefined);
    // mqtt.js subscribes again after each reconnect (resubscribe), also to a restarted broker.
    await client.subscribeAsync(buildTopic(DEFAULT_PREFIX, identity.site, identity.node, 'request', 'replay'), { qos: 1 });
    return simulated;
  }

  /** Publishes the next message every `intervalMs` until stopPublishing(). */
  startPublishing(intervalMs: number): void {
    this.timer = setInterval(() => this.send(this.published++, false), intervalMs);
  }

  stopPublishing(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.published;
  }

  async close(): Promise<void> {
    this.stopPublishing();
    await this.client.endAsync(true);
  }

  private send(seq: number, historical: boolean): void {
    const message = countsMessage(this.node, this.boot, seq, historical ? { historical: true } : {});
    const topic = buildTopic(DEFAULT_PREFIX, this.site, this.node, 'counts');
    this.client.publishAsync(topic, encodeMessage('counts', message), { qos: 1 }).catch((error: Error) => this.publishFailures.push(`seq ${seq}: ${error.message}`));
  }

  private answerReplay(payload: Buffer): void {
    const decoded = decodeMessage('request', payload);
    if (!decoded.ok || decoded.message.cmd !== 'replay') return;
    const { boot, fromSeq, toSeq } = decoded.message.args as { boot: number; fromSeq: number; toSeq: number };
    if (boot !== this.boot) return;
    this.replayRequests.push({ fromSeq, toSeq });
    for (let seq = fromSeq; seq <= Math.min(toSeq, this.published - 1); seq++) this.send(seq, true);
  }
}
