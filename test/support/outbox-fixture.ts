import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '../../edge/log.js';
import type { DroppedNotice, OutboxEvents } from '../../edge/telemetry/outbox/outbox-events.js';
import { Outbox, type OutboxOptions, type OutboxRecord } from '../../edge/telemetry/outbox/outbox.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

/** A fresh temporary folder for one test's log; remove() deletes it. */
export async function outboxTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'nutgiao-outbox-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Small segments so a few records span several; everything else generous unless overridden. */
export function outboxOptions(dir: string, overrides: Partial<OutboxOptions> = {}): OutboxOptions {
  return {
    dir,
    segmentBytes: 4096,
    maxBytes: 1024 * 1024,
    maxAgeMs: 24 * 3_600_000,
    fsync: 'always',
    memoryMaxBytes: 64 * 1024,
    clock: new VirtualClock(),
    log: createMemoryLogger(),
    ...overrides,
  };
}

/** An outbox whose events are recorded, opened. */
export async function openOutbox(options: OutboxOptions): Promise<{ outbox: Outbox; events: RecordedEvents; report: Awaited<ReturnType<Outbox['open']>> }> {
  const outbox = new Outbox(options);
  const events = recordEvents(outbox);
  const report = await outbox.open();
  return { outbox, events, report };
}

export interface RecordedEvents {
  dropped: DroppedNotice[];
  corrupt: OutboxEvents['corrupt'][];
  degraded: OutboxEvents['degraded'][];
  restored: OutboxEvents['restored'][];
}

export function recordEvents(outbox: Outbox): RecordedEvents {
  const events: RecordedEvents = { dropped: [], corrupt: [], degraded: [], restored: [] };
  outbox.on('dropped', (notice) => events.dropped.push(notice));
  outbox.on('corrupt', (notice) => events.corrupt.push(notice));
  outbox.on('degraded', (notice) => events.degraded.push(notice));
  outbox.on('restored', (notice) => events.restored.push(notice));
  return events;
}

/** A payload that says which record it belongs to, of a chosen size. */
export function payloadFor(boot: number, seq: number, bytes = 100): Buffer {
  const text = `boot ${boot} seq ${seq} `;
  return Buffer.from(text.repeat(Math.ceil(bytes / text.length)).slice(0, bytes));
}

export async function collect(records: AsyncIterable<OutboxRecord>): Promise<OutboxRecord[]> {
  const all: OutboxRecord[] = [];
  for await (const record of records) all.push(record);
  return all;
}

export const seqsOf = (records: readonly OutboxRecord[]): number[] => records.map((record) => record.seq);

export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();
}

/** Waits (real time, polling) until predicate holds: for file I/O that virtual time does not drive. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
