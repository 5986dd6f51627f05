import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../../../edge/hal/camera.js';
import { RealClock } from '../../../edge/hal/real-clock.js';
import { createMemoryLogger } from '../../../edge/log.js';
import { FfmpegFrameSource } from '../../../edge/hal/drivers/ffmpeg-frame-source.js';
import type { CameraState, CameraStateChange } from '../../../edge/hal/drivers/raw-frame-stream.js';
import { VirtualClock } from '../../../sim/virtual-clock.js';
import { decodeWhole, makeTempDir, makeTestVideo, waitFor, writeExecutable } from './media-fixtures.js';

const W = 64;
const H = 48;
const FRAME_BYTES = W * H;
const test = suite('FfmpegFrameSource');
const temp = makeTempDir('ffmpeg-source');
const clip = makeTestVideo(join(temp.dir, 'testsrc2.mp4'), `testsrc2=size=${W}x${H}:rate=25`, 2);
const reference = decodeWhole(clip, 'gray');

test.after(() => temp.remove());

function collectStates(source: FfmpegFrameSource): CameraStateChange[] {
  const changes: CameraStateChange[] = [];
  source.onStateChange((change) => changes.push(change));
  return changes;
}

test('a plain file: every frame, byte for byte as ffmpeg decodes it whole, then ended', async () => {
  const source = new FfmpegFrameSource({ id: 'file', input: { kind: 'file', path: clip }, width: W, height: H, fps: null, clock: new RealClock(), log: createMemoryLogger() });
  const states = collectStates(source);
  const received: Buffer[] = [];
  const indices: number[] = [];
  await source.start((frame) => {
    received.push(Buffer.from(frame.data));
    indices.push(frame.index);
  });
  const end = await source.ended();
  assert.equal(end, { state: 'ended', error: null });
  assert.is(reference.length, 50 * FRAME_BYTES);
  assert.is(received.length, 50);
  assert.equal(Buffer.concat(received), reference);
  assert.equal(indices, Array.from({ length: 50 }, (_, i) => i));
  assert.equal(states.map((s) => s.state), ['starting', 'streaming', 'ended']);
  assert.equal(source.stats(), { framesDelivered: 50, framesDropped: 0, restarts: 0 });
});

test('random chunk sizes from the process (a fake ffmpeg replaying the reference) are reassembled exactly', async () => {
  const rawPath = join(temp.dir, 'reference.gray');
  writeFileSync(rawPath, reference);
  // Writes the file in pieces of 1 byte to 2.5 frames with pauses, so the pipe cannot coalesce them all.
  const fake = writeExecutable(
    temp.dir,
    'chunky-ffmpeg',
    `#!/usr/bin/env node
const data = require('fs').readFileSync(${JSON.stringify(rawPath)});
let seed = 7, offset = 0;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
(function next() {
  if (offset >= data.length) return;
  const size = 1 + Math.floor(random() * ${Math.floor(FRAME_BYTES * 2.5)});
  process.stdout.write(data.subarray(offset, offset + size), () => setTimeout(next, 0));
  offset += size;
})();
`,
  );
  const source = new FfmpegFrameSource({ id: 'chunky', input: { kind: 'file', path: clip }, width: W, height: H, fps: null, clock: new RealClock(), log: createMemoryLogger(), ffmpegPath: fake });
  const received: Buffer[] = [];
  await source.start((frame) => received.push(Buffer.from(frame.data)));
  assert.equal(await source.ended(), { state: 'ended', error: null });
  assert.equal(Buffer.concat(received), reference);
});

test('a busy consumer: newest frame wins, drops counted, frames always from the same three buffers', async () => {
  let calls = 0;
  // Busy two deliveries out of three, as a consumer slower than the camera.
  const isConsumerBusy = () => calls++ % 3 !== 0;
  const source = new FfmpegFrameSource({ id: 'busy', input: { kind: 'file', path: clip }, width: W, height: H, fps: null, clock: new RealClock(), log: createMemoryLogger(), isConsumerBusy });
  const buffers = new Set<Uint8Array>();
  const delivered: Frame[] = [];
  await source.start((frame) => {
    buffers.add(frame.data);
    assert.equal(Buffer.from(frame.data), reference.subarray(frame.index * FRAME_BYTES, (frame.index + 1) * FRAME_BYTES), `frame ${frame.index}`);
    delivered.push({ ...frame });
  });
  await source.ended();
  const stats = source.stats();
  assert.is(stats.framesDelivered, 17);
  assert.is(stats.framesDropped, 33);
  assert.equal(delivered.map((f) => f.index), Array.from({ length: 17 }, (_, i) => i * 3));
  assert.is(buffers.size, 3);
});

