import { createRequire } from 'node:module';
import { MOTION_DEFAULTS, type MotionDetector, type MotionOptions } from './motion-detector.js';
import { medianBin, noiseThreshold } from './noise-threshold.js';

/**
 * TsMotionDetector's algorithm on OpenCV through @u4/opencv4nodejs, an optional native module that is
 * never in package.json: scripts/install-opencv.sh installs it (Debian libopencv-dev, then a local build
 * of the binding), so `npm install`/`npm ci` on a fresh machine never tries to build OpenCV. It is loaded
 * lazily, on the first OpenCvMotionDetector or loadOpenCv(); openCvAvailable() says whether it loads.
 *
 * Per frame: 3×3 Gaussian blur (BORDER_REPLICATE, as the TS row/column [1 2 1]), the global exposure
 * offset (median of frame − background on the same sparse grid as TS, read back through a nearest-
 * neighbour resize of a background view and computed in JS), |blur − offset − background|, a binary
 * threshold at the previous frame's noise-adaptive threshold, the noise median from calcHist over the
 * TS sample grid (every 4th pixel of every 2nd row), the float background updated with two
 * accumulateWeighted calls under complementary masks (alpha under background, the slow alpha under
 * foreground, none where freezeMask is 1), the sudden-change reset, and a 3×3 MORPH_OPEN with a zero
 * border (the image sits in a zero-padded Mat, so edge pixels erode as in the TS bit morphology, where
 * OpenCV's default border would keep them).
 *
 * Differences from TS: OpenCV's accumulateWeighted computes dst·(1−α) + src·α in f32 where TS computes
 * bg + (v − bg)·α in f64 and stores f32, so a mask pixel can flip when its difference is within float
 * rounding of the threshold; test/vision/opencv-motion-detector.test.ts measures the agreement.
 *
 * Memory: `mask`, `freezeMask`, the frame copy, the background and the read-back buffers are JS
 * ArrayBuffers allocated once, each wrapped by a Mat that shares its memory (cv::Mat over user data, no
 * copy); results land in them through copyTo, so this class allocates nothing per frame. opencv4nodejs
 * itself returns a new Mat (a JS wrapper plus native pixels, freed by GC finalizers) from every
 * operation that has no destination argument: per frame about 9 Mats (blur, convert, absdiff,
 * threshold ×2, resize, calcHist, morphologyEx, region) of which 5 are full-frame, plus the wrappers
 * that copyTo/accumulateWeighted return. That is native memory, not JS heap, but it is per frame.
 */
export class OpenCvMotionDetector implements MotionDetector {
  readonly backend = 'opencv' as const;
  readonly width: number;
  readonly height: number;
  /** 0/1 per pixel; the same object every frame (a maskMat shares its memory). */
  readonly mask: Uint8Array;
  /** 1 = do not learn; the caller writes it, freezeMat shares its memory. */
  readonly freezeMask: Uint8Array;
  private readonly cv: OpenCv;
  private readonly options: Required<MotionOptions>;
  private readonly pixels: number;
  private readonly gray: Uint8Array;
  private readonly grayMat: Mat;
  private readonly maskMat: Mat;
  private readonly freezeMat: Mat;
  /** Float background in a store padded right and below so the sample view below fits. */
  private readonly backgroundMat: Mat;
  /** The background from (1,1), 4·gridWidth × 4·gridHeight: a nearest resize by ¼ picks the TS grid. */
  private readonly gridView: Mat;
  private readonly gridWidth: number;
  private readonly gridHeight: number;
  private readonly gridSample: Float32Array;
  private readonly gridSampleMat: Mat;
  private readonly signedHistogram: Uint32Array;
  /** 1 at the noise samples of TsMotionDetector: x % 4 == 0 on even rows. */
  private readonly noiseSampleMask: Mat;
  private readonly noiseAxes: HistAxes[];
  /** calcHist's result, which opencv4nodejs converts to f64. */
  private readonly noiseHistogram: Float64Array;
  private readonly noiseHistogramMat: Mat;
  /** The foreground in a one-pixel zero frame, for the opening; paddedInner is the image part. */
  private readonly padded: Mat;
  private readonly paddedInner: Mat;
  private readonly innerRect: Rect;
  private readonly kernel: Mat;
  private readonly blurSize: Size;
  /**
   * The JS memory under Mats that no other field holds (background store, sample mask, padded mask):
   * a Mat over user data does not keep it alive, so without this the GC frees it under OpenCV.
   */
  private readonly memory: ArrayBufferView[] = [];
  private elapsedMs = 0;
  private frames = 0;
  private currentThreshold: number;
  private lastForeground = 0;
  private resets = 0;

