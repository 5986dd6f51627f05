import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { unpack } from 'msgpackr';
import { buildTopic, encodeMessage, SCHEMA_VERSION, type EventMessage } from '../../protocol/index.js';
import type { CheckRow, SelftestCheck, SelftestReport } from './selftest-check.js';
import { row } from './selftest-check.js';

export interface BrokerProbeOptions {
  url: string;
  prefix: string;
  site: string;
  node: string;
  /** The session id the self-test's events carry (a boot of its own: see the command's help). */
  boot: number;
  protocol: 'auto' | '5' | '3.1.1';
  /** Username, password, TLS and timeouts as the node connects (clientId is the probe's own). */
  connectOptions: Pick<IClientOptions, 'username' | 'password' | 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'connectTimeout'>;
  /** mqtt.waitForHost.topic: the central host's retained state, the one reference clock the node can see. */
  hostStateTopic?: string;
  /** How far the local clock may trail the host's timestamp before the check fails, ms. */
  skewToleranceMs?: number;
  roundTripTimeoutMs?: number;
}

/**
 * The broker as the node sees it: connect (with its credentials and TLS, its own client id, so a running
 * node's session is not taken over), publish at QoS 1, receive its own message back (round trip), and
 * the clock against the central host's retained state when one is configured. The connection stays
 * open so the run's result can be published on it at the end.
 */
export class BrokerProbe {
  private client: MqttClient | null = null;
  private seq = 0;

  constructor(private readonly options: BrokerProbeOptions) {}

  check(): SelftestCheck {
    const timeout = (this.options.connectOptions.connectTimeout ?? 10_000) * 2 + (this.options.roundTripTimeoutMs ?? 5000) + 3000;
    return { name: 'broker', timeoutMs: timeout, run: () => this.run() };
  }

  private async run(): Promise<CheckRow[]> {
    const { url } = this.options;
    const connectStarted = Date.now();
    let client: MqttClient;
    try {
      client = await this.connect();
    } catch (error) {
      return [row('broker', 'fail', `cannot connect to ${url}: ${(error as Error).message} (check mqtt.broker, the network, credentials and TLS)`, { url })];
    }
    const connectMs = Date.now() - connectStarted;
    const protocol = client.options.protocolVersion === 5 ? '5' : '3.1.1';
    const rows = [row('broker connect', 'pass', `connected to ${url} with MQTT ${protocol}`, { connectMs, protocol })];
    rows.push(await this.roundTrip(client));
    rows.push(await this.clockSkew(client));
    return rows;
  }

  /** Publishes the run's result as a `selftest.result` event; false when no broker connection is open. */
  async publishResult(report: SelftestReport): Promise<boolean> {
    const client = this.client;
    if (client === null || !client.connected) return false;
    const result = resultEvent(report);
    const event = this.event('selftest.result', result.severity, result.message, result.data);
    await client.publishAsync(this.eventTopic(), encodeMessage('event', event), { qos: 1 });
    return true;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync().catch(() => undefined);
  }

  private async connect(): Promise<MqttClient> {
    const versions: (4 | 5)[] = this.options.protocol === '3.1.1' ? [4] : this.options.protocol === '5' ? [5] : [5, 4];
    let lastError: Error = new Error('no protocol to try');
    for (const protocolVersion of versions) {
      try {
        this.client = await mqtt.connectAsync(this.options.url, {
          ...this.options.connectOptions,
          clientId: `${this.options.node}-selftest-${process.pid}`,
          protocolVersion,
          reconnectPeriod: 0,
          clean: true,
        });
        return this.client;
      } catch (error) {
        lastError = error as Error;
      }
    }
    throw lastError;
  }