test('stall watchdog on the injected clock: 2 frames then silence → killed, restarted after backoff', async () => {
  const fake = writeExecutable(temp.dir, 'stalling-ffmpeg', `#!/bin/sh\necho "stalling on purpose" >&2\nhead -c ${2 * FRAME_BYTES} /dev/urandom\nexec sleep 30\n`);
  const clock = new VirtualClock();
  const log = createMemoryLogger();
  const source = new FfmpegFrameSource({
    id: 'stall',
    input: { kind: 'rtsp', url: 'rtsp://unused' },
    width: W,
    height: H,
    fps: 10,
    clock,
    log,
    ffmpegPath: fake,
    stallTimeoutMs: 5000,
    restart: { minMs: 1000, maxMs: 30_000 },
    random: () => 0.5,
  });
  const states = collectStates(source);
  await source.start(() => undefined);
  await waitFor(() => source.stats().framesDelivered === 2, 'two frames');
  assert.is(source.state, 'streaming');
  clock.advance(4999);
  assert.is(source.state, 'streaming', 'not yet stalled');
  clock.advance(1);
  assert.is(source.state, 'stalled');
  await waitFor(() => source.state === 'restarting', 'the killed process to exit');
  assert.is(clock.nextDue()! - clock.monotonic(), 500, 'full jitter: 0.5 × min(30000, 1000 · 2^0)');
  clock.advance(500);
  assert.is(source.state, 'starting');
  await waitFor(() => source.stats().framesDelivered === 4, 'frames from the restarted process');
  assert.equal(source.stats(), { framesDelivered: 4, framesDropped: 0, restarts: 1 });
  assert.is(source.consecutiveFailures, 0, 'reset by the frame');
  assert.equal(states.map((s) => s.state), ['starting', 'streaming', 'stalled', 'restarting', 'starting', 'streaming'] as CameraState[]);
  assert.is(states[3]!.consecutiveFailures, 1);
  assert.ok(log.lines.some((line) => line.includes('camera stalled') && line.includes('stalling on purpose')), log.lines.join('\n'));
  await source.stop();
  assert.is(source.state, 'stopped');
});

test('a process ignoring SIGTERM is SIGKILLed after the grace period (on the injected clock)', async () => {
  const fake = writeExecutable(temp.dir, 'stubborn-ffmpeg', `#!/bin/sh\ntrap '' TERM\nhead -c ${FRAME_BYTES} /dev/zero\nwhile :; do sleep 0.05; done\n`);
  const clock = new VirtualClock();
  const source = new FfmpegFrameSource({ id: 'stubborn', input: { kind: 'v4l2', device: '/dev/null' }, width: W, height: H, fps: 10, clock, log: createMemoryLogger(), ffmpegPath: fake, stallTimeoutMs: 1000, killGraceMs: 2000 });
  await source.start(() => undefined);
  await waitFor(() => source.stats().framesDelivered === 1, 'one frame');
  clock.advance(1000);
  assert.is(source.state, 'stalled');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.is(source.state, 'stalled', 'still alive: SIGTERM ignored');
  clock.advance(2000);
  await waitFor(() => source.state === 'restarting', 'the SIGKILLed process to exit');
  await source.stop();
});

test('bad input exiting at once: restarted with growing backoff, consecutiveFailures counted, stderr in the log', async () => {
  const clock = new VirtualClock();
  const log = createMemoryLogger();
  const missing = join(temp.dir, 'no-such-camera.mp4');
  const source = new FfmpegFrameSource({
    id: 'bad',
    input: { kind: 'file', path: missing, loop: true },
    width: W,
    height: H,
    fps: 10,
    clock,
    log,
    restart: { minMs: 100, maxMs: 500 },
    random: () => 0.999,
  });
  const states = collectStates(source);
  await source.start(() => undefined);
  const delays: number[] = [];
  for (let failure = 1; failure <= 5; failure++) {
    await waitFor(() => source.state === 'restarting' && source.consecutiveFailures === failure, `failure ${failure}`);
    const delay = clock.nextDue()! - clock.monotonic();
    delays.push(delay);
    clock.advance(delay);
  }
  assert.equal(delays, [99, 199, 399, 499, 499], 'full jitter ceiling doubles from minMs up to maxMs');
  assert.is(source.stats().restarts, 5);
  assert.is(states.filter((s) => s.state === 'restarting').length, 5);
  assert.ok(states.every((s) => s.state !== 'streaming'));
  const restartLogs = log.lines.filter((line) => line.includes('camera process ended; restarting'));
  assert.is(restartLogs.length, 5);
  assert.ok(restartLogs.every((line) => line.includes('No such file or directory') && line.includes('exited with code 1')), restartLogs[0]);
  assert.ok(states.filter((s) => s.state === 'restarting').every((s) => s.reason?.includes('No such file or directory')), 'the reason reaches listeners');
  await source.stop();
  assert.is(clock.pending(), 0, 'no timer left after stop');
});

test('a missing ffmpeg executable is a failure like any other: reported and retried', async () => {
  const clock = new VirtualClock();
  const log = createMemoryLogger();
  const source = new FfmpegFrameSource({ id: 'noexe', input: { kind: 'v4l2', device: '/dev/video0' }, width: W, height: H, fps: 10, clock, log, ffmpegPath: join(temp.dir, 'not-installed') });
  await source.start(() => undefined);
  await waitFor(() => source.state === 'restarting', 'the spawn error');
  assert.ok(log.lines.some((line) => line.includes('ENOENT')), log.lines.join('\n'));
  await source.stop();
});

test.run();
