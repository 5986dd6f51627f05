import type { Clock } from '../clock.js';
import type { Logger } from '../../log.js';
import { buildFfmpegArgs, isLiveInput, type FfmpegInput } from './ffmpeg-args.js';
import { ChildProcessFrameSource } from './child-process-frame-source.js';
import { DEFAULT_STALL_TIMEOUT_MS, RawFrameStream, grayPlanes, supervisionOf, type RestartBackoff } from './raw-frame-stream.js';

export interface FfmpegFrameSourceOptions {
  id: string;
  input: FfmpegInput;
  width: number;
  height: number;
  /** Delivered rate (ffmpeg's fps filter); null: every frame at the input's native rate. */
  fps: number | null;
  clock: Clock;
  log: Logger;
  isConsumerBusy?: () => boolean;
  ffmpegPath?: string;
  restart?: RestartBackoff;
  stallTimeoutMs?: number;
  killGraceMs?: number;
  random?: () => number;
}

/**
 * A camera (V4L2, RTSP) or a video file decoded by an ffmpeg child process to the gray plane at the
 * configured size. Live inputs (cameras, looping or real-time files) are supervised: restarted with
 * backoff when ffmpeg exits or stalls. A plain file plays once as fast as it decodes, then ends. Frames
 * completed while the consumer is busy are dropped (newest wins); for every frame of a file use
 * decodeVideo instead.
 */
/** fps is the requested rate; 0 when it is null (the input's own rate, unknown before it starts). */
export class FfmpegFrameSource extends ChildProcessFrameSource {
  constructor(options: FfmpegFrameSourceOptions) {
    if (options.fps !== null && !(options.fps > 0)) throw new RangeError(`FfmpegFrameSource ${options.id}: fps must be > 0 or null`);
    const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    const stream = new RawFrameStream({
      ...grayPlanes(options),
      command: options.ffmpegPath ?? 'ffmpeg',
      args: buildFfmpegArgs(options.input, { width: options.width, height: options.height, fps: options.fps, socketTimeoutMs: stallTimeoutMs }),
      live: isLiveInput(options.input),
      ...supervisionOf(options),
      stallTimeoutMs,
    });
    super(options.id, options.width, options.height, options.fps ?? 0, stream);
  }
}
