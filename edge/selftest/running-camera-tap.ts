import type { Frame, FrameSource, FrameSourceStats } from '../hal/camera.js';
import type { CameraService } from '../vision/camera-service.js';

/**
 * A running camera seen as a frame source for the camera check: the node holds the device, so the check
 * takes copies of the frames the camera service hands out (as the snapshot command does) instead of
 * opening it a second time. Drops are counted from the tap's start.
 */
export function runningCameraTap(service: CameraService, source: FrameSource): FrameSource {
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  let droppedAtStart = 0;
  let delivered = 0;
  return {
    id: source.id,
    width: source.width,
    height: source.height,
    fps: source.fps,
    async start(onFrame: (frame: Frame) => void) {
      running = true;
      droppedAtStart = source.stats().framesDropped;
      loop = (async () => {
        while (running) {
          const frame = await service.nextFrame(1000);
          if (!running || frame === null) continue;
          onFrame({ data: frame.gray, width: frame.width, height: frame.height, index: delivered++, tsMs: frame.capturedAt });
        }
      })();
    },
    async stop() {
      running = false;
      await loop;
    },
    stats(): FrameSourceStats {
      const stats = source.stats();
      return { framesDelivered: delivered, framesDropped: stats.framesDropped - droppedAtStart, restarts: stats.restarts };
    },
  };
}
