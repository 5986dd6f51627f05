import mqtt, { type MqttClient } from 'mqtt';
import { encodeMessage } from '../../protocol/codec.js';
import { buildTopic, DEFAULT_PREFIX } from '../../protocol/topics.js';
import type { CountsMessage, EventMessage, HealthMessage, SignalMessage, StateMessage } from '../../protocol/messages.js';

/** Valid v1 messages of one simulated node, encoded with protocol/ as the node would. */
export function countsMessage(node: string, boot: number, seq: number, extra: Partial<CountsMessage> = {}): CountsMessage {
  return { v: 1, node, boot, seq, ts: 1_700_000_000_000 + seq * 1000, camera: 'cam1', periodStart: 1_700_000_000_000 + seq * 1000, periodS: 60, lines: { L1: { lr: seq % 7, rl: 2 }, L2: { lr: 1, rl: 0 } }, ...extra };
}

export function signalMessage(node: string, boot: number, seq: number): SignalMessage {
  return { v: 1, node, boot, seq, ts: 1_700_000_000_000 + seq * 1000, mode: 'normal', groups: { G1: 'green', G2: 'red' }, phase: 'p1' };
}

export function eventMessage(node: string, boot: number, seq: number): EventMessage {
  return { v: 1, node, boot, seq, ts: 1_700_000_000_000 + seq * 1000, type: 'camera.offline', severity: 'warning', message: 'cam1 stopped', data: { camera: 'cam1', blob: new Uint8Array([1, 2, 3]) } };
}

export function healthMessage(node: string, boot: number, ts: number): HealthMessage {
  return { v: 1, node, boot, ts, uptimeS: 5, load1PerCpu: 0.1, processCpuPercent: 3, memRssBytes: 1, memHeapUsedBytes: 1, memFreeBytes: 1, memTotalBytes: 2, cpuTempC: null, diskFreeBytes: null, link: { reconnects: 0, queued: 0, dropped: 0 } };
}

export function birthMessage(node: string, site: string, boot: number): StateMessage {
  return { v: 1, node, boot, ts: 1_700_000_000_000, status: 'online', site, version: '0.1.0', configHash: 'abc123', capabilities: [], startedAt: 1_700_000_000_000, mqttProtocol: '5', healthIntervalS: 1 };
}

export class TelemetryPublisher {
  private constructor(readonly client: MqttClient) {}

  static async connect(url: string): Promise<TelemetryPublisher> {
    return new TelemetryPublisher(await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 100 }));
  }

  async publish(site: string, node: string, kind: 'state' | 'health' | 'event' | 'counts' | 'signal', message: unknown): Promise<void> {
    await this.client.publishAsync(buildTopic(DEFAULT_PREFIX, site, node, kind), encodeMessage(kind, message as never), { qos: 1 });
  }

  async publishRaw(topic: string, payload: Buffer): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

/** Polls until `check` returns true (or throws with `what` after the timeout). */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
