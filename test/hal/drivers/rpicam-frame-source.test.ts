import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RealClock } from '../../../edge/hal/real-clock.js';
import { createMemoryLogger } from '../../../edge/log.js';
import { RpicamFrameSource, rpicamVidArgs } from '../../../edge/hal/drivers/rpicam-frame-source.js';
import { decodeWhole, makeTempDir, makeTestVideo, waitFor, writeExecutable } from './media-fixtures.js';

const W = 64;
const H = 48;
const test = suite('RpicamFrameSource');
const temp = makeTempDir('rpicam');
const clip = makeTestVideo(join(temp.dir, 'scene.mp4'), `testsrc2=size=${W}x${H}:rate=25`, 1);
const yuv420 = decodeWhole(clip, 'yuv420p');
/** ffmpeg's own gray plane of the same frames: extractplanes=y, no range conversion. */
const lumaReference = decodeWhole(clip, 'gray', 'extractplanes=y');
const yuvPath = join(temp.dir, 'frames.yuv');
writeFileSync(yuvPath, yuv420);
const argsLog = join(temp.dir, 'args.txt');
// A stand-in for rpicam-vid: records its arguments, writes the frames, then waits as a camera would.
const fakeRpicam = writeExecutable(temp.dir, 'rpicam-vid', `#!/bin/sh\necho "$@" > ${argsLog}\ncat ${yuvPath}\nexec sleep 30\n`);

test.after(() => temp.remove());

test('delivers the Y plane of each YUV420 frame, byte for byte as ffmpeg extracts it', async () => {
  const frames = 25;
  assert.is(yuv420.length, (frames * W * H * 3) / 2);
  const source = new RpicamFrameSource({ id: 'pi', width: W, height: H, fps: 25, clock: new RealClock(), log: createMemoryLogger(), command: fakeRpicam });
  const received: Buffer[] = [];
  await source.start((frame) => {
    assert.is(frame.data.length, W * H);
    received.push(Buffer.from(frame.data));
  });
  await waitFor(() => received.length === frames, `${frames} frames`);
  assert.equal(Buffer.concat(received), lumaReference);
  assert.is(source.state, 'streaming');
  await source.stop();
  assert.is(readFileSync(argsLog, 'utf8').trim(), rpicamVidArgs(W, H, 25).join(' '));
  assert.equal(rpicamVidArgs(640, 480, 15), ['-t', '0', '-n', '--codec', 'yuv420', '--width', '640', '--height', '480', '--framerate', '15', '--flush', '-o', '-']);
});

test('rpicam-vid exiting (camera unplugged) is restarted: the camera is always live', async () => {
  const dying = writeExecutable(temp.dir, 'rpicam-dying', `#!/bin/sh\necho "ERROR: *** no cameras available ***" >&2\nexit 255\n`);
  const log = createMemoryLogger();
  const source = new RpicamFrameSource({ id: 'pi', width: W, height: H, fps: 25, clock: new RealClock(), log, command: dying, restart: { minMs: 10, maxMs: 20 } });
  await source.start(() => undefined);
  await waitFor(() => source.stats().restarts >= 2 && source.consecutiveFailures >= 3, 'three failures');
  await source.stop();
  assert.ok(log.lines.some((line) => line.includes('no cameras available') && line.includes('exited with code 255')), log.lines.join('\n'));
});

test('refuses sizes whose rows rpicam-vid would pad to the ISP stride', () => {
  const options = { id: 'pi', height: 480, fps: 10, clock: new RealClock(), log: createMemoryLogger() };
  assert.throws(() => new RpicamFrameSource({ ...options, width: 800 }), /multiple of 64/);
});

test.run();
