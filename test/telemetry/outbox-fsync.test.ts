import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Durability } from '../../edge/telemetry/outbox/outbox.js';
import { VirtualClock } from '../../sim/virtual-clock.js';
import { FaultyOutboxFs } from '../support/outbox-faulty-fs.js';
import { collect, openOutbox, outboxOptions, outboxTempDir, payloadFor, seqsOf, until } from '../support/outbox-fixture.js';

const test = suite('outbox fsync policies');
const cleanups: Array<() => Promise<void>> = [];

test.after.each(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const temp = await outboxTempDir();
  cleanups.push(temp.remove);
  return temp.dir;
}

const BIG_SEGMENT = { segmentBytes: 1024 * 1024, maxBytes: 4 * 1024 * 1024 };

test("'always': one fsync per append, each append resolved after its own", async () => {
  const fs = new FaultyOutboxFs();
  const { outbox } = await openOutbox(outboxOptions(await tempDir(), { fs, ...BIG_SEGMENT }));
  for (let seq = 0; seq < 25; seq++) {
    assert.is(await outbox.append({ boot: 1, seq, topic: 't', payload: payloadFor(1, seq) }), 'disk');
    assert.is(fs.syncs, seq + 1);
  }
  assert.is(fs.dirSyncs, 1, 'the folder is synced once, when the segment file is created');
  await outbox.close();
});

test('batched: appends written within one window resolve together after a single fsync', async () => {
  const fs = new FaultyOutboxFs();
  const clock = new VirtualClock();
  const { outbox } = await openOutbox(outboxOptions(await tempDir(), { fs, clock, fsync: { batchMs: 50 }, ...BIG_SEGMENT }));
  const resolved: Durability[] = [];
  const appends = Array.from({ length: 20 }, (_, seq) => outbox.append({ boot: 1, seq, topic: 't', payload: payloadFor(1, seq) }).then((where) => resolved.push(where)));
  await until(() => fs.writes === 20, 'the 20 writes');
  assert.is(fs.syncs, 0, 'no fsync before the window ends');
  assert.is(resolved.length, 0, 'no append resolves before its fsync');

  await clock.advanceAsync(50);
  await Promise.all(appends);
  assert.is(fs.syncs, 1);
  assert.equal(resolved, Array(20).fill('disk'));

  // The next window opens with the next append, not on an idle timer.
  assert.is(clock.pending(), 1, 'only the maintenance timer is left');
  const late = outbox.append({ boot: 1, seq: 20, topic: 't', payload: payloadFor(1, 20) });
  await until(() => fs.writes === 21, 'the 21st write');
  await clock.advanceAsync(50);
  assert.is(await late, 'disk');
  assert.is(fs.syncs, 2);
  await outbox.close();
});

test('batched: an fsync that fails moves the window\'s records to memory, and they resolve as such', async () => {
  const fs = new FaultyOutboxFs();
  const clock = new VirtualClock();
  const dir = await tempDir();
  const { outbox, events } = await openOutbox(outboxOptions(dir, { fs, clock, fsync: { batchMs: 50 }, ...BIG_SEGMENT }));
  const first = outbox.append({ boot: 1, seq: 0, topic: 't', payload: payloadFor(1, 0) });
  await until(() => fs.writes === 1, 'the first write');
  await clock.advanceAsync(50);
  assert.is(await first, 'disk');

  const window = [1, 2, 3].map((seq) => outbox.append({ boot: 1, seq, topic: 't', payload: payloadFor(1, seq) }));
  await until(() => fs.writes === 4, 'the window\'s writes');
  fs.failWith('EIO');
  await clock.advanceAsync(50);
  assert.equal(await Promise.all(window), ['memory', 'memory', 'memory']);
  assert.equal(events.degraded.map((d) => d.code), ['EIO']);
  assert.equal(seqsOf(await collect(outbox.pending())), [0, 1, 2, 3], 'nothing lost, order kept');
  assert.is(outbox.stats().mode, 'memory');
  // The disk recovers before the next retry: close still puts the memory buffer on disk.
  fs.failWith(null);
  await outbox.close();
  const reopened = await openOutbox(outboxOptions(dir, BIG_SEGMENT));
  assert.equal(seqsOf(await collect(reopened.outbox.pending())), [0, 1, 2, 3]);
  await reopened.outbox.close();
});

test('close commits an open window at once', async () => {
  const fs = new FaultyOutboxFs();
  const clock = new VirtualClock();
  const dir = await tempDir();
  const { outbox } = await openOutbox(outboxOptions(dir, { fs, clock, fsync: { batchMs: 10_000 }, ...BIG_SEGMENT }));
  const pending = [0, 1, 2].map((seq) => outbox.append({ boot: 1, seq, topic: 't', payload: payloadFor(1, seq) }));
  await until(() => fs.writes === 3, 'the writes');
  await outbox.close();
  assert.equal(await Promise.all(pending), ['disk', 'disk', 'disk']);
  const reopened = await openOutbox(outboxOptions(dir, BIG_SEGMENT));
  assert.equal(seqsOf(await collect(reopened.outbox.pending())), [0, 1, 2]);
  await reopened.outbox.close();
});

test.run();
