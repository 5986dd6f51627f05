import type { Frame, FrameSource, FrameSourceStats } from '../camera.js';
import type { CameraState, CameraStateListener, RawFrameStream, StreamEnd } from './raw-frame-stream.js';

/**
 * What every camera fed by a child process (ffmpeg, rpicam-vid) exposes: the FrameSource interface plus
 * the capture watchdog's state, all delegated to its RawFrameStream. Subclasses only build the stream.
 */
export abstract class ChildProcessFrameSource implements FrameSource {
  protected constructor(
    readonly id: string,
    readonly width: number,
    readonly height: number,
    readonly fps: number,
    private readonly stream: RawFrameStream,
  ) {}

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