  constructor(options: MotionOptions, cv: OpenCv = loadOpenCv()) {
    this.cv = cv;
    this.options = { ...MOTION_DEFAULTS, ...options };
    this.width = options.width;
    this.height = options.height;
    const { width, height } = this;
    if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
      throw new RangeError(`motion detector size must be positive integers, got ${width}×${height}`);
    }
    const pixels = width * height;
    this.pixels = pixels;
    // Own ArrayBuffers (never V8 on-heap typed arrays, which the GC may move under a Mat).
    this.gray = new Uint8Array(new ArrayBuffer(pixels));
    this.mask = new Uint8Array(new ArrayBuffer(pixels));
    this.freezeMask = new Uint8Array(new ArrayBuffer(pixels));
    this.grayMat = new cv.Mat(height, width, cv.CV_8UC1, this.gray);
    this.maskMat = new cv.Mat(height, width, cv.CV_8UC1, this.mask);
    this.freezeMat = new cv.Mat(height, width, cv.CV_8UC1, this.freezeMask);

    // TS samples frame − background at x = 1, 5, 9, … < width on rows y = 1, 5, 9, … < height.
    this.gridWidth = Math.max(1, Math.ceil((width - 1) / 4));
    this.gridHeight = Math.max(1, Math.ceil((height - 1) / 4));
    const storeWidth = Math.max(width, 4 * this.gridWidth + 1);
    const storeHeight = Math.max(height, 4 * this.gridHeight + 1);
    const backgroundStore = new cv.Mat(storeHeight, storeWidth, cv.CV_32FC1, this.keep(new Float32Array(new ArrayBuffer(storeWidth * storeHeight * 4))));
    this.backgroundMat = backgroundStore.getRegion(new cv.Rect(0, 0, width, height));
    this.gridView = backgroundStore.getRegion(new cv.Rect(1, 1, 4 * this.gridWidth, 4 * this.gridHeight));
    this.gridSample = new Float32Array(new ArrayBuffer(this.gridWidth * this.gridHeight * 4));
    this.gridSampleMat = new cv.Mat(this.gridHeight, this.gridWidth, cv.CV_32FC1, this.gridSample);
    this.signedHistogram = new Uint32Array(511);

    const sampleMask = this.keep(new Uint8Array(new ArrayBuffer(pixels)));
    for (let y = 0; y < height; y += 2) for (let x = 0; x < width; x += 4) sampleMask[y * width + x] = 1;
    this.noiseSampleMask = new cv.Mat(height, width, cv.CV_8UC1, sampleMask);
    // |difference| ≤ 255 + 255; bins 255… are folded into 255 as TS clamps.
    this.noiseAxes = [new cv.HistAxes({ channel: 0, bins: 512, ranges: [0, 512] })];
    this.noiseHistogram = new Float64Array(new ArrayBuffer(512 * 8));
    this.noiseHistogramMat = new cv.Mat(512, 1, cv.CV_64FC1, this.noiseHistogram);

