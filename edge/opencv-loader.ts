import { createRequire } from 'node:module';

/**
 * @u4/opencv4nodejs, the optional native OpenCV binding, loaded lazily and quietly: the OpenCV motion
 * backend (edge/vision/opencv-motion-detector.ts) and the OpenCV camera source
 * (edge/hal/drivers/opencv-capture.ts) use it. It is never in package.json: scripts/install-opencv.sh
 * installs it. It works in one thread per process (not context-aware): see the README.
 */

export const OPENCV_PACKAGE = '@u4/opencv4nodejs';
export const OPENCV_MISSING_MESSAGE = 'the OpenCV backend needs @u4/opencv4nodejs: run scripts/install-opencv.sh';

let cached: OpenCv | undefined;
let cachedError: Error | undefined;

/**
 * Loads @u4/opencv4nodejs once per process and returns its cv object. Throws
 * Error(OPENCV_MISSING_MESSAGE) when it is not installed, and the same message plus the reason when it
 * is installed but does not load (binding not built, libopencv missing); the loader's error is `cause`.
 *
 * On require the package's build helper (@u4/opencv-build) logs "Info: OpenCVBuildEnv…" to stdout,
 * which would corrupt `nutgiao count --json`. That logger has a static `Log.silence` switch, set here
 * before the package loads; as a second guard, anything written to stdout during the require goes to
 * stderr instead. `packageName` exists for tests of the missing-module path.
 */
export function loadOpenCv(packageName: string = OPENCV_PACKAGE): OpenCv {
  const useCache = packageName === OPENCV_PACKAGE;
  if (useCache && cached !== undefined) return cached;
  if (useCache && cachedError !== undefined) throw cachedError;
  try {
    const cv = requireQuietly(packageName);
    cv.setNumThreads(openCvThreads());
    if (useCache) cached = cv;
    return cv;
  } catch (error) {
    const notInstalled = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${packageName}'`);
    const wrapped = new Error(notInstalled ? OPENCV_MISSING_MESSAGE : `${OPENCV_MISSING_MESSAGE} (it is installed but failed to load: ${(error as Error).message})`, { cause: error });
    if (useCache) cachedError = wrapped;
    throw wrapped;
  }
}

/**
 * OpenCV's thread count: 1 unless OPENCV_FOR_THREADS_NUM asks for more. Vision runs on one worker
 * thread per camera by design, leaving the other cores to the main thread (MQTT, the signal
 * controller); OpenCV's own pool split each call over every core, and at the working size the
 * hand-off cost more than it saved (a 3×3 blur of 320×240: 51 µs on 2 threads, 25 µs on 1). Set
 * through the binding after it loads: Debian's OpenCV runs its loops on TBB, which ignores the
 * OPENCV_FOR_THREADS_NUM environment variable itself.
 */
export function openCvThreads(environment: NodeJS.ProcessEnv = process.env): number {
  const requested = Number(environment.OPENCV_FOR_THREADS_NUM);
  return Number.isInteger(requested) && requested >= 1 ? requested : 1;
}

/** Whether the OpenCV backend can run here (loads the module on first call). */
export function openCvAvailable(): boolean {
  try {
    loadOpenCv();
    return true;
  } catch {
    return false;
  }
}

function requireQuietly(packageName: string): OpenCv {
  const require = createRequire(import.meta.url);
  const entry = require.resolve(packageName);
  const packageRequire = createRequire(entry);
  const write = process.stdout.write;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (process.stderr.write as (...args: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  try {
    try {
      // The copy of @u4/opencv-build that the package itself requires.
      (packageRequire('@u4/opencv-build') as { Log?: { silence?: boolean } }).Log!.silence = true;
    } catch {
      // An opencv-build without Log.silence: the stdout redirect still applies.
    }
    const loaded = packageRequire(entry) as { cv?: OpenCv } & Partial<OpenCv>;
    const cv = (loaded.cv ?? loaded) as OpenCv;
    if (typeof cv.accumulateWeighted !== 'function' || typeof cv.Mat !== 'function' || typeof cv.setNumThreads !== 'function') throw new Error(`${packageName} loaded without accumulateWeighted/Mat/setNumThreads`);
    return cv;
  } finally {
    process.stdout.write = write;
  }
}

// ---- The subset of @u4/opencv4nodejs used here (its own typings need the package installed) ---------

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Mat {
  readonly rows: number;
  readonly cols: number;
  readonly type: number;
  gaussianBlur(kSize: Size, sigmaX: number, sigmaY?: number, borderType?: number): Mat;
  convertTo(type: number, alpha?: number, beta?: number): Mat;
  absdiff(other: Mat): Mat;
  threshold(thresh: number, maxVal: number, type: number): Mat;
  bitwiseAnd(other: Mat): Mat;
  countNonZero(): number;
  copyTo(dst: Mat, mask?: Mat): Mat;
  getRegion(region: Rect): Mat;
  resize(rows: number, cols: number, fx?: number, fy?: number, interpolation?: number): Mat;
  morphologyEx(kernel: Mat, morphType: number, anchor?: unknown, iterations?: number, borderType?: number): Mat;
  getData(): Buffer;
  /** True for the Mat VideoCapture.read returns at the end of a file or when the camera gave nothing. */
  readonly empty: boolean;
  readonly channels: number;
  cvtColor(code: number): Mat;
  /** Frees the pixels now (a Mat over user data only drops its header); the JS wrapper stays valid but empty. */
  release(): void;
}

/** A camera, video file or stream URL opened by OpenCV's videoio (V4L2, GStreamer or FFmpeg underneath). */
export interface VideoCapture {
  readAsync(): Promise<Mat>;
  set(property: number, value: number): boolean;
  get(property: number): number;
  release(): void;
}

export interface OpenCv {
  VideoCapture: new (source: number | string) => VideoCapture;
  readonly CAP_PROP_FRAME_WIDTH: number;
  readonly CAP_PROP_FRAME_HEIGHT: number;
  readonly CAP_PROP_FPS: number;
  readonly CAP_PROP_POS_MSEC: number;
  readonly COLOR_BGR2GRAY: number;
  /** A Mat over `data`, no copy. */
  Mat: new (rows: number, cols: number, type: number, data: ArrayBufferView) => Mat;
  Size: new (width: number, height: number) => Size;
  Rect: new (x: number, y: number, width: number, height: number) => Rect;
  accumulateWeighted(src: Mat, dst: Mat, alpha: number, mask?: Mat): void;
  /** The size of OpenCV's thread pool for its parallel loops (process-wide). */
  setNumThreads(threads: number): void;
  getNumThreads(): number;
  getStructuringElement(shape: number, kernelSize: Size): Mat;
  version: { major: number; minor: number; revision: number };
  readonly CV_8U: number;
  readonly CV_32F: number;
  readonly CV_8UC1: number;
  readonly CV_32FC1: number;
  readonly BORDER_REPLICATE: number;
  readonly THRESH_BINARY: number;
  readonly THRESH_BINARY_INV: number;
  readonly INTER_NEAREST: number;
  readonly INTER_AREA: number;
  readonly MORPH_RECT: number;
  readonly MORPH_OPEN: number;
}
