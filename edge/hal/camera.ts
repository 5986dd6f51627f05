/**
 * Camera frame sources deliver the luma (gray) plane of each frame into buffers the source preallocates
 * once; a frame is only valid until the listener returns (copy it if you keep it). When the consumer is
 * slower than the camera the newest frame wins: older ones are dropped and counted, never queued.
 */
export interface Frame {
  /** Luma plane, width*height bytes, row-major. A view into a preallocated ring slot. */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Capture index since the source started (gaps mean dropped frames). */
  readonly index: number;
  /** Capture time on the injected clock's monotonic scale, ms. */
  readonly tsMs: number;
}

export interface FrameSourceStats {
  framesDelivered: number;
  framesDropped: number;
  restarts: number;
}

export interface FrameSource {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  start(onFrame: (frame: Frame) => void): Promise<void>;
  stop(): Promise<void>;
  stats(): FrameSourceStats;
}
