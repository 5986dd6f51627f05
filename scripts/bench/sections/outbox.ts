import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RealClock } from '../../../edge/hal/real-clock.js';
import { createLogger } from '../../../edge/log.js';
import type { FsyncPolicy } from '../../../edge/telemetry/outbox/group-commit.js';
import { nodeOutboxFs, type OutboxFs } from '../../../edge/telemetry/outbox/outbox-fs.js';
import { Outbox } from '../../../edge/telemetry/outbox/outbox.js';
import { log, type BenchContext } from '../context.js';
import { quantile, round } from '../stats.js';

/** A counts message of the example config is ~200 bytes of MessagePack. */
const PAYLOAD_BYTES = 200;
/** The busiest node sends a few sequenced messages a second; 'always' must clear that tenfold. */
const ALWAYS_TARGET_PER_S = 50;
const BATCHED_TARGET_PER_S = 1000;

export interface AppendThroughput {
  policy: string;
  appends: number;
  inFlight: number;
  appendsPerS: number;
  /** From append() to its promise resolving (durable under the policy). */
  latencyMs: { p50: number; p99: number; max: number };
  fsyncs: number;
}

/**
 * Appends `count` records to a fresh log in `parentDir` with at most `inFlight` appends outstanding,
 * counting fsyncs through the filesystem facade. The log is deleted afterwards.
 */
export async function outboxAppendThroughput(parentDir: string, fsync: FsyncPolicy, count: number, inFlight: number): Promise<AppendThroughput> {
  const dir = mkdtempSync(join(parentDir, 'outbox-bench-'));
  let fsyncs = 0;
  const counting: OutboxFs = {
    ...nodeOutboxFs,
    async create(path) {
      const file = await nodeOutboxFs.create(path);
      return {
        write: (data, position) => file.write(data, position),
        read: (into, position) => file.read(into, position),
        close: () => file.close(),
        sync: () => {
          fsyncs++;
          return file.sync();
        },
      };
    },
  };
  const outbox = new Outbox({ dir, segmentBytes: 4 * 1024 * 1024, maxBytes: 256 * 1024 * 1024, maxAgeMs: 3_600_000, fsync, memoryMaxBytes: 16 * 1024 * 1024, clock: new RealClock(), log: createLogger('bench:outbox', () => undefined), fs: counting });
  try {
    await outbox.open();
    const payload = Buffer.alloc(PAYLOAD_BYTES, 0xa5);
    const latencies = new Float64Array(count);
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < count) {
        const seq = next++;
        const t0 = performance.now();
        const where = await outbox.append({ boot: 1, seq, topic: 'nutgiao/v1/bench/n1/counts', payload });
        if (where !== 'disk') throw new Error(`append ${seq} went to ${where}`);
        latencies[seq] = performance.now() - t0;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    const seconds = (performance.now() - started) / 1000;
    return {
      policy: fsync === 'always' ? 'always' : `batch ${fsync.batchMs} ms`,
      appends: count,
      inFlight,
      appendsPerS: round(count / seconds, 1),
      latencyMs: { p50: round(quantile(latencies, 0.5), 3), p99: round(quantile(latencies, 0.99), 3), max: round(quantile(latencies, 1), 3) },
      fsyncs,
    };
  } finally {
    await outbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RecoveryTiming {
  records: number;
  logBytes: number;
  openMs: number;
  /** Reading every pending record back, oldest first, as a replay does. */
  readAllMs: number;
  heapGrowthBytes: number;
}

/** Writes `count` records, closes the log, and times reopening it (scan, CRC, index) and reading it all back. */
export async function outboxRecoveryTiming(parentDir: string, count: number): Promise<RecoveryTiming> {
  const dir = mkdtempSync(join(parentDir, 'outbox-recovery-'));
  const options = { dir, segmentBytes: 4 * 1024 * 1024, maxBytes: 1024 * 1024 * 1024, maxAgeMs: 3_600_000, fsync: { batchMs: 20 }, memoryMaxBytes: 16 * 1024 * 1024, clock: new RealClock(), log: createLogger('bench:outbox', () => undefined) };
  try {
    const writer = new Outbox(options);
    await writer.open();
    const payload = Buffer.alloc(PAYLOAD_BYTES, 0x5a);
    const batch: Promise<unknown>[] = [];
    for (let seq = 0; seq < count; seq++) {
      batch.push(writer.append({ boot: 1, seq, topic: 'nutgiao/v1/bench/n1/counts', payload }));
      if (batch.length === 1024) await Promise.all(batch.splice(0));
    }
    await Promise.all(batch);
    const logBytes = writer.stats().diskBytes;
    await writer.close();

    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const opened = performance.now();
    const reader = new Outbox(options);
    const report = await reader.open();
    const openMs = performance.now() - opened;
    if (report.pending !== count) throw new Error(`reopened with ${report.pending} pending, expected ${count}`);
    const heapGrowthBytes = process.memoryUsage().heapUsed - heapBefore;
    const reading = performance.now();
    let read = 0;
    for await (const _ of reader.pending()) read++;
    const readAllMs = performance.now() - reading;
    if (read !== count) throw new Error(`read back ${read} records, expected ${count}`);
    await reader.close();
    return { records: count, logBytes, openMs: round(openMs, 1), readAllMs: round(readAllMs, 1), heapGrowthBytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Appends per second into the durable outbox for each fsync policy, on the filesystem of the bench's
 * temporary folder (the same disk as the state folder here; on a node, run it on the SD card).
 */
export async function outboxSection(context: BenchContext): Promise<Record<string, unknown>> {
  const parent = context.tmpDir();
  const runs: AppendThroughput[] = [];
  for (const [fsync, count, inFlight] of [
    ['always', 1000, 1],
    ['always', 2000, 32],
    [{ batchMs: 5 }, 20_000, 256],
    [{ batchMs: 50 }, 20_000, 1024],
  ] as const satisfies ReadonlyArray<readonly [FsyncPolicy, number, number]>) {
    const run = await outboxAppendThroughput(parent, fsync, count, inFlight);
    log(`outbox: ${run.policy}, ${run.inFlight} in flight: ${run.appendsPerS} appends/s, p99 ${run.latencyMs.p99} ms, ${run.fsyncs} fsyncs`);
    runs.push(run);
  }
  const recovery = await outboxRecoveryTiming(parent, 100_000);
  log(`outbox: reopening ${recovery.records} records (${recovery.logBytes} bytes) took ${recovery.openMs} ms, reading them back ${recovery.readAllMs} ms`);
  const always = Math.min(...runs.filter((run) => run.policy === 'always').map((run) => run.appendsPerS));
  const batched = Math.min(...runs.filter((run) => run.policy !== 'always').map((run) => run.appendsPerS));
  return {
    ok: always >= ALWAYS_TARGET_PER_S && batched >= BATCHED_TARGET_PER_S,
    target: `appends of ${PAYLOAD_BYTES}-byte records: >= ${ALWAYS_TARGET_PER_S}/s with an fsync per append, >= ${BATCHED_TARGET_PER_S}/s batched`,
    payloadBytes: PAYLOAD_BYTES,
    runs,
    recovery,
  };
}