    this.padded = new cv.Mat(height + 2, width + 2, cv.CV_8UC1, this.keep(new Uint8Array(new ArrayBuffer((width + 2) * (height + 2)))));
    this.innerRect = new cv.Rect(1, 1, width, height);
    this.paddedInner = this.padded.getRegion(this.innerRect);
    this.kernel = cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(3, 3));
    this.blurSize = new cv.Size(3, 3);
    this.currentThreshold = this.options.minThreshold;
  }

  private keep<T extends ArrayBufferView>(view: T): T {
    this.memory.push(view);
    return view;
  }

  foregroundFraction(): number {
    return this.lastForeground;
  }

  threshold(): number {
    return this.currentThreshold;
  }

  suddenChanges(): number {
    return this.resets;
  }

  process(gray: Uint8Array, interval: Float64Array): void {
    const dtMs = interval[0]!;
    const cv = this.cv;
    this.gray.set(gray.length === this.pixels ? gray : gray.subarray(0, this.pixels));
    const blurred = this.grayMat.gaussianBlur(this.blurSize, 0, 0, cv.BORDER_REPLICATE);
    if (this.frames++ === 0) {
      this.relearn(blurred);
      this.mask.fill(0);
      return;
    }
    this.elapsedMs += dtMs;
    const dtS = Math.max(dtMs, 1) / 1000;
    const warming = this.elapsedMs < this.options.warmupS * 1000;
    const alphaBackground = warming ? 1 - Math.exp(-dtS / 0.25) : 1 - Math.exp(-dtS / this.options.backgroundTauS);
    const alphaForeground = warming ? alphaBackground : 1 - Math.exp(-dtS / this.options.foregroundTauS);
    const offset = this.globalOffset();
    // |(blur − offset) − background| = |blur − (background + offset)|, in f32.
    const difference = blurred.convertTo(cv.CV_32F, 1, -offset).absdiff(this.backgroundMat);
    const foreground = difference.threshold(this.currentThreshold, 1, cv.THRESH_BINARY).convertTo(cv.CV_8U);
    const count = foreground.countNonZero();
    cv.calcHist(difference, this.noiseAxes, this.noiseSampleMask).copyTo(this.noiseHistogramMat);
    this.learn(blurred, foreground, warming, alphaBackground, alphaForeground);

    this.lastForeground = count / this.pixels;
    this.currentThreshold = this.nextThreshold();
    if (!warming && this.lastForeground > this.options.suddenChangeFraction) {
      // A global change (light switched, camera moved, lens covered): relearn from this frame.
      this.resets++;
      this.relearn(blurred);
      this.mask.fill(0);
      return;
    }
    // 3×3 opening with pixels outside the image as background, straight into `mask`.
    foreground.copyTo(this.paddedInner);
    this.padded.morphologyEx(this.kernel, cv.MORPH_OPEN).getRegion(this.innerRect).copyTo(this.maskMat);
  }

  /** Fast under background, slow under foreground, none where frozen (freezeMask 1). */
  private learn(blurred: Mat, foreground: Mat, warming: boolean, alphaBackground: number, alphaForeground: number): void {
    const cv = this.cv;
    const frozen = this.freezeMat.countNonZero() > 0;
    const learnable = frozen ? this.freezeMat.threshold(0, 1, cv.THRESH_BINARY_INV) : undefined;
    if (warming) {
      // One rate everywhere.
      if (learnable === undefined) cv.accumulateWeighted(blurred, this.backgroundMat, alphaBackground);
      else cv.accumulateWeighted(blurred, this.backgroundMat, alphaBackground, learnable);
      return;
    }
    let background = foreground.threshold(0, 1, cv.THRESH_BINARY_INV);
    let moving = foreground;
    if (learnable !== undefined) {
      background = background.bitwiseAnd(learnable);
      moving = moving.bitwiseAnd(learnable);
    }
    cv.accumulateWeighted(blurred, this.backgroundMat, alphaBackground, background);
    cv.accumulateWeighted(blurred, this.backgroundMat, alphaForeground, moving);
  }

  /** background = blurred frame: accumulateWeighted with α = 1 writes src into dst, no new Mat. */
  private relearn(blurred: Mat): void {
    this.cv.accumulateWeighted(blurred, this.backgroundMat, 1);
  }

  /** As TS: median of raw frame − background over every 4th pixel of every 4th row, from (1, 1). */
  private globalOffset(): number {
    const { width, gray, gridSample, gridWidth, gridHeight, signedHistogram } = this;
    this.gridView.resize(gridHeight, gridWidth, 0, 0, this.cv.INTER_NEAREST).copyTo(this.gridSampleMat);
    signedHistogram.fill(0);
    let samples = 0;
    for (let gy = 0, y = 1; y < this.height; gy++, y += 4) {
      const row = y * width;
      const sampleRow = gy * gridWidth;
      for (let gx = 0, x = 1; x < width; gx++, x += 4) {
        const difference = (gray[row + x]! - gridSample[sampleRow + gx]!) | 0;
        signedHistogram[difference + 255]!++;
        samples++;
      }
    }
    const bin = medianBin(signedHistogram, 511, samples >> 1);
    return bin < 511 ? bin - 255 : 0;
  }

  /** As TS: the median absolute difference (mostly background pixels) estimates the noise sigma. */
  private nextThreshold(): number {
    const histogram = this.noiseHistogram;
    let samples = 0;
    for (let bin = 0; bin < 512; bin++) samples += histogram[bin]!;
    const median = medianBin(histogram, 255, Math.floor(samples / 2));
    return noiseThreshold(median, this.options.noiseSigmas, this.options.minThreshold);
  }
}

// ---- Lazy loading ------------------------------------------------------------------------------------

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
    if (useCache) cached = cv;
    return cv;
  } catch (error) {
    const notInstalled = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${packageName}'`);
    const wrapped = new Error(notInstalled ? OPENCV_MISSING_MESSAGE : `${OPENCV_MISSING_MESSAGE} (it is installed but failed to load: ${(error as Error).message})`, { cause: error });
    if (useCache) cachedError = wrapped;
    throw wrapped;
  }
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
    if (typeof cv.accumulateWeighted !== 'function' || typeof cv.Mat !== 'function') throw new Error(`${packageName} loaded without accumulateWeighted/Mat`);
    return cv;
  } finally {
    process.stdout.write = write;
  }
}

// ---- The subset of @u4/opencv4nodejs used here (its own typings need the package installed) ---------

interface Size {
  readonly width: number;
  readonly height: number;
}

interface HistAxes {
  readonly channel: number;
  readonly bins: number;
}

interface Rect {
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
}

export interface OpenCv {
  Mat: new (rows: number, cols: number, type: number, data: ArrayBufferView) => Mat;
  Size: new (width: number, height: number) => Size;
  Rect: new (x: number, y: number, width: number, height: number) => Rect;
  HistAxes: new (options: { channel: number; bins: number; ranges: [number, number] }) => HistAxes;
  accumulateWeighted(src: Mat, dst: Mat, alpha: number, mask?: Mat): void;
  calcHist(img: Mat, histAxes: HistAxes[], mask?: Mat): Mat;
  getStructuringElement(shape: number, kernelSize: Size): Mat;
  version: { major: number; minor: number; revision: number };
  readonly CV_8U: number;
  readonly CV_32F: number;
  readonly CV_8UC1: number;
  readonly CV_32FC1: number;
  readonly CV_64FC1: number;
  readonly BORDER_REPLICATE: number;
  readonly THRESH_BINARY: number;
  readonly THRESH_BINARY_INV: number;
  readonly INTER_NEAREST: number;
  readonly MORPH_RECT: number;
  readonly MORPH_OPEN: number;
}
