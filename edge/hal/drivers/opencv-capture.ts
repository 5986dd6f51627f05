/**
 * The OpenCV camera source's capture process (started by OpenCvFrameSource, one per camera): opens a
 * camera index, device, stream URL or video file with OpenCV's VideoCapture and writes each frame to
 * stdout as the raw gray plane at the configured size, which RawFrameStream reassembles, supervises and
 * restarts as it does ffmpeg. A process, not a thread, because @u4/opencv4nodejs works in one thread per
 * process and a native crash here must not take the node down.
 *
 * Argument (JSON, the last on the command line): CaptureSpec. Exit codes: 0 at the end of a file, 1 when
 * a read fails, 2 when OpenCV is missing or the source cannot be opened (the reason on stderr).
 */
import { loadOpenCv, type Mat, type OpenCv } from '../../opencv-loader.js';

export interface CaptureSpec {
  /** A camera index (0 = /dev/video0), a device path, a stream URL or a video file. */
  source: number | string;
  width: number;
  height: number;
  /** Frames per second delivered (the rest dropped, by their capture time); null: every frame. */
  fps: number | null;
  /** Deliver frames at the pace of their timestamps (a file played as a camera); false: as fast as read. */
  realtime: boolean;
}

const spec = JSON.parse(process.argv[process.argv.length - 1]!) as CaptureSpec;

/** opencv4nodejs throws strings as well as Errors. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fail(code: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

// OpenCV's own warnings (which backend failed to open what) would bury the one-line reason below.
process.env.OPENCV_LOG_LEVEL ??= 'ERROR';
let cv: OpenCv;
try {
  cv = loadOpenCv();
} catch (error) {
  fail(2, (error as Error).message);
}

let capture;
try {
  capture = new cv.VideoCapture(spec.source);
} catch (error) {
  fail(2, `cannot open ${JSON.stringify(spec.source)}: ${messageOf(error)}`);
}
// Hints for a camera (it may pick the nearest mode it has); a file ignores them and is resized below.
capture.set(cv.CAP_PROP_FRAME_WIDTH, spec.width);
capture.set(cv.CAP_PROP_FRAME_HEIGHT, spec.height);
if (spec.fps !== null) capture.set(cv.CAP_PROP_FPS, spec.fps);

const intervalMs = spec.fps === null ? 0 : 1000 / spec.fps;
let nextDueMs = 0;
let firstCaptureMs = Number.NaN;
const startedMs = performance.now();
let frames = 0;

for (;;) {
  let frame: Mat;
  try {
    frame = await capture.readAsync();
  } catch (error) {
    fail(1, `reading ${JSON.stringify(spec.source)} failed: ${messageOf(error)}`);
  }
  if (frame.empty) {
    // A file has ended; a camera or stream that gives nothing has failed (the parent restarts it).
    if (frames === 0) fail(2, `cannot open ${JSON.stringify(spec.source)}: OpenCV read no frame from it`);
    capture.release();
    // Ends the loop; the process exits once stdout has been flushed (process.exit could cut a frame).
    break;
  }
  // The frame's capture time: the source's own timestamp where it has one, else now.
  const position = capture.get(cv.CAP_PROP_POS_MSEC);
  const capturedMs = position > 0 ? position : performance.now() - startedMs;
  if (Number.isNaN(firstCaptureMs)) firstCaptureMs = capturedMs;
  const sinceFirstMs = capturedMs - firstCaptureMs;
  // At most fps frames a second by capture time (as ffmpeg's fps filter), with a quarter interval of
  // slack for timestamp jitter; due times step by the interval so the rate does not drift.
  if (intervalMs > 0) {
    if (sinceFirstMs < nextDueMs - intervalMs / 4) {
      frame.release();
      continue;
    }
    nextDueMs = sinceFirstMs - nextDueMs > intervalMs ? sinceFirstMs + intervalMs : nextDueMs + intervalMs;
  }
  if (spec.realtime) {
    const waitMs = sinceFirstMs - (performance.now() - startedMs);
    if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  const gray = frame.channels === 1 ? frame : frame.cvtColor(cv.COLOR_BGR2GRAY);
  const sized = gray.rows === spec.height && gray.cols === spec.width ? gray : gray.resize(spec.height, spec.width, 0, 0, cv.INTER_AREA);
  // getData() copies the pixels into a Buffer, so the Mats can go at once; waiting for a full pipe to
  // drain keeps at most one frame queued here (the reader drops frames, newest wins, not this process).
  if (!process.stdout.write(sized.getData())) await new Promise((resolve) => process.stdout.once('drain', resolve));
  if (sized !== gray) sized.release();
  if (gray !== frame) gray.release();
  frame.release();
  frames++;
}
