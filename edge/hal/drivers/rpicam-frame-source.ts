import type { Clock } from '../clock.js';
import type { Logger } from '../../log.js';
import { ChildProcessFrameSource } from './child-process-frame-source.js';
import { RawFrameStream, supervisionOf, type RestartBackoff } from './raw-frame-stream.js';

export interface RpicamFrameSourceOptions {
  id: string;
  width: number;
  height: number;
  fps: number;
  clock: Clock;
  log: Logger;
  isConsumerBusy?: () => boolean;
  /** The rpicam-vid executable (libcamera-vid on Bullseye). Default 'rpicam-vid'. */
  command?: string;
  /** Extra options appended as given, e.g. ['--camera', '1'] or ['--shutter', '2000']. */
  extraArgs?: readonly string[];
  restart?: RestartBackoff;
  stallTimeoutMs?: number;
  killGraceMs?: number;
  random?: () => number;
}

/**
 * The rpicam-vid command line: run forever (-t 0), no preview window, raw planar YUV420 (I420) frames to
 * stdout, flushed after every frame so none sits in a stdio buffer.
 */
export function rpicamVidArgs(width: number, height: number, fps: number): string[] {
  return ['-t', '0', '-n', '--codec', 'yuv420', '--width', String(width), '--height', String(height), '--framerate', String(fps), '--flush', '-o', '-'];
}

/** rpicam-vid writes whole buffers: rows are padded to the ISP's 64-byte stride unless width is a multiple. */
const ISP_STRIDE_ALIGN = 64;

/**
 * The Raspberry Pi camera (libcamera stack) through rpicam-vid: YUV420 frames of W×H×3/2 bytes on its
 * stdout, of which only the Y plane (the first W×H bytes) is copied and delivered. Supervision, ring and
 * dropping are the ffmpeg source's (RawFrameStream); the camera is always live, so it is restarted when
 * rpicam-vid exits or stalls.
 */
export class RpicamFrameSource extends ChildProcessFrameSource {
  constructor(options: RpicamFrameSourceOptions) {
    if (options.width % ISP_STRIDE_ALIGN !== 0 || options.height % 2 !== 0) {
      throw new RangeError(
        `RpicamFrameSource ${options.id}: width must be a multiple of ${ISP_STRIDE_ALIGN} (rows would carry stride padding) and height even, got ${options.width}x${options.height}; try 640x480, 1280x720 or 1920x1080`,
      );
    }
    if (!(options.fps > 0)) throw new RangeError(`RpicamFrameSource ${options.id}: fps must be > 0`);
    const stream = new RawFrameStream({
      id: options.id,
      width: options.width,
      height: options.height,
      frameBytes: (options.width * options.height * 3) / 2,
      keepOffset: 0,
      command: options.command ?? 'rpicam-vid',
      args: [...rpicamVidArgs(options.width, options.height, options.fps), ...(options.extraArgs ?? [])],
      live: true,
      ...supervisionOf(options),
    });
    super(options.id, options.width, options.height, options.fps, stream);
  }
}
