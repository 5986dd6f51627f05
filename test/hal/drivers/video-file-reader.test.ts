import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeVideo, probeVideo, VideoDecodeError, VideoInputError } from '../../../edge/hal/drivers/video-file-reader.js';
import { decodeWhole, makeTempDir, makeTestVideo, REAL_CLIP, sha256, writeExecutable } from './media-fixtures.js';

const test = suite('video file reader');
const temp = makeTempDir('video-reader');
const clip = makeTestVideo(join(temp.dir, 'testsrc2.mp4'), 'testsrc2=size=64x48:rate=25', 2);

test.after(() => temp.remove());

async function hashOfDecode(path: string): Promise<{ frames: number; hash: string }> {
  const hash = createHash('sha256');
  const { frames } = await decodeVideo(path, {}, (frame) => void hash.update(frame.data));
  return { frames, hash: hash.digest('hex') };
}

test('probeVideo reads size, rate, declared frames and codec of the real clip', async () => {
  const info = await probeVideo(REAL_CLIP);
  assert.is(info.width, 320);
  assert.is(info.height, 240);
  assert.ok(Math.abs(info.fps - 60) < 0.01, `fps ${info.fps}`);
  assert.is(info.codec, 'mpeg4');
  assert.is(info.frames, 1700, 'the container declares one more frame than decodes');
});

test('probeVideo: a missing file names the path and the fix', async () => {
  const missing = join(temp.dir, 'nope.mp4');
  const error = await probeVideo(missing).catch((e: unknown) => e);
  assert.instance(error, VideoInputError);
  assert.match((error as Error).message, `video file not found: ${missing}`);
  assert.match((error as Error).message, /check the path/);
});

test('probeVideo: a text file or a directory is not a video, said plainly', async () => {
  const text = join(temp.dir, 'notes.txt');
  writeFileSync(text, 'counting notes, not a video\n');
  const error = await probeVideo(text).catch((e: unknown) => e);
  assert.instance(error, VideoInputError);
  assert.match((error as Error).message, /notes\.txt is not a video file ffprobe can read \(.*Invalid data found when processing input\)/);
  const dirError = await probeVideo(temp.dir).catch((e: unknown) => e);
  assert.match((dirError as Error).message, /is not a file/);
});

test('probeVideo: an audio-only file has no video stream', async () => {
  const audio = join(temp.dir, 'tone.wav');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine', '-t', '0.2', audio]);
  const error = await probeVideo(audio).catch((e: unknown) => e);
  assert.instance(error, VideoInputError);
  assert.match((error as Error).message, /has no video stream/);
});

test('decodeVideo: every frame of a generated clip, identical to ffmpeg decoding it whole', async () => {
  const reference = decodeWhole(clip, 'gray');
  const chunks: Buffer[] = [];
  const result = await decodeVideo(clip, {}, (frame) => {
    assert.is(frame.tsMs, frame.index * 40);
    chunks.push(Buffer.from(frame.data));
  });
  assert.is(result.frames, 50);
  assert.equal(Buffer.concat(chunks), reference);
});

test('decodeVideo: the real clip gives exactly 1699 frames of 320×240, the same bytes on every read', async () => {
  const first = await hashOfDecode(REAL_CLIP);
  const second = await hashOfDecode(REAL_CLIP);
  assert.is(first.frames, 1699);
  assert.is(second.hash, first.hash);
  assert.is(first.hash, sha256(decodeWhole(REAL_CLIP, 'gray')));
});

test('decodeVideo waits for an async consumer: each frame stays intact until its promise settles', async () => {
  const reference = decodeWhole(clip, 'gray', 'scale=32:24:flags=area');
  let inside = 0;
  let maxInside = 0;
  const result = await decodeVideo(clip, { width: 32, height: 24 }, async (frame) => {
    maxInside = Math.max(maxInside, ++inside);
    await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(Buffer.from(frame.data), reference.subarray(frame.index * 768, (frame.index + 1) * 768), `frame ${frame.index}`);
    inside--;
  });
  assert.is(result.frames, 50);
  assert.is(maxInside, 1, 'one frame at a time');
});

test('decodeVideo: a consumer error stops the decode and is passed on', async () => {
  const error = await decodeVideo(clip, {}, (frame) => {
    if (frame.index === 10) throw new Error('consumer failed');
  }).catch((e: unknown) => e);
  assert.match((error as Error).message, 'consumer failed');
});

test('decodeVideo: ffmpeg failing mid-file rejects with its stderr tail', async () => {
  const failing = writeExecutable(temp.dir, 'failing-ffmpeg', `#!/bin/sh\nhead -c ${3 * 64 * 48} /dev/zero\necho "[h264 @ 0x1] corrupt slice" >&2\necho "Error while decoding stream #0:0" >&2\nexit 1\n`);
  const error = await decodeVideo(clip, { ffmpegPath: failing }, () => undefined).catch((e: unknown) => e);
  assert.instance(error, VideoDecodeError);
  assert.match((error as Error).message, /after 3 frames \(exit code 1\)/);
  assert.is((error as VideoDecodeError).stderrTail, '[h264 @ 0x1] corrupt slice\nError while decoding stream #0:0');
});

test.run();
