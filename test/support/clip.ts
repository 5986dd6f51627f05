import { decodeVideo } from '../../edge/hal/drivers/video-file-reader.js';

/** The real traffic clip in ../shared/data, for tests that compare motion backends on real footage. */
export const CLIP_PATH = new URL('../../../shared/data/bgslibrary_video03.avi', import.meta.url).pathname;

/** The first frames of the clip, packed one after another, with each frame's interval from the previous. */
export interface ClipFrames {
  width: number;
  height: number;
  frames: number;
  data: Uint8Array;
  dtMs: number[];
}

/** Decodes the first `count` frames once (the decoder cannot stop early, so the rest are passed over). */
export async function loadClipFrames(count: number): Promise<ClipFrames> {
  let data = new Uint8Array(0);
  const dtMs: number[] = [];
  let frames = 0;
  let width = 0;
  let height = 0;
  let lastTs = 0;
  await decodeVideo(CLIP_PATH, {}, (frame) => {
    if (frames === 0) {
      width = frame.width;
      height = frame.height;
      data = new Uint8Array(width * height * count);
    }
    if (frames < count) {
      data.set(frame.data, frames * width * height);
      dtMs.push(frames === 0 ? 0 : frame.tsMs - lastTs);
      lastTs = frame.tsMs;
      frames++;
    }
  });
  return { width, height, frames, data, dtMs };
}

export function frameOf(clip: ClipFrames, index: number): Uint8Array {
  return clip.data.subarray(index * clip.width * clip.height, (index + 1) * clip.width * clip.height);
}
