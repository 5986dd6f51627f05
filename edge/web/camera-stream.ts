import type { ServerResponse } from 'node:http';
import type { Clock } from '../hal/clock.js';
import type { Logger } from '../log.js';
import { evidenceJpeg } from '../vision/evidence.js';
import type { SnapshotCamera } from '../commands/handlers/snapshot.js';

/** How long a stream waits for a frame before it tries again (a stalled camera must not hang the loop). */
const FRAME_TIMEOUT_MS = 2000;
const BOUNDARY = 'nutgiao-frame';

export interface StreamSettings {
  fps: number;
  maxSide: number;
  quality: number;
}

/**
 * The live view of one camera as MJPEG (multipart/x-mixed-replace, which an <img> shows without any
 * script): one loop per camera while someone watches, each frame encoded once for all viewers, downscaled,
 * privacy masks blanked as in the snapshot command. A slow viewer misses frames rather than queueing them.
 */
export class CameraStream {
  private readonly viewers = new Set<ServerResponse>();
  private running = false;

  constructor(
    private readonly camera: SnapshotCamera,
    private readonly settings: StreamSettings,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** One JPEG of the next frame, or null if the camera delivered none in time. */
  async jpeg(): Promise<Buffer | null> {
    const frame = await this.camera.nextFrame(FRAME_TIMEOUT_MS);
    if (!frame) return null;
    const { maxSide, quality } = this.settings;
    return evidenceJpeg(frame.gray, frame.width, frame.height, { x: 0, y: 0, w: frame.width, h: frame.height }, { marginFraction: 0, maxSide, quality, privacyMasks: this.camera.privacyMasks });
  }

  watch(response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
      'cache-control': 'no-store',
      connection: 'close',
    });
    this.viewers.add(response);
    response.on('close', () => this.viewers.delete(response));
    if (!this.running) void this.loop();
  }

  /** Ends every stream (the server is stopping). */
  close(): void {
    for (const viewer of this.viewers) viewer.end();
    this.viewers.clear();
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.viewers.size > 0) {
        const started = this.clock.now();
        const jpeg = await this.jpeg();
        if (jpeg) {
          const head = Buffer.from(`--${BOUNDARY}\r\ncontent-type: image/jpeg\r\ncontent-length: ${jpeg.length}\r\n\r\n`);
          for (const viewer of this.viewers) {
            // writableNeedDrain: the viewer has not taken the last frame yet; this one is skipped for it.
            if (viewer.writableNeedDrain) continue;
            viewer.write(head);
            viewer.write(jpeg);
            viewer.write('\r\n');
          }
        }
        const wait = 1000 / this.settings.fps - (this.clock.now() - started);
        if (wait > 0) await this.clock.sleep(wait);
      }
    } catch (error) {
      this.log.warn(`camera ${this.camera.id}: live stream failed`, { error: error as Error });
      this.close();
    } finally {
      this.running = false;
    }
  }
}
