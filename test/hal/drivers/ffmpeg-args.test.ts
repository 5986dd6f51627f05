import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildFfmpegArgs, isLiveInput } from '../../../edge/hal/drivers/ffmpeg-args.js';

const output = { width: 320, height: 240, fps: 10, socketTimeoutMs: 5000 };
const TAIL = ['-an', '-sn', '-dn', '-vf', 'fps=10,scale=320:240:flags=area,format=gray', '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'];

test('rtsp: tcp by default, socket timeout in µs so a dead camera ends ffmpeg', () => {
  const args = buildFfmpegArgs({ kind: 'rtsp', url: 'rtsp://cam/1' }, output);
  assert.equal(args.slice(0, 4), ['-hide_banner', '-loglevel', 'error', '-nostdin']);
  assert.equal(args.slice(4, 12), ['-rtsp_transport', 'tcp', '-timeout', '5000000', '-fflags', '+genpts+discardcorrupt', '-i', 'rtsp://cam/1']);
  assert.equal(args.slice(12), TAIL);
  assert.ok(buildFfmpegArgs({ kind: 'rtsp', url: 'rtsp://cam/1', transport: 'udp' }, output).includes('udp'));
});

test('v4l2: the device format only when given', () => {
  assert.equal(buildFfmpegArgs({ kind: 'v4l2', device: '/dev/video0', inputFormat: 'mjpeg' }, output).slice(4, 10), [
    '-f',
    'video4linux2',
    '-input_format',
    'mjpeg',
    '-i',
    '/dev/video0',
  ]);
  assert.not.ok(buildFfmpegArgs({ kind: 'v4l2', device: '/dev/video0' }, output).includes('-input_format'));
});

test('file: loop and realtime flags; no fps filter when fps is null', () => {
  const args = buildFfmpegArgs({ kind: 'file', path: 'a.mp4', loop: true, realtime: true }, { ...output, fps: null });
  assert.equal(args.slice(4, 9), ['-stream_loop', '-1', '-re', '-i', 'a.mp4']);
  assert.ok(args.includes('scale=320:240:flags=area,format=gray'));
  assert.not.ok(args.some((arg) => arg.includes('fps=')));
});

test('live inputs are cameras and looping or paced files; a plain file is finite', () => {
  assert.ok(isLiveInput({ kind: 'rtsp', url: 'rtsp://x' }));
  assert.ok(isLiveInput({ kind: 'v4l2', device: '/dev/video0' }));
  assert.ok(isLiveInput({ kind: 'file', path: 'a', loop: true }));
  assert.ok(isLiveInput({ kind: 'file', path: 'a', realtime: true }));
  assert.not.ok(isLiveInput({ kind: 'file', path: 'a' }));
});

test.run();