  private async roundTrip(client: MqttClient): Promise<CheckRow> {
    const topic = this.eventTopic();
    const nonce = `${process.pid}-${Date.now()}`;
    const timeoutMs = this.options.roundTripTimeoutMs ?? 5000;
    try {
      await client.subscribeAsync(topic, { qos: 1 });
      const started = Date.now();
      let onMessage: ((topic: string, payload: Buffer) => void) | undefined;
      let timer: NodeJS.Timeout | undefined;
      const echoed = new Promise<number>((resolve, reject) => {
        onMessage = (received, payload) => {
          if (received !== topic) return;
          const data = (safeUnpack(payload) as { data?: { nonce?: unknown } } | null)?.data;
          if (data?.nonce === nonce) resolve(Date.now() - started);
        };
        client.on('message', onMessage);
        timer = setTimeout(() => reject(new Error(`published, but it did not come back within ${timeoutMs} ms (the broker's ACL may refuse subscribing to the node's own topic)`)), timeoutMs);
      });
      try {
        const probe = this.event('selftest.probe', 'debug', 'self-test: broker round trip', { nonce });
        await client.publishAsync(topic, encodeMessage('event', probe), { qos: 1 });
        const publishMs = Date.now() - started;
        const roundTripMs = await echoed;
        return row('broker round trip', 'pass', `a QoS 1 publish was acknowledged in ${publishMs} ms and came back in ${roundTripMs} ms`, { publishMs, roundTripMs });
      } finally {
        clearTimeout(timer);
        if (onMessage) client.off('message', onMessage);
        await client.unsubscribeAsync(topic).catch(() => undefined);
      }
    } catch (error) {
      return row('broker round trip', 'fail', (error as Error).message, { topic });
    }
  }

  private async clockSkew(client: MqttClient): Promise<CheckRow> {
    const topic = this.options.hostStateTopic;
    if (topic === undefined) {
      return row('broker clock', 'warn', 'no reference clock: clock skew not measured (mqtt.waitForHost names the central host state that carries one; check NTP with timedatectl)', {});
    }
    let onMessage: ((received: string, payload: Buffer, packet: { retain?: boolean }) => void) | undefined;
    const retained = new Promise<Buffer | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 2000);
      onMessage = (received, payload, packet) => {
        if (received !== topic || packet.retain !== true) return;
        clearTimeout(timer);
        resolve(payload);
      };
      client.on('message', onMessage);
    });
    try {
      await client.subscribeAsync(topic, { qos: 1 });
      const payload = await retained;
      const now = Date.now();
      if (payload === null) return row('broker clock', 'warn', `no reference clock: nothing retained on ${topic} within 2 s`, { topic });
      const hostTs = timestampOf(payload);
      if (hostTs === null) return row('broker clock', 'warn', `no reference clock: the host state on ${topic} carries no ts/timestamp`, { topic });
      const ageMs = now - hostTs;
      const tolerance = this.options.skewToleranceMs ?? 2000;
      const measured = { hostStateAgeMs: ageMs, toleranceMs: tolerance };
      // A retained timestamp is from the past: it shows a local clock running behind, never one running ahead.
      if (ageMs < -tolerance) return row('broker clock', 'fail', `the local clock is at least ${(-ageMs / 1000).toFixed(1)} s behind the central host (its retained state is stamped in our future): fix NTP`, measured);
      return row('broker clock', 'pass', `the central host's state was stamped ${(ageMs / 1000).toFixed(1)} s ago by our clock: not behind it (a retained timestamp bounds the skew from one side only)`, measured);
    } finally {
      if (onMessage) client.off('message', onMessage);
      await client.unsubscribeAsync(topic).catch(() => undefined);
    }
  }

  private eventTopic(): string {
    return buildTopic(this.options.prefix, this.options.site, this.options.node, 'event');
  }

  private event(type: string, severity: EventMessage['severity'], message: string, data: Record<string, unknown>): EventMessage {
    return { v: SCHEMA_VERSION, node: this.options.node, boot: this.options.boot, ts: Date.now(), seq: this.seq++, type, severity, message, data };
  }
}

/** The `selftest.result` event's body, the same from the command and from a running node. */
export function resultEvent(report: SelftestReport): { severity: 'info' | 'error'; message: string; data: Record<string, unknown> } {
  const failed = report.rows.filter((entry) => entry.status === 'fail').map((entry) => entry.check);
  return {
    severity: report.passed ? 'info' : 'error',
    message: report.passed ? 'self-test passed' : `self-test failed: ${failed.join(', ')}`,
    data: { passed: report.passed, startedAt: report.startedAt, durationMs: report.durationMs, rows: report.rows },
  };
}

function safeUnpack(payload: Buffer): unknown {
  try {
    return unpack(payload);
  } catch {
    return null;
  }
}

/** `ts` (NutGiao, ms) or `timestamp` (Sparkplug STATE, ms) of a JSON or MessagePack host state. */
function timestampOf(payload: Buffer): number | null {
  let value: unknown = null;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    value = safeUnpack(payload);
  }
  if (typeof value !== 'object' || value === null) return null;
  const { ts, timestamp } = value as { ts?: unknown; timestamp?: unknown };
  const found = typeof ts === 'number' ? ts : typeof timestamp === 'number' ? timestamp : null;
  return found !== null && Number.isFinite(found) ? found : null;
}
