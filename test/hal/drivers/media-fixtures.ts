import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Shared by the driver tests: videos generated with ffmpeg's lavfi sources, fake executables, waiting. */

export const REAL_CLIP = '/work/shared/data/bgslibrary_video03.avi';

export function makeTempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `nutgiao-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Encodes a lavfi source (e.g. 'testsrc2=size=64x48:rate=25') for `seconds` into path (H.264, yuv420p). */
export function makeTestVideo(path: string, lavfi: string, seconds: number, extraFilters?: string): string {
  const filters = extraFilters === undefined ? [] : ['-vf', extraFilters];
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', lavfi, '-t', String(seconds), ...filters, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', path]);
  return path;
}

/** The whole file decoded by ffmpeg at once to raw frames of pix_fmt (plus optional filters), for comparison. */
export function decodeWhole(path: string, pixFmt: 'gray' | 'yuv420p', filters?: string): Buffer {
  const vf = filters === undefined ? [] : ['-vf', filters];
  return execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', path, ...vf, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1'], {
    maxBuffer: 1 << 28,
  });
}

/** Writes an executable script (shebang included in body) and returns its path. */
export function writeExecutable(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return path;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Polls predicate in real time (child processes run in real time even when the clock is virtual). */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
