import type { Point } from '../../vision/geometry.js';
import { evidenceJpeg } from '../../vision/evidence.js';
import type { CapturedFrame } from '../../vision/camera-service.js';
import { CommandFailure, type CommandHandler } from '../command-handler.js';

/** Under the protocol's 256 KiB message bound, leaving room for the envelope. */
const MAX_JPEG_BYTES = 240 * 1024;

export interface SnapshotCamera {
  id: string;
  nextFrame(timeoutMs: number): Promise<CapturedFrame | null>;
  privacyMasks: readonly (readonly Point[])[];
}

/**
 * snapshot: the next frame of a camera as a JPEG, privacy masks blanked (at full resolution and again
 * after downsizing, as evidence crops are), the longer side at most maxSide.
 */
export function snapshotHandler(cameras: () => readonly SnapshotCamera[], frameTimeoutMs = 3000): CommandHandler {
  return {
    name: 'snapshot',
    async run(args) {
      const { camera: id, maxSide = 640, quality = 75 } = args as { camera: string; maxSide?: number; quality?: number };
      const known = cameras();
      const camera = known.find((candidate) => candidate.id === id);
      if (!camera) throw new CommandFailure(`args.camera: no running camera "${id}" (running: ${known.map((candidate) => candidate.id).join(', ') || 'none'})`);
      const frame = await camera.nextFrame(frameTimeoutMs);
      if (!frame) throw new CommandFailure(`camera ${id} delivered no frame within ${frameTimeoutMs} ms`);
      const jpeg = evidenceJpeg(frame.gray, frame.width, frame.height, { x: 0, y: 0, w: frame.width, h: frame.height }, { marginFraction: 0, maxSide, quality, privacyMasks: camera.privacyMasks });
      if (jpeg.length > MAX_JPEG_BYTES) throw new CommandFailure(`the JPEG is ${jpeg.length} bytes, over the ${MAX_JPEG_BYTES} a message may carry: ask for a smaller maxSide or quality`);
      const scale = Math.min(1, maxSide / Math.max(frame.width, frame.height));
      return { camera: id, width: Math.max(1, Math.round(frame.width * scale)), height: Math.max(1, Math.round(frame.height * scale)), capturedAt: Math.round(frame.capturedAt), masksBlanked: camera.privacyMasks.length, jpeg: new Uint8Array(jpeg) };
    },
  };
}
