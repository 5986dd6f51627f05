import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { updateHandler } from '../../edge/commands/handlers/update.js';
import { UpdateStreamReceiver, type ChunkRefusal, type StreamOpened } from '../../edge/update/stream-receiver.js';
import { chunkBytes, describeStream } from '../../edge/update/stream-sender.js';
import { VirtualClock } from '../../sim/virtual-clock.js';
import { routerFixture } from '../commands/command-fixture.js';
import { serve, smallBundle, releaseDirsPerTest, TRUSTED } from './bundle-fixture.js';

/**
 * The update command through the real router: signature rules, answer, refusal event, restart after the
 * answer; the bundle by URL, or streamed in chunks (fed here as the MQTT binding feeds them; the broker
 * path is in update-e2e.test.ts).
 */
const test = suite('update command handler');
let releases: string;
let installed: string;
let server: Awaited<ReturnType<typeof serve>>;
let good: Awaited<ReturnType<typeof smallBundle>>;

test.before(async () => {
  good = await smallBundle({ version: '2.0.0' });
  server = await serve({ '/good.ngr': (response) => response.end(good.bundle), '/cut.ngr': (response) => response.end(good.bundle.subarray(0, 2000)) });
});

test.after(async () => {
  await server?.close();
});

releaseDirsPerTest(test, 'nutgiao-update-handler-', (dirs) => ({ releases, installed } = dirs));

const CHUNK_TIMEOUT_MS = 5000;

function handler() {
  const exits: Array<[string, number]> = [];
  const refusals: string[] = [];
  const opened: StreamOpened[] = [];
  const refusedChunks: ChunkRefusal[] = [];
  const clock = new VirtualClock();
  const streams = new UpdateStreamReceiver({
    dir: join(releases, 'incoming'),
    maxBytes: 10 * 1024 * 1024,
    chunkTimeoutMs: CHUNK_TIMEOUT_MS,
    clock,
    opened: (event) => opened.push(event),
    refused: (refusal) => refusedChunks.push(refusal),
  });
  const update = updateHandler({
    settings: { keys: TRUSTED, healthyWithinS: 30, maxBundleMiB: 10, downloadTimeoutS: 5, streamChunkTimeoutS: CHUNK_TIMEOUT_MS / 1000 },
    releasesDir: releases,
    packageRoot: installed,
    version: '1.0.0',
    streams,
    stopAndExit: (reason, code) => exits.push([reason, code]),
    refused: (reason) => refusals.push(reason),
  });
  return { update, exits, refusals, streams, opened, refusedChunks, clock };
}

