import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUpdateStreamTopic, updateStreamFilter, updateStreamTopic } from '../../protocol/topics.js';
import { describeRanges, expandRanges, missingRanges, UpdateStreamReceiver, type ChunkRefusal } from '../../edge/update/stream-receiver.js';
import { chunkBytes, describeStream } from '../../edge/update/stream-sender.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

/** The pieces of a bundle streamed over MQTT: topics, chunking, and what the receiver refuses. */
const test = suite('update stream');
let dir: string;

test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nutgiao-update-stream-'));
});

test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('chunk topics: built, matched by the node filter, parsed back; anything else is not a chunk', () => {
  const topic = updateStreamTopic('nutgiao/v1', 'demo', 'n1', 'abc123', 41);
  assert.is(topic, 'nutgiao/v1/demo/n1/update-stream/abc123/41');
  assert.is(updateStreamFilter('nutgiao/v1', 'demo', 'n1'), 'nutgiao/v1/demo/n1/update-stream/+/+');
  assert.equal(parseUpdateStreamTopic('nutgiao/v1', 'demo', 'n1', topic), { ok: true, transferId: 'abc123', index: 41 });
  for (const other of ['nutgiao/v1/demo/n2/update-stream/abc123/41', 'nutgiao/v1/demo/n1/update-stream/abc123', 'nutgiao/v1/demo/n1/update-stream/abc123/41/x', 'nutgiao/v1/demo/n1/update-stream/abc123/07', 'nutgiao/v1/demo/n1/update-stream/abc123/-1', 'nutgiao/v1/demo/n1/request/update']) {
    assert.is(parseUpdateStreamTopic('nutgiao/v1', 'demo', 'n1', other).ok, false, other);
  }
  assert.throws(() => updateStreamTopic('nutgiao/v1', 'demo', 'n1', 'a/b', 0), /transfer id "a\/b" is invalid/);
  assert.throws(() => updateStreamTopic('nutgiao/v1', 'demo', 'n1', 'abc', 1.5), /chunk index 1\.5 is invalid/);
});

test('chunking: every chunk full but the last, together the bundle', () => {
  const bundle = Buffer.from(Array.from({ length: 2500 }, (_, index) => index % 251));
  const stream = describeStream(bundle, { chunkSize: 1024, transferId: 't1' });
  assert.equal({ ...stream, sha256: stream.sha256.length }, { transferId: 't1', size: 2500, sha256: 64, chunkSize: 1024, chunks: 3 });
  const chunks = [0, 1, 2].map((index) => chunkBytes(bundle, stream, index));
  assert.equal(chunks.map((chunk) => chunk.length), [1024, 1024, 452]);
  assert.ok(Buffer.concat(chunks).equals(bundle));
});

test('missing chunks as ranges, described and expanded', () => {
  const state = Uint8Array.from([2, 0, 0, 2, 1, 2, 0]);
  const ranges = missingRanges(state);
  assert.equal(ranges, [[1, 2], [4, 4], [6, 6]]);
  assert.is(describeRanges(ranges), '1-2, 4, 6');
  assert.equal(expandRanges(ranges), [1, 2, 4, 6]);
  assert.is(describeRanges(Array.from({ length: 25 }, (_, index): [number, number] => [index * 2, index * 2])).endsWith('38, …'), true);
});

test('refused chunks: out of range, wrong length, another transfer; reported at most once a second with the count folded in', async () => {
  const clock = new VirtualClock();
  const refusals: ChunkRefusal[] = [];
  const receiver = new UpdateStreamReceiver({ dir: join(dir, 'incoming'), maxBytes: 1 << 20, chunkTimeoutMs: 5000, clock, opened: () => {}, refused: (refusal) => refusals.push(refusal) });
  const bundle = Buffer.alloc(3000, 7);
  const stream = describeStream(bundle, { chunkSize: 1024, transferId: 'live' });
  const received = receiver.receive(stream).then(
    (bytes) => bytes,
    (error: Error) => error,
  );
  while (receiver.progress() === null) await new Promise((resolve) => setTimeout(resolve, 5));
  receiver.chunk('live', 3, Buffer.alloc(10));
  clock.advance(1000);
  receiver.chunk('live', 0, Buffer.alloc(10));
  receiver.chunk('other', 0, Buffer.alloc(1024));
  receiver.chunk('other', 1, Buffer.alloc(1024));
  clock.advance(1000);
  receiver.chunk('other', 2, Buffer.alloc(1024));
  assert.equal(
    refusals.map(({ reason, alsoRefused }) => [reason, alsoRefused]),
    [
      ['chunk 3 is beyond the last one (2)', 0],
      ['chunk 0 is 10 bytes, expected 1024', 0],
      ['transfer other is not the one in progress (live)', 2],
    ],
  );
  clock.advance(5000);
  const outcome = await received;
  assert.instance(outcome, Error);
  assert.match((outcome as Error).message, /^stream live incomplete: no new chunk for 5 s \(update\.streamChunkTimeoutS\), missing chunks 0-2 of 0-2 \(3 in all\)/);
  clock.advance(1000);
  receiver.chunk('live', 0, Buffer.alloc(1024));
  assert.match(refusals.at(-1)!.reason, /^transfer live is not in progress: it stopped incomplete, a new signed update command with the same stream resumes it$/);
  assert.equal(await readdir(join(dir, 'incoming')), ['live.part'], 'kept for a resend');
});

test.run();
