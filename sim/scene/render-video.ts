import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { ApproachScene } from './approach-scene.js';
import type { CountLine, LineCounts, SceneOptions, SceneTruth, SceneZone } from './scene-types.js';

export interface RenderVideoOptions {
  seed: number;
  seconds: number;
  /** The .mp4 to write (H.264, yuv420p). */
  out: string;
  /** Where to write the truth JSON; omitted = not written. */
  truthOut?: string;
  width?: number;
  height?: number;
  fps?: number;
  /** Everything else about the scene; seed, size and fps above take precedence. */
  sceneOptions?: Partial<SceneOptions>;
  /** The ffmpeg binary. Default 'ffmpeg' on the PATH. */
  ffmpegPath?: string;
}

/** The truth file: what a benchmark needs to score a pipeline on the video. */
export interface RenderedTruth {
  seed: number;
  width: number;
  height: number;
  fps: number;
  frames: number;
  countLines: readonly CountLine[];
  zones: readonly SceneZone[];
  truth: SceneTruth;
  counts: LineCounts;
}

/** How much of ffmpeg's stderr to keep for the error message. */
const STDERR_TAIL = 4000;

/**
 * Renders a scene to an H.264 file through ffmpeg (raw gray frames on stdin, waiting for 'drain' when
 * the pipe is full) and writes its truth. Rejects with ffmpeg's stderr when ffmpeg fails.
 */
export async function renderVideo(options: RenderVideoOptions): Promise<RenderedTruth> {
  if (!(options.seconds > 0)) throw new RangeError('renderVideo: seconds must be > 0');
  const scene = new ApproachScene({
    ...options.sceneOptions,
    seed: options.seed,
    width: options.width ?? options.sceneOptions?.width ?? 320,
    height: options.height ?? options.sceneOptions?.height ?? 240,
    fps: options.fps ?? options.sceneOptions?.fps ?? 15,
    durationSeconds: options.sceneOptions?.durationSeconds ?? options.seconds,
  });
  const frames = Math.round(options.seconds * scene.fps);
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${scene.width}x${scene.height}`, '-r', String(scene.fps), '-i', 'pipe:0'];
  args.push('-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', options.out);
  const ffmpeg = spawn(options.ffmpegPath ?? 'ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  ffmpeg.stderr.setEncoding('utf8');
  ffmpeg.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    ffmpeg.once('error', reject);
    ffmpeg.once('close', (code) => resolve(code));
  });
  // A broken pipe shows as an 'error' on stdin; the exit code and stderr tell the real story.
  let pipeBroken = false;
  ffmpeg.stdin.on('error', () => {
    pipeBroken = true;
  });

  try {
    for (let i = 0; i < frames && !pipeBroken; i++) {
      // A fresh buffer per frame: stdin may still hold the previous one until it is flushed.
      const frame = Buffer.allocUnsafe(scene.width * scene.height);
      scene.renderFrame(i, frame);
      if (!ffmpeg.stdin.write(frame)) await drainedOrExited(ffmpeg.stdin, exited);
    }
    ffmpeg.stdin.end();
  } catch (error) {
    ffmpeg.kill();
    throw error;
  }
  let code: number | null;
  try {
    code = await exited;
  } catch (error) {
    throw new Error(`renderVideo: cannot run ffmpeg: ${(error as Error).message}`);
  }
  if (code !== 0 || pipeBroken) throw new Error(`renderVideo: ffmpeg exited with ${code}: ${stderr.trim()}`);

  const result: RenderedTruth = {
    seed: options.seed,
    width: scene.width,
    height: scene.height,
    fps: scene.fps,
    frames,
    countLines: scene.countLines,
    zones: scene.zones,
    truth: scene.truth(),
    counts: scene.counts(),
  };
  if (options.truthOut !== undefined) await writeFile(options.truthOut, `${JSON.stringify(result, null, 1)}\n`);
  return result;
}

/** Backpressure: waits until stdin wants more, or until ffmpeg is gone (then the exit code tells why). */
function drainedOrExited(stdin: NodeJS.WritableStream, exited: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stdin.removeListener('drain', done);
      resolve();
    };
    stdin.once('drain', done);
    exited.then(done, done);
  });
}
