import type { Clock } from '../clock.js';
import type { Logger } from '../../log.js';
import { childProcessArgs } from '../../spawn-worker.js';
import { ChildProcessFrameSource } from './child-process-frame-source.js';
import { RawFrameStream, grayPlanes, supervisionOf, type RestartBackoff } from './raw-frame-stream.js';
import type { CaptureSpec } from './opencv-capture.js';

export interface OpenCvFrameSourceOptions {
  id: string;
  /** A camera index (0 = /dev/video0), a device path, a stream URL (rtsp://, http://) or a video file. */
  source: number | string;
  width: number;
  height: number;
  /** Delivered rate (frames over it dropped by capture time); null: every frame. */
  fps: number | null;
  clock: Clock;
  log: Logger;
  /** A live source is restarted when it ends or stalls; false: a file played once (tests, validation). Default true. */
  live?: boolean;
  isConsumerBusy?: () => boolean;
  restart?: RestartBackoff;
  stallTimeoutMs?: number;
  killGraceMs?: number;
  random?: () => number;
}

/** A file (not a device, not a URL) is played at the pace of its timestamps, as a camera would deliver it. */
export function isVideoFile(source: number | string): boolean {
  return typeof source === 'string' && !source.startsWith('/dev/') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}

/**
 * A camera read through OpenCV's VideoCapture (@u4/opencv4nodejs, installed by scripts/install-opencv.sh):
 * for cameras and streams OpenCV opens where ffmpeg does not (GStreamer pipelines, vendor backends). The
 * capture runs in a child process (opencv-capture.ts) that writes gray frames at the configured size to
 * its stdout, so supervision, the frame ring and newest-wins dropping are the ffmpeg source's
 * (RawFrameStream), and OpenCV, which works in one thread per process, stays out of the node's.
 */
export class OpenCvFrameSource extends ChildProcessFrameSource {
  constructor(options: OpenCvFrameSourceOptions) {
    if (options.fps !== null && !(options.fps > 0)) throw new RangeError(`OpenCvFrameSource ${options.id}: fps must be > 0 or null`);
    const live = options.live ?? true;
    const spec: CaptureSpec = { source: options.source, width: options.width, height: options.height, fps: options.fps, realtime: live && isVideoFile(options.source) };
    const stream = new RawFrameStream({
      ...grayPlanes(options),
      command: process.execPath,
      args: childProcessArgs(new URL('./opencv-capture.ts', import.meta.url), spec),
      live,
      ...supervisionOf(options),
    });
    super(options.id, options.width, options.height, options.fps ?? 0, stream);
  }
}
