import { execFile, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { Frame } from '../camera.js';
import { FrameReassembler } from './frame-reassembler.js';
import { StderrTail } from './stderr-tail.js';

const execFileAsync = promisify(execFile);

/** The file is missing, unreadable or not a video: a usage error, with the path and the fix in the message. */
export class VideoInputError extends Error {
  override readonly name = 'VideoInputError';
}

/** ffmpeg failed part-way through a file it had opened; stderrTail is its last words. */
export class VideoDecodeError extends Error {
  override readonly name = 'VideoDecodeError';
  constructor(
    message: string,
    readonly stderrTail: string,
  ) {
    super(stderrTail ? `${message}: ${stderrTail}` : message);
  }
}

export interface VideoInfo {
  width: number;
  height: number;
  /** Frames per second from avg_frame_rate, else r_frame_rate. */
  fps: number;
  /** The container's declared frame count, null when it has none; decodeVideo gives the exact number. */
  frames: number | null;
  codec: string;
}

export interface ProbeOptions {
  ffprobePath?: string;
}

export async function probeVideo(path: string, options: ProbeOptions = {}): Promise<VideoInfo> {
  await assertReadableFile(path);
  let stdout: string;
  try {
    const args = ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,avg_frame_rate,r_frame_rate,nb_frames', '-of', 'json', path];
    ({ stdout } = await execFileAsync(options.ffprobePath ?? 'ffprobe', args, { maxBuffer: 1 << 20 }));
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && stderr === '') {
      throw new Error(`ffprobe not found (${options.ffprobePath ?? 'ffprobe'}): install ffmpeg (apt-get install ffmpeg)`);
    }
    throw new VideoInputError(`${path} is not a video file ffprobe can read (${lastLine(stderr)}); pass a video such as .mp4, .mkv or .avi`);
  }
  const stream = (JSON.parse(stdout) as { streams?: ProbedStream[] }).streams?.[0];
  if (stream === undefined || !(Number(stream.width) > 0) || !(Number(stream.height) > 0)) {
    throw new VideoInputError(`${path} has no video stream (audio only?); pass a file with video`);
  }
  const fps = parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate);
  if (fps === null) throw new VideoInputError(`${path}: ffprobe reports no frame rate for its video stream`);
  const declared = Number(stream.nb_frames);
  return {
    width: Number(stream.width),
    height: Number(stream.height),
    fps,
    frames: Number.isInteger(declared) && declared > 0 ? declared : null,
    codec: stream.codec_name ?? 'unknown',
  };
}

interface ProbedStream {
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
}

export interface DecodeOptions {
  /** Output size; the file's own size when absent (area-scaled when different). */
  width?: number;
  height?: number;
  ffmpegPath?: string;
  ffprobePath?: string;
}

export interface DecodeResult {
  /** Every decoded frame, none dropped or duplicated. */
  frames: number;
  decodeMs: number;
  info: VideoInfo;
}

/**
 * Decodes every frame of a video file to the gray plane and calls onFrame for each, in order, waiting for
 * a returned promise before the next. Backpressure is the async iteration of ffmpeg's stdout: while
 * onFrame works nothing is read, the pipe fills and ffmpeg blocks, so memory stays at one pipe's worth.
 * Frames live in a ring of three preallocated buffers (nothing allocated per frame), valid until onFrame
 * returns (or its promise settles). tsMs is media time: index × 1000 / fps.
 */
export async function decodeVideo(path: string, options: DecodeOptions, onFrame: (frame: Frame) => void | Promise<void>): Promise<DecodeResult> {
  const started = performance.now();
  const info = await probeVideo(path, options.ffprobePath === undefined ? {} : { ffprobePath: options.ffprobePath });
  const width = options.width ?? info.width;
  const height = options.height ?? info.height;
  const scale = width === info.width && height === info.height ? [] : ['-vf', `scale=${width}:${height}:flags=area`];
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', path, '-an', '-sn', '-dn', ...scale];
  // passthrough: exactly the decoded frames; the rawvideo muxer's default sync would duplicate some.
  args.push('-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1');
  const ffmpegPath = options.ffmpegPath ?? 'ffmpeg';
  const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail = new StderrTail();
  child.stderr.on('data', (chunk: Buffer) => stderrTail.push(chunk));
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  // Observed below; this keeps a spawn error from being reported as unhandled meanwhile.
  closed.catch(() => undefined);

  const reassembler = new FrameReassembler({ frameBytes: width * height });
  const ring = Array.from({ length: reassembler.slotCount }, (_, i) => ({ data: reassembler.slot(i), width, height, index: 0, tsMs: 0 }));
  let frames = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        offset = reassembler.consume(chunk, offset);
        if (!reassembler.frameReady) continue;
        const frame = ring[reassembler.takeFrame()]!;
        frame.index = frames;
        frame.tsMs = (frames * 1000) / info.fps;
        frames++;
        const pending = onFrame(frame);
        if (pending !== undefined) await pending;
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    await closed.catch(() => undefined);
    throw error;
  }
  let code: number | null;
  let signal: NodeJS.Signals | null;
  try {
    [code, signal] = await closed;
  } catch (error) {
    throw new Error(`could not run ${ffmpegPath}: ${(error as Error).message}; install ffmpeg (apt-get install ffmpeg)`);
  }
  if (code !== 0) {
    throw new VideoDecodeError(`ffmpeg failed decoding ${path} after ${frames} frames (${signal ?? `exit code ${code}`})`, stderrTail.text());
  }
  if (reassembler.partialBytes !== 0) {
    throw new VideoDecodeError(`ffmpeg output for ${path} ended mid-frame (${reassembler.partialBytes} of ${width * height} bytes)`, stderrTail.text());
  }
  return { frames, decodeMs: performance.now() - started, info };
}

async function assertReadableFile(path: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(path)).isFile();
  } catch {
    throw new VideoInputError(`video file not found: ${path} (relative paths start at ${process.cwd()}); check the path or pass an absolute one`);
  }
  if (!isFile) throw new VideoInputError(`${path} is not a file; pass a video file, not a directory or device`);
}

function parseRate(rate: string | undefined): number | null {
  if (rate === undefined) return null;
  const [numerator, denominator = '1'] = rate.split('/');
  const value = Number(numerator) / Number(denominator);
  return Number.isFinite(value) && value > 0 ? value : null;
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines[lines.length - 1] ?? 'no error output';
}
