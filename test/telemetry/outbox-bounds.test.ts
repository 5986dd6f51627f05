import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Outbox } from '../../edge/telemetry/outbox/outbox.js';
import { encodeData } from '../../edge/telemetry/outbox/record-codec.js';
import { VirtualClock } from '../../sim/virtual-clock.js';
import { collect, openOutbox, outboxOptions, outboxTempDir, payloadFor, segmentFiles, seqsOf } from '../support/outbox-fixture.js';

const test = suite('outbox bounds: bytes and age');
const cleanups: Array<() => Promise<void>> = [];

test.after.each(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const temp = await outboxTempDir();
  cleanups.push(temp.remove);
  return temp.dir;
}

const SEGMENT = 4096;
const PAYLOAD = 100;
const TOPIC = 'nutgiao/v1/demo/n1/counts';
const FRAME = encodeData({ boot: 1, seq: 0, ts: 0, topic: TOPIC, payload: Buffer.alloc(PAYLOAD) }).length;
const PER_SEGMENT = Math.floor(SEGMENT / FRAME);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('full: the oldest segment is dropped whole and each drop names its boot, sequence range and count', async () => {
  const dir = await tempDir();
  const { outbox, events } = await openOutbox(outboxOptions(dir, { segmentBytes: SEGMENT, maxBytes: 3 * SEGMENT }));
  const total = 5 * PER_SEGMENT;
  for (const seq of range(0, total - 1)) {
    await outbox.append({ boot: 7, seq, topic: TOPIC, payload: payloadFor(7, seq, PAYLOAD) });
    if (seq === 4) outbox.markAcked(7, 3); // an acknowledged record inside the first dropped range
    assert.ok(outbox.stats().diskBytes <= 3 * SEGMENT, `within maxBytes after seq ${seq}`);
  }
  assert.equal(events.dropped, [
    { reason: 'full', boot: 7, fromSeq: 0, toSeq: PER_SEGMENT - 1, count: PER_SEGMENT - 1 },
    { reason: 'full', boot: 7, fromSeq: PER_SEGMENT, toSeq: 2 * PER_SEGMENT - 1, count: PER_SEGMENT },
  ]);
  const pending = seqsOf(await collect(outbox.pending()));
  assert.equal(pending, range(2 * PER_SEGMENT, total - 1), 'the newest records are kept, in order');
  assert.is(outbox.stats().dropped, 2 * PER_SEGMENT - 1);
  await outbox.close();
});

test("full across a restart: the previous boot's records go first, every record either pending or reported dropped", async () => {
  const dir = await tempDir();
  const options = () => outboxOptions(dir, { segmentBytes: SEGMENT, maxBytes: 2 * SEGMENT });
  const first = await openOutbox(options());
  for (const seq of range(0, PER_SEGMENT + 2)) await first.outbox.append({ boot: 1, seq, topic: TOPIC, payload: payloadFor(1, seq, PAYLOAD) });
  await first.outbox.close();
  // The second boot appends to a new segment; the log is full after one more segment, so the first goes.
  const second = await openOutbox(options());
  for (const seq of range(0, 2 * PER_SEGMENT)) await second.outbox.append({ boot: 2, seq, topic: TOPIC, payload: payloadFor(2, seq, PAYLOAD) });
  assert.equal(second.events.dropped[0], { reason: 'full', boot: 1, fromSeq: 0, toSeq: PER_SEGMENT - 1, count: PER_SEGMENT });
  const dropped = new Set(second.events.dropped.flatMap((n) => range(n.fromSeq, n.toSeq).map((s) => `${n.boot}:${s}`)));
  const pending = (await collect(second.outbox.pending())).map((r) => `${r.boot}:${r.seq}`);
  const everything = [...range(0, PER_SEGMENT + 2).map((s) => `1:${s}`), ...range(0, 2 * PER_SEGMENT).map((s) => `2:${s}`)];
  assert.equal(everything.filter((key) => !dropped.has(key)), pending, 'every record is either pending or reported dropped, never both');
  await second.outbox.close();
});

test('age: records older than maxAge are dropped with a notice, not replayed, and not reported again after a restart', async () => {
  const dir = await tempDir();
  const clock = new VirtualClock();
  const options = () => outboxOptions(dir, { clock, maxAgeMs: 3_600_000, maintenanceMs: 60_000, segmentBytes: SEGMENT });
  const { outbox, events } = await openOutbox(options());
  for (const seq of range(0, 11)) {
    await outbox.append({ boot: 3, seq, topic: TOPIC, payload: payloadFor(3, seq, PAYLOAD) });
    await clock.advanceAsync(10 * 60_000); // one record every 10 minutes
  }
  // Checked every minute: the record appended at k*10 min expires at the first check after k*10+60 min.
  await clock.advanceAsync(60_000);
  assert.equal(events.dropped, range(0, 6).map((seq) => ({ reason: 'expired', boot: 3, fromSeq: seq, toSeq: seq, count: 1 })));
  const age = outbox.stats().oldestPendingAgeMs!;
  assert.ok(age <= 3_600_000, `oldest pending age ${age} ms within maxAge`);
  assert.equal(seqsOf(await collect(outbox.pending())), range(7, 11));
  await outbox.close();

  const second = await openOutbox(options());
  assert.equal(second.events.dropped, [], 'expiry was persisted, so it is not reported twice');
  assert.equal(seqsOf(await collect(second.outbox.pending())), range(7, 11));
  await second.outbox.close();
});

test('age: a segment whose records all expired is deleted', async () => {
  const dir = await tempDir();
  const clock = new VirtualClock();
  const options = () => outboxOptions(dir, { clock, maxAgeMs: 3_600_000, maintenanceMs: 60_000, segmentBytes: SEGMENT });
  const { outbox } = await openOutbox(options());
  for (const seq of range(0, 2 * PER_SEGMENT)) await outbox.append({ boot: 1, seq, topic: TOPIC, payload: payloadFor(1, seq, PAYLOAD) });
  const before = await segmentFiles(dir);
  await clock.advanceAsync(2 * 3_600_000);
  await outbox.close();
  const second = await openOutbox(options());
  assert.is(second.report.pending, 0);
  const after = await segmentFiles(dir);
  assert.ok(after.length === 0, `segments ${before.join(',')} all deleted, left: ${after.join(',')}`);
  await second.outbox.close();
});

test('options out of bounds are refused with the field and the fix', () => {
  assert.throws(() => new Outbox(outboxOptions('/nowhere', { segmentBytes: 4096, maxBytes: 5000 })), /maxBytes must be an integer >= 8192 \(twice segmentBytes/);
  assert.throws(() => new Outbox(outboxOptions('/nowhere', { fsync: { batchMs: 0 } })), /fsync.batchMs must be > 0/);
});

test.run();