/** Resolves once the receiver announced its nth transfer (the node's update.stream-open). */
async function announced(opened: StreamOpened[], count: number): Promise<StreamOpened> {
  const deadline = Date.now() + 5000;
  while (opened.length < count) {
    if (Date.now() > deadline) throw new Error(`no update.stream-open #${count}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return opened[count - 1]!;
}

test('unsigned: refused by the router before anything is fetched', async () => {
  const { update, exits } = handler();
  const { send, request } = await routerFixture([update]);
  const { response } = await send(request('update', { url: server.url('/good.ngr') }));
  assert.is(response.status, 'refused');
  assert.match(response.error ?? '', /sign/i, response.error);
  assert.is(await readlink(join(releases, 'current')), installed);
  assert.equal(exits, []);
});

test('signed, good bundle: answered, then the node exits 75 into slot a', async () => {
  const { update, exits } = handler();
  const { send, signed } = await routerFixture([update]);
  const routed = await send(signed('update', { url: server.url('/good.ngr') }));
  assert.is(routed.response.status, 'ok', routed.response.error);
  assert.equal(routed.response.result, { restarting: true, exitCode: 75, version: '2.0.0', fromVersion: '1.0.0', slot: 'a', healthyWithinS: 30 });
  assert.equal(exits, [], 'not before the answer is out');
  routed.afterResponse?.();
  assert.equal(exits, [['updating to release 2.0.0', 75]]);
  assert.is(await readlink(join(releases, 'current')), 'a');
});

test('signed, truncated bundle: an error naming why, published, the old release kept, no exit', async () => {
  const { update, exits, refusals } = handler();
  const { send, signed } = await routerFixture([update]);
  const routed = await send(signed('update', { url: server.url('/cut.ngr') }));
  assert.is(routed.response.status, 'error');
  assert.match(routed.response.error ?? '', /^update refused, 1\.0\.0 keeps running: not a complete release bundle/);
  assert.is(refusals.length, 1);
  routed.afterResponse?.();
  assert.equal(exits, []);
  assert.is(await readlink(join(releases, 'current')), installed);
});

test('args.url must be http(s)', async () => {
  const { update } = handler();
  const { send, signed } = await routerFixture([update]);
  const { response } = await send(signed('update', { url: 'file:///etc/passwd' }));
  assert.is(response.status, 'error');
  assert.match(response.error ?? '', /args\.url/);
});

test('args: exactly one of url and stream', async () => {
  const { update } = handler();
  const { send, signed } = await routerFixture([update]);
  const stream = describeStream(good.bundle, { chunkSize: 1024 });
  for (const args of [{}, { url: server.url('/good.ngr'), stream }]) {
    const { response } = await send(signed('update', args));
    assert.is(response.status, 'error');
    assert.is(response.error, 'args: give exactly one of url (download) and stream (chunks over MQTT)');
  }
});

test('streamed out of order with duplicates and stray chunks: installed exactly like a download', async () => {
  const { update, exits, streams, opened, refusedChunks, clock } = handler();
  const { send, signed } = await routerFixture([update], { clock });
  streams.chunk('nobody-announced', 0, Buffer.alloc(10));
  assert.is(refusedChunks.length, 1);
  assert.match(refusedChunks[0]!.reason, /^no update command in progress announced transfer nobody-announced$/);
  const stream = describeStream(good.bundle, { chunkSize: 1024 });
  assert.ok(stream.chunks > 3, `${stream.chunks} chunks`);
  const answer = send(signed('update', { stream }));
  const open = await announced(opened, 1);
  assert.equal(open, { transferId: stream.transferId, chunks: stream.chunks, missing: [[0, stream.chunks - 1]], missingCount: stream.chunks, resumed: false });
  const order = [...Array(stream.chunks).keys()].reverse();
  for (const index of [...order, 0, 1]) streams.chunk(stream.transferId, index, chunkBytes(good.bundle, stream, index));
  clock.advance(1000);
  streams.chunk(stream.transferId, 1, Buffer.alloc(3)); // wrong length: refused, the transfer goes on
  assert.equal(refusedChunks.at(-1), { transferId: stream.transferId, index: 1, bytes: 3, reason: 'chunk 1 is 3 bytes, expected 1024', alsoRefused: 0 });
  const routed = await answer;
  assert.is(routed.response.status, 'ok', routed.response.error);
  assert.equal(routed.response.result, { restarting: true, exitCode: 75, version: '2.0.0', fromVersion: '1.0.0', slot: 'a', healthyWithinS: 30 });
  routed.afterResponse?.();
  assert.equal(exits, [['updating to release 2.0.0', 75]]);
  assert.is(await readlink(join(releases, 'current')), 'a');
});

test('a chunk never arrives: the error names it, the old release is kept; the same stream again resumes and needs only that chunk', async () => {
  const { update, exits, refusals, streams, opened, clock } = handler();
  const { send, signed } = await routerFixture([update], { clock });
  const stream = describeStream(good.bundle, { chunkSize: 1024 });
  const lost = 2;
  const first = send(signed('update', { stream }));
  await announced(opened, 1);
  for (let index = 0; index < stream.chunks; index++) if (index !== lost) streams.chunk(stream.transferId, index, chunkBytes(good.bundle, stream, index));
  while (streams.progress()!.written < stream.chunks - 1) await new Promise((resolve) => setTimeout(resolve, 5));
  clock.advance(CHUNK_TIMEOUT_MS);
  const failed = await first;
  assert.is(failed.response.status, 'error');
  assert.match(failed.response.error ?? '', new RegExp(String.raw`^update refused, 1\.0\.0 keeps running: stream ${stream.transferId} incomplete: no new chunk for 5 s \(update\.streamChunkTimeoutS\), missing chunks 2 of 0-${stream.chunks - 1} \(1 in all\)`));
  assert.is(refusals.length, 1);
  assert.is(await readlink(join(releases, 'current')), installed);

  const second = send(signed('update', { stream }));
  const resumed = await announced(opened, 2);
  assert.equal(resumed, { transferId: stream.transferId, chunks: stream.chunks, missing: [[lost, lost]], missingCount: 1, resumed: true });
  streams.chunk(stream.transferId, lost, chunkBytes(good.bundle, stream, lost));
  const routed = await second;
  assert.is(routed.response.status, 'ok', routed.response.error);
  routed.afterResponse?.();
  assert.equal(exits, [['updating to release 2.0.0', 75]]);
});

test('an altered chunk: refused on the hash before the bundle is opened; nothing installed, the partial file gone', async () => {
  const { update, exits, streams, opened } = handler();
  const { send, signed } = await routerFixture([update]);
  const stream = describeStream(good.bundle, { chunkSize: 1024 });
  const answer = send(signed('update', { stream }));
  await announced(opened, 1);
  for (let index = 0; index < stream.chunks; index++) {
    const bytes = Buffer.from(chunkBytes(good.bundle, stream, index));
    if (index === 1) bytes[7]! ^= 0x01;
    streams.chunk(stream.transferId, index, bytes);
  }
  const { response } = await answer;
  assert.is(response.status, 'error');
  assert.match(response.error ?? '', new RegExp(String.raw`^update refused, 1\.0\.0 keeps running: stream ${stream.transferId}: the bytes received hash to sha256 [0-9a-f]{64}, the update command says ${stream.sha256}`));
  assert.equal(await readdir(join(releases, 'incoming')), []);
  assert.is(await readlink(join(releases, 'current')), installed);
  assert.equal(exits, []);
});

test('a stream larger than update.maxBundleMiB, or whose chunk count does not fit its size, is refused at once', async () => {
  const { update, opened } = handler();
  const { send, signed } = await routerFixture([update]);
  const big = { transferId: 'big', size: 11 * 1024 * 1024, sha256: '0'.repeat(64), chunkSize: 65536, chunks: 176 };
  const tooBig = await send(signed('update', { stream: big }));
  assert.match(tooBig.response.error ?? '', /stream\.size: 11534336 bytes is more than update\.maxBundleMiB allows \(10485760 bytes\)$/);
  const miscounted = await send(signed('update', { stream: { ...big, size: 1000, chunks: 2 } }));
  assert.match(miscounted.response.error ?? '', /stream\.chunks: 2 does not fit 1000 bytes in chunks of 65536 \(that makes 1\)$/);
  assert.equal(opened, []);
});

test.run();
