import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeVideo, probeVideo } from '../../edge/hal/drivers/video-file-reader.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH_DIR = join(REPO_ROOT, 'scripts/bench');
export const DATA_DIR = process.env.NUTGIAO_DATA ?? resolve(REPO_ROOT, '../shared/data');
export const CLIP = join(DATA_DIR, 'bgslibrary_video03.avi');
export const CLIP_TRUTH = join(DATA_DIR, 'bgslibrary_video03.md');
export const PYTHON = process.env.NUTGIAO_PYTHON ?? '/usr/bin/python3';
export const FFMPEG = process.env.NUTGIAO_FFMPEG ?? '/usr/bin/ffmpeg';

/** Frames of one clip decoded to gray, in memory, in decode order. */
export interface ClipFrames {
  label: string;
  width: number;
  height: number;
  fps: number;
  frames: Uint8Array[];
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** What sections share within one run: decoded clips (decoded once) and a temporary directory. */
export class BenchContext {
  private native: Promise<ClipFrames> | null = null;
  private scaled: Promise<ClipFrames> | null = null;
  private tmp: string | null = null;

  /** The real clip at its own size (320×240), decoded by the project's reader. */
  nativeClip(): Promise<ClipFrames> {
    this.native ??= (async () => {
      log(`decoding ${CLIP} into memory`);
      const frames: Uint8Array[] = [];
      const result = await decodeVideo(CLIP, {}, (frame) => {
        frames.push(frame.data.slice());
      });
      return { label: `${result.info.width}x${result.info.height}`, width: result.info.width, height: result.info.height, fps: result.info.fps, frames };
    })();
    return this.native;
  }

  /** The real clip scaled by ffmpeg `scale=640:480` (bicubic, ffmpeg's default), so the working-size downscale runs. */
  scaledClip(width = 640, height = 480): Promise<ClipFrames> {
    this.scaled ??= (async () => {
      log(`decoding ${CLIP} scaled to ${width}x${height} into memory`);
      const info = await probeVideo(CLIP);
      const frames = await decodeRaw(CLIP, width, height, ['-vf', `scale=${width}:${height}`]);
      return { label: `${width}x${height}`, width, height, fps: info.fps, frames };
    })();
    return this.scaled;
  }

  tmpDir(): string {
    this.tmp ??= mkdtempSync(join(tmpdir(), 'nutgiao-bench-'));
    return this.tmp;
  }

  /** Writes the clip's frames as one raw gray file (for child processes) and returns its path. */
  writeRaw(clip: ClipFrames): string {
    const path = join(this.tmpDir(), `clip-${clip.label}.gray`);
    const all = new Uint8Array(clip.width * clip.height * clip.frames.length);
    clip.frames.forEach((frame, i) => all.set(frame, i * clip.width * clip.height));
    writeFileSync(path, all);
    return path;
  }

  close(): void {
    if (this.tmp !== null) rmSync(this.tmp, { recursive: true, force: true });
    this.tmp = null;
  }
}

/** Decodes every frame (passthrough: none dropped or duplicated) through extra filter args into gray frames. */
export async function decodeRaw(path: string, width: number, height: number, filterArgs: string[]): Promise<Uint8Array[]> {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', path, '-an', ...filterArgs, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'];
  const child = spawn(FFMPEG, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const frameBytes = width * height;
  const frames: Uint8Array[] = [];
  let current = new Uint8Array(frameBytes);
  let filled = 0;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(frameBytes - filled, chunk.length - offset);
      current.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === frameBytes) {
        frames.push(current);
        current = new Uint8Array(frameBytes);
        filled = 0;
      }
    }
  }
  const code = await new Promise<number | null>((done) => (child.exitCode !== null ? done(child.exitCode) : child.once('close', done)));
  if (code !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed (${code}): ${stderr.trim()}`);
  return frames;
}

/** Runs a command to completion; rejects with its stderr on a non-zero exit. */
export function run(command: string, args: string[], options: { input?: Uint8Array; cwd?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: options.cwd ?? REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolvePromise({ stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
    });
    child.stdin.end(options.input ?? undefined);
  });
}
