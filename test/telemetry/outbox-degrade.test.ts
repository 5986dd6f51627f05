import { join } from 'node:path';
import { createMemoryLogger } from '../../edge/log.js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { OutboxEvents } from '../../edge/telemetry/outbox/outbox-events.js';
import type { Outbox } from '../../edge/telemetry/outbox/outbox.js';
import { VirtualClock } from '../../sim/virtual-clock.js';
import { FaultyOutboxFs } from '../support/outbox-faulty-fs.js';
import { collect, openOutbox, outboxOptions, outboxTempDir, payloadFor, seqsOf } from '../support/outbox-fixture.js';

const test = suite('outbox on a full or read-only disk');
const cleanups: Array<() => Promise<void>> = [];

test.after.each(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const temp = await outboxTempDir();
  cleanups.push(temp.remove);
  return temp.dir;
}

const MAINTENANCE_MS = 5000;

function next<K extends keyof OutboxEvents>(outbox: Outbox, event: K): Promise<OutboxEvents[K]> {
  return new Promise((resolve) => {
    const off = outbox.on(event, (notice) => {
      off();
      resolve(notice);
    });
  });
}

test('ENOSPC mid-write: degrades to memory with an event, keeps order, goes back to disk when space returns', async () => {
  const dir = await tempDir();
  const fs = new FaultyOutboxFs();
  const clock = new VirtualClock();
  const { outbox, events } = await openOutbox(outboxOptions(dir, { fs, clock, maintenanceMs: MAINTENANCE_MS }));
  for (const seq of [0, 1, 2, 3, 4]) assert.is(await outbox.append({ boot: 1, seq, topic: 't', payload: payloadFor(1, seq) }), 'disk');

  // The disk fills up halfway through the next record.
  fs.failWith('ENOSPC', { partialWriteBytes: 20 });
  for (const seq of [5, 6, 7, 8, 9]) assert.is(await outbox.append({ boot: 1, seq, topic: 't', payload: payloadFor(1, seq) }), 'memory');
  assert.equal(events.degraded.length, 1, 'said once, not per record');
  assert.is(events.degraded[0]!.code, 'ENOSPC');
  assert.is(outbox.stats().mode, 'memory');
  assert.ok(outbox.stats().memoryBytes > 0);
  const held = await collect(outbox.pending());
  assert.equal(seqsOf(held), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(held.every((r) => r.payload.equals(payloadFor(1, r.seq))));
  assert.ok(outbox.markAcked(1, 6), 'a record held in memory can be acknowledged');
  assert.ok(outbox.markAcked(1, 1));

  // Still full at the next maintenance: stays in memory, quietly.
  await clock.advanceAsync(MAINTENANCE_MS);
  assert.is(outbox.stats().mode, 'memory');
  assert.equal(events.restored, []);

  fs.failWith(null);
  const restored = next(outbox, 'restored');
  await clock.advanceAsync(MAINTENANCE_MS);
  assert.equal(await restored, { records: 4 });
  assert.is(outbox.stats().mode, 'disk');
  assert.is(outbox.stats().memoryBytes, 0);
  assert.is(await outbox.append({ boot: 1, seq: 10, topic: 't', payload: payloadFor(1, 10) }), 'disk');
  await outbox.close();

  const reopened = await openOutbox(outboxOptions(dir));
  assert.equal(seqsOf(await collect(reopened.outbox.pending())), [0, 2, 3, 4, 5, 7, 8, 9, 10], 'memory records reached disk, acks kept');
  assert.equal(reopened.events.corrupt.map((c) => [c.bytes, c.reason]), [[20, 'cut short']], 'the half-written record is found and skipped');
  await reopened.outbox.close();
});

test('EROFS: a read-only remount degrades, the memory buffer is bounded with the loss reported', async () => {
  const dir = await tempDir();
  const fs = new FaultyOutboxFs();
  const clock = new VirtualClock();
  // About six records fit in 1 KiB of memory.
  const { outbox, events } = await openOutbox(outboxOptions(dir, { fs, clock, maintenanceMs: MAINTENANCE_MS, memoryMaxBytes: 1024 }));
  assert.is(await outbox.append({ boot: 2, seq: 0, topic: 't', payload: payloadFor(2, 0) }), 'disk');
  fs.failWith('EROFS');
  for (let seq = 1; seq <= 20; seq++) assert.is(await outbox.append({ boot: 2, seq, topic: 't', payload: payloadFor(2, seq) }), 'memory');
  assert.equal(events.degraded.map((d) => d.code), ['EROFS']);
  assert.ok(outbox.stats().memoryBytes <= 1024);
  const kept = seqsOf(await collect(outbox.pending()));
  const droppedSeqs = events.dropped.flatMap((n) => Array.from({ length: n.toSeq - n.fromSeq + 1 }, (_, i) => n.fromSeq + i));
  assert.ok(events.dropped.every((n) => n.reason === 'memory-full' && n.boot === 2));
  assert.equal([...droppedSeqs, ...kept].sort((a, b) => a - b), Array.from({ length: 21 }, (_, i) => i), 'every record kept or reported');
  assert.is(kept[0], 0, 'the record already on disk is not pushed out by the memory bound');
  assert.equal(kept.slice(1), Array.from({ length: kept.length - 1 }, (_, i) => 21 - kept.length + 1 + i), 'the newest are kept');
  assert.is(outbox.stats().dropped, droppedSeqs.length);

  // Acks cannot be written while read-only; they are not lost, they wait.
  outbox.markAcked(2, 0);
  await clock.advanceAsync(MAINTENANCE_MS);
  assert.is(outbox.stats().mode, 'memory');

  fs.failWith(null);
  const restored = next(outbox, 'restored');
  await clock.advanceAsync(MAINTENANCE_MS);
  assert.is((await restored).records, kept.length - 1);
  await outbox.close();
  const reopened = await openOutbox(outboxOptions(dir));
  assert.equal(seqsOf(await collect(reopened.outbox.pending())), kept.slice(1), 'the ack of seq 0 was written once the disk was writable');
  await reopened.outbox.close();
});

test('a folder that cannot be created at open: the outbox still opens, in memory, and says so', async () => {
  const base = await tempDir();
  const fs = new FaultyOutboxFs();
  fs.failWith('EROFS');
  const log = createMemoryLogger();
  const { outbox, events, report } = await openOutbox(outboxOptions(join(base, 'missing', 'outbox'), { fs, log }));
  assert.is(report.segments, 0);
  assert.equal(events.degraded.map((d) => d.code), ['EROFS']);
  assert.is(await outbox.append({ boot: 1, seq: 0, topic: 't', payload: payloadFor(1, 0) }), 'memory');
  assert.is(await outbox.append({ boot: 1, seq: 1, topic: 't', payload: payloadFor(1, 1) }), 'memory');
  assert.equal(seqsOf(await collect(outbox.pending())), [0, 1]);
  await outbox.close();
  assert.ok(
    log.lines.some((line) => /WARN .*closing with records held only in memory; they are lost .*boot=1 fromSeq=0 toSeq=1 count=2/.test(line)),
    'the loss at shutdown is logged with its range',
  );
});

test('ENOSPC while rolling to a new segment degrades the same way', async () => {
  const dir = await tempDir();
  const fs = new FaultyOutboxFs();
  const { outbox, events } = await openOutbox(outboxOptions(dir, { fs, segmentBytes: 4096 }));
  // 30 records of 134 bytes fill the first segment to 4020 bytes: the 31st needs a new segment file.
  for (let seq = 0; seq < 30; seq++) await outbox.append({ boot: 1, seq, topic: 't', payload: payloadFor(1, seq) });
  assert.is(outbox.stats().segments, 1);
  fs.failWith('ENOSPC');
  for (let seq = 30; seq < 33; seq++) assert.is(await outbox.append({ boot: 1, seq, topic: 't', payload: payloadFor(1, seq) }), 'memory');
  assert.equal(events.degraded.map((d) => d.code), ['ENOSPC']);
  assert.is(outbox.stats().segments, 1, 'no new segment could be created');
  const pending = await collect(outbox.pending());
  assert.equal(seqsOf(pending), Array.from({ length: 33 }, (_, i) => i));
  assert.ok(pending.every((r) => r.payload.equals(payloadFor(1, r.seq))));
  await outbox.close();
});

test.run();
