import type { Frame, FrameSource, FrameSourceStats } from '../camera.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../../log.js';
import { buildFfmpegArgs, isLiveInput, type FfmpegInput } from './ffmpeg-args.js';
import {
  DEFAULT_STALL_TIMEOUT_MS,
  RawFrameStream,
  type CameraState,
  type CameraStateListener,
  type RestartBackoff,
  type StreamEnd,
} from './raw-frame-stream.js';

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
export class FfmpegFrameSource implements FrameSource {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  /** The requested rate; 0 when fps is null (the input's own rate, unknown before it starts). */
  readonly fps: number;
  private readonly stream: RawFrameStream;

  constructor(options: FfmpegFrameSourceOptions) {
    if (options.fps !== null && !(options.fps > 0)) throw new RangeError(`FfmpegFrameSource ${options.id}: fps must be > 0 or null`);
    this.id = options.id;
    this.width = options.width;
    this.height = options.height;
    this.fps = options.fps ?? 0;
    const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    this.stream = new RawFrameStream({
      id: options.id,
      width: options.width,
      height: options.height,
      frameBytes: options.width * options.height,
      keepOffset: 0,
      command: options.ffmpegPath ?? 'ffmpeg',
      args: buildFfmpegArgs(options.input, { width: options.width, height: options.height, fps: options.fps, socketTimeoutMs: stallTimeoutMs }),
      live: isLiveInput(options.input),
      clock: options.clock,
      log: options.log,
      stallTimeoutMs,
      isConsumerBusy: options.isConsumerBusy,
      restart: options.restart,
      killGraceMs: options.killGraceMs,
      random: options.random,
    });
  }

  start(onFrame: (frame: Frame) => void): Promise<void> {
    return this.stream.start(onFrame);
  }

  stop(): Promise<void> {
    return this.stream.stop();
  }

  stats(): FrameSourceStats {
    return this.stream.stats();
  }

  get state(): CameraState | null {
    return this.stream.state;
  }

  /** Restarts since the last frame. */
  get consecutiveFailures(): number {
    return this.stream.consecutiveFailures;
  }

  onStateChange(listener: CameraStateListener): () => void {
    return this.stream.onStateChange(listener);
  }

  /** Settles when a plain file has been played to its end (or failed), or on stop(). */
  ended(): Promise<StreamEnd> {
    return this.stream.ended();
  }
}
