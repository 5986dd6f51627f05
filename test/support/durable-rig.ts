import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../edge/hal/clock.js';
import { RealClock } from '../../edge/hal/real-clock.js';
import { createMemoryLogger } from '../../edge/log.js';
import { DurableTelemetry } from '../../edge/telemetry/durable-telemetry.js';
import { HostState, type HostStateOptions } from '../../edge/telemetry/host-state.js';
import { MqttSession } from '../../edge/telemetry/mqtt-session.js';
import type { OutboxOptions } from '../../edge/telemetry/outbox/outbox.js';
import type { ReplayBudget } from '../../edge/telemetry/outbox/replay-pacer.js';
import { TelemetryPublisher } from '../../edge/telemetry/publisher.js';

/** The node's telemetry side as node.ts builds it (session, outbox in a temporary folder, publisher), in-process. */
export interface DurableRig {
  session: MqttSession;
  durable: DurableTelemetry;
  publisher: TelemetryPublisher;
  close(): Promise<void>;
}

export async function openDurableRig(options: {
  url: string;
  node: string;
  boot?: number;
  outbox?: Partial<Omit<OutboxOptions, 'clock' | 'log' | 'dir'>>;
  replay?: ReplayBudget;
  dir?: string;
  waitForHost?: HostStateOptions;
  /** Default: real time. A VirtualClock paces the replay on the test's command. */
  clock?: Clock;
}): Promise<DurableRig & { dir: string }> {
  const clock = options.clock ?? new RealClock();
  const log = createMemoryLogger();
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'nutgiao-durable-')));
  const session = new MqttSession({
    url: options.url,
    clientId: `durable-rig-${options.node}`,
    keepaliveS: 5,
    connectTimeoutS: 5,
    protocol: 'auto',
    reconnect: { minMs: 100, maxMs: 500 },
    clock,
    log,
  });
  const boot = options.boot ?? 0;
  const host = options.waitForHost ? new HostState(options.waitForHost, session, clock, log) : undefined;
  const { durable } = await DurableTelemetry.open({
    ...(host ? { host } : {}),
    session,
    outbox: { dir, segmentBytes: 64 * 1024, maxBytes: 4 * 1024 * 1024, maxAgeMs: 3_600_000, fsync: 'always', memoryMaxBytes: 64 * 1024, ...options.outbox },
    replay: options.replay ?? { messagesPerS: 1000 },
    boot,
    clock,
    log,
  });
  const publisher = new TelemetryPublisher(session, { prefix: 'nutgiao/v1', site: 'test', node: options.node, boot }, clock, log, durable);
  durable.publishNoticesWith(publisher);
  return {
    dir,
    session,
    durable,
    publisher,
    async close() {
      await durable.drain(2000);
      await session.stop();
      await durable.close();
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}
