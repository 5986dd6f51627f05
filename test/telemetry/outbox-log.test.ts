import { open, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HEADER_BYTES } from '../../edge/telemetry/outbox/record-codec.js';
import type { Outbox } from '../../edge/telemetry/outbox/outbox.js';
import { collect, openOutbox, outboxOptions, outboxTempDir, payloadFor, segmentFiles, seqsOf } from '../support/outbox-fixture.js';

const test = suite('outbox log: append, acknowledge, recover');
const cleanups: Array<() => Promise<void>> = [];

test.after.each(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const temp = await outboxTempDir();
  cleanups.push(temp.remove);
  return temp.dir;
}

async function appendSeqs(outbox: Outbox, boot: number, seqs: Iterable<number>, bytes = 100): Promise<void> {
  for (const seq of seqs) assert.is(await outbox.append({ boot, seq, topic: `t/${seq % 3}`, payload: payloadFor(boot, seq, bytes), ts: Date.UTC(2026, 0, 1) + seq }), 'disk');
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('round trip: what was appended comes back in order with topic, timestamp and payload', async () => {
  const dir = await tempDir();
  const { outbox, report } = await openOutbox(outboxOptions(dir));
  assert.equal(report, { segments: 0, records: 0, pending: 0, corrupt: 0, damagedBytes: 0, truncatedBytes: 0 });
  await appendSeqs(outbox, 4, range(0, 9));
  const pending = await collect(outbox.pending());
  assert.equal(seqsOf(pending), range(0, 9));
  assert.equal(pending[7], { boot: 4, seq: 7, ts: Date.UTC(2026, 0, 1) + 7, topic: 't/1', payload: payloadFor(4, 7), acked: false });
  assert.is(outbox.stats().pending, 10);
  await outbox.close();
});

test('restart recovers the pending records in order, across segments and boots', async () => {
  const dir = await tempDir();
  const first = await openOutbox(outboxOptions(dir));
  await appendSeqs(first.outbox, 1, range(0, 59));
  await first.outbox.close();
  assert.ok((await segmentFiles(dir)).length >= 2, 'the records span several 4 KiB segments');

  const second = await openOutbox(outboxOptions(dir));
  assert.is(second.report.pending, 60);
  assert.is(second.report.corrupt, 0);
  await appendSeqs(second.outbox, 2, range(0, 4));
  const pending = await collect(second.outbox.pending());
  assert.equal(pending.map((r) => `${r.boot}:${r.seq}`), [...range(0, 59).map((s) => `1:${s}`), ...range(0, 4).map((s) => `2:${s}`)]);
  assert.ok(pending.every((r) => r.payload.equals(payloadFor(r.boot, r.seq))));
  await second.outbox.close();
});

test('acknowledgements survive a restart, and fully acknowledged segments are deleted whole', async () => {
  const dir = await tempDir();
  const first = await openOutbox(outboxOptions(dir));
  await appendSeqs(first.outbox, 1, range(0, 59));
  const segmentsBefore = await segmentFiles(dir);
  for (const seq of range(0, 39)) assert.ok(first.outbox.markAcked(1, seq));
  assert.not.ok(first.outbox.markAcked(1, 5), 'a second ack of the same record changes nothing');
  assert.not.ok(first.outbox.markAcked(9, 0), 'an unknown record is not acknowledged');
  await first.outbox.close();

  const second = await openOutbox(outboxOptions(dir));
  assert.equal(seqsOf(await collect(second.outbox.pending())), range(40, 59));
  const segmentsAfter = await segmentFiles(dir);
  assert.equal(segmentsBefore.length, 2);
  assert.equal(segmentsAfter.slice(0, 1), segmentsBefore.slice(1), 'the fully acknowledged oldest segment is gone, the next one kept');
  // The records of a kept segment stay replayable after their ack.
  const kept = await collect(second.outbox.range(1, 0, 59));
  assert.ok(kept.length > 20 && kept.filter((r) => r.acked).length === kept.length - 20);

  for (const seq of range(40, 59)) second.outbox.markAcked(1, seq);
  await second.outbox.close();
  const third = await openOutbox(outboxOptions(dir));
  assert.is(third.report.pending, 0);
  assert.equal(await segmentFiles(dir), [], 'everything acknowledged: no segment left');
  await third.outbox.close();
});

test('an ack that arrives before its record was written still holds after a restart', async () => {
  const dir = await tempDir();
  const first = await openOutbox(outboxOptions(dir));
  const written = first.outbox.append({ boot: 1, seq: 0, topic: 't', payload: payloadFor(1, 0) });
  assert.ok(first.outbox.markAcked(1, 0));
  assert.is(await written, 'disk');
  await first.outbox.close();
  const second = await openOutbox(outboxOptions(dir));
  assert.is(second.report.pending, 0);
  await second.outbox.close();
});

test('acks are coalesced: a run of acks costs one small record, written without an fsync of its own', async () => {
  const dir = await tempDir();
  const { outbox } = await openOutbox(outboxOptions(dir, { segmentBytes: 1024 * 1024, maxBytes: 4 * 1024 * 1024 }));
  await appendSeqs(outbox, 1, range(0, 99));
  const before = outbox.stats().diskBytes;
  for (const seq of range(0, 99)) outbox.markAcked(1, seq);
  await outbox.close();
  const [segment] = await segmentFiles(dir);
  assert.is((await stat(join(dir, segment!))).size - before, HEADER_BYTES + 20, 'one release record for 100 acks');
});

test('range() replays one boot\'s records between two numbers while the log holds them', async () => {
  const dir = await tempDir();
  const { outbox } = await openOutbox(outboxOptions(dir));
  await appendSeqs(outbox, 1, range(0, 9));
  await appendSeqs(outbox, 2, range(0, 9));
  outbox.markAcked(2, 4);
  const replay = await collect(outbox.range(2, 3, 6));
  assert.equal(replay.map((r) => [r.boot, r.seq, r.acked]), [[2, 3, false], [2, 4, true], [2, 5, false], [2, 6, false]]);
  assert.equal(await collect(outbox.range(3, 0, 100)), []);
  await outbox.close();
});

test('a repeated sequence number and appends after close are refused', async () => {
  const dir = await tempDir();
  const { outbox } = await openOutbox(outboxOptions(dir));
  await appendSeqs(outbox, 1, [0]);
  try {
    await outbox.append({ boot: 1, seq: 0, topic: 't', payload: Buffer.from('x') });
    assert.unreachable('duplicate accepted');
  } catch (error) {
    assert.match((error as Error).message, /already holds boot 1 seq 0/);
  }
  await outbox.close();
  try {
    await outbox.append({ boot: 1, seq: 1, topic: 't', payload: Buffer.from('x') });
    assert.unreachable('append after close accepted');
  } catch (error) {
    assert.match((error as Error).message, /closed/);
  }
});

/** Where each record of the newest segment starts, from the frame lengths. */
async function frameOffsets(path: string): Promise<number[]> {
  const bytes = await readFile(path);
  const offsets: number[] = [];
  for (let at = 0; at < bytes.length; at += HEADER_BYTES + bytes.readUInt32LE(at + 4)) offsets.push(at);
  return offsets;
}

test('power cut mid-write: a torn last record is cut off with a count, the rest recovered, appends go on', async () => {
  const dir = await tempDir();
  const first = await openOutbox(outboxOptions(dir, { segmentBytes: 64 * 1024 }));
  await appendSeqs(first.outbox, 1, range(0, 9));
  await first.outbox.close();
  const [name] = await segmentFiles(dir);
  const path = join(dir, name!);
  const offsets = await frameOffsets(path);
  await truncate(path, offsets[9]! + 30);

  const second = await openOutbox(outboxOptions(dir, { segmentBytes: 64 * 1024 }));
  assert.equal(second.report.corrupt, 1);
  assert.is(second.report.truncatedBytes, 30);
  assert.equal(second.events.corrupt, [{ segment: name!, offset: offsets[9]!, bytes: 30, reason: 'cut short', atTail: true }]);
  assert.equal(seqsOf(await collect(second.outbox.pending())), range(0, 8));
  await appendSeqs(second.outbox, 2, [0, 1]);
  await second.outbox.close();

  const third = await openOutbox(outboxOptions(dir, { segmentBytes: 64 * 1024 }));
  assert.is(third.report.corrupt, 0, 'the torn tail was cut off, so it is reported once');
  assert.equal((await collect(third.outbox.pending())).map((r) => `${r.boot}:${r.seq}`), [...range(0, 8).map((s) => `1:${s}`), '2:0', '2:1']);
  await third.outbox.close();
});

test('a flipped byte in a middle record: that record is skipped with a count, later records still recovered', async () => {
  const dir = await tempDir();
  const first = await openOutbox(outboxOptions(dir, { segmentBytes: 64 * 1024 }));
  await appendSeqs(first.outbox, 1, range(0, 9));
  await first.outbox.close();
  const [name] = await segmentFiles(dir);
  const path = join(dir, name!);
  const offsets = await frameOffsets(path);
  const file = await open(path, 'r+');
  const middle = offsets[5]! + Math.floor((offsets[6]! - offsets[5]!) / 2);
  const byte = Buffer.alloc(1);
  await file.read(byte, 0, 1, middle);
  await file.write(Buffer.from([byte[0]! ^ 0x5a]), 0, 1, middle);
  await file.close();

  const second = await openOutbox(outboxOptions(dir, { segmentBytes: 64 * 1024 }));
  assert.is(second.report.corrupt, 1);
  assert.equal(second.events.corrupt, [{ segment: name!, offset: offsets[5]!, bytes: offsets[6]! - offsets[5]!, reason: 'CRC mismatch', atTail: false }]);
  assert.equal(seqsOf(await collect(second.outbox.pending())), [0, 1, 2, 3, 4, 6, 7, 8, 9]);
  assert.is(second.outbox.stats().corrupt, 1);
  await second.outbox.close();
});

test('a damaged length field is resynchronised past, and garbage files in the folder are ignored', async () => {
  const dir = await tempDir();
  const first = await openOutbox(outboxOptions(dir, { segmentBytes: 64 * 1024 }));
  await appendSeqs(first.outbox, 1, range(0, 9));
  await first.outbox.close();
  const [name] = await segmentFiles(dir);
  const path = join(dir, name!);
  const offsets = await frameOffsets(path);
  const bytes = await readFile(path);
  bytes.writeUInt32LE(0x00ff_ffff, offsets[3]! + 4);
  await writeFile(path, bytes);
  await writeFile(join(dir, 'notes.txt'), 'not a segment');

  const second = await openOutbox(outboxOptions(dir, { segmentBytes: 64 * 1024 }));
  assert.is(second.report.corrupt, 1);
  assert.equal(seqsOf(await collect(second.outbox.pending())), [0, 1, 2, 4, 5, 6, 7, 8, 9]);
  await second.outbox.close();
});

test('a record damaged on disk after open is dropped with a notice when read, not sent as garbage', async () => {
  const dir = await tempDir();
  const { outbox, events } = await openOutbox(outboxOptions(dir, { segmentBytes: 64 * 1024 }));
  await appendSeqs(outbox, 1, range(0, 4));
  const [name] = await segmentFiles(dir);
  const path = join(dir, name!);
  const offsets = await frameOffsets(path);
  const file = await open(path, 'r+');
  await file.write(Buffer.from('XX'), 0, 2, offsets[2]! + HEADER_BYTES + 30);
  await file.close();
  assert.equal(seqsOf(await collect(outbox.pending())), [0, 1, 3, 4]);
  assert.equal(events.dropped, [{ reason: 'corrupt', boot: 1, fromSeq: 2, toSeq: 2, count: 1 }]);
  await outbox.close();
});

test('an empty segment left by a power cut right after it was created is removed at open', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, '000000000007.seg'), '');
  const { outbox, report } = await openOutbox(outboxOptions(dir));
  assert.is(report.corrupt, 0);
  await appendSeqs(outbox, 1, [0]);
  assert.equal(await segmentFiles(dir), ['000000000008.seg'], 'numbering continues after the highest found');
  await outbox.close();
});

test.run();
