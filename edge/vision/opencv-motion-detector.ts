import { downscaleBox } from './downscale.js';
import { GAIN_BINS, gainOfBin, medianGainBin } from './global-gain.js';
import { MOTION_DEFAULTS, type MotionDetector, type MotionOptions, type PackedMask } from './motion-detector.js';
import { medianBin, noiseThreshold } from './noise-threshold.js';
import { loadOpenCv, type Mat, type OpenCv, type Rect, type Size } from '../opencv-loader.js';

/**
 * TsMotionDetector's algorithm on OpenCV through @u4/opencv4nodejs, an optional native module that is
 * never in package.json: scripts/install-opencv.sh installs it (Debian libopencv-dev, then a local build
 * of the binding), so `npm install`/`npm ci` on a fresh machine never tries to build OpenCV. It is loaded
 * lazily, on the first OpenCvMotionDetector or loadOpenCv(); openCvAvailable() says whether it loads.
 *
 * Per frame, as few native calls and full-frame passes as the algorithm allows (a call costs ~1.5 µs of
 * binding overhead; at 320×240 the f32 passes are memory-bound): a 3×3 Gaussian blur (bit-exact with the
 * TS row/column [1 2 1], BORDER_REPLICATE); the global gain in JS (median of frame ÷ background on TS's
 * sparse grid, 1 pixel in 16); the blur ÷ gain in f32 (what the background learns) and its absdiff with
 * the background, which is TS's |blur − gain × background| ÷ gain (the threshold is divided by the gain
 * to match, the noise samples multiplied by it); its noise
 * histogram in JS on TS's noise grid (every 4th pixel of every 2nd row), picked out natively by a
 * nearest-neighbour resize by ¼ × ½ into a small JS buffer (sizes not a multiple of 4 × 2 copy the whole
 * difference instead); the threshold as one convertTo to 8 bits with a huge scale (nonzero exactly where
 * the f32 difference exceeds the threshold ÷ gain); the background update; a 3×3 MORPH_OPEN of the foreground
 * in a zero-framed Mat (so edge pixels erode as in the TS bit morphology), binarised into `mask`, which
 * is then packed into bits for the connected components.
 *
 * The background update is two accumulateWeighted calls: α_background on every learnable pixel, then, on
 * foreground pixels only, the rate that turns the first step into α_foreground overall (a negative α:
 * (1 − α_bg)(1 − α) = 1 − α_fg). One full-frame pass and one masked pass, no inverted mask to build; where
 * nothing is foreground the second call is skipped, and so is the opening.
 *
 * Differences from TS: the difference, the comparison and the background update are f32 where TS uses
 * f64 (and the two-step update rounds twice), so a mask pixel can flip when its difference is within
 * float rounding of the threshold; test/vision/opencv-motion-detector.test.ts measures the agreement.
 *
 * Memory: the frame, the background, the noise samples, `mask`, `freezeMask` and the padded mask are JS
 * ArrayBuffers allocated once, each wrapped by a Mat that shares its memory (cv::Mat over user data, no
 * copy). opencv4nodejs has no destination arguments: every operation returns a new Mat. The ones with
 * pixels (8 a frame at 320×240) are released as soon as they are used, so their buffers go back to
 * malloc within the frame instead of waiting for the GC (left to the GC, as before, they held ~40 MB of
 * native memory and made this backend about 2× slower); what stays per frame is the JS wrapper of each
 * returned Mat, ~700 bytes of JS heap a frame.
 */
export class OpenCvMotionDetector implements MotionDetector {
  readonly backend = 'opencv' as const;
  readonly width: number;
  readonly height: number;
  /** 0/1 per pixel; the same object every frame (maskMat shares its memory). */
  readonly mask: Uint8Array;
  /** 1 = do not learn; the caller writes it, freezeMat shares its memory. */
  readonly freezeMask: Uint8Array;
  /**
   * `mask` packed 32 pixels to a word, where the width is a multiple of 4 (undefined otherwise): the
   * pipeline's connected components then run on bits (ConnectedComponents.labelBits), about twice as fast
   * as on bytes even with the packing, which reads the mask 4 pixels at a time and skips empty quads.
   */
  readonly packedMask: PackedMask | undefined;
  private readonly cv: OpenCv;
  private readonly options: Required<MotionOptions>;
  private readonly pixels: number;
  private readonly gray: Uint8Array;
  private readonly grayMat: Mat;
  private readonly background: Float32Array;
  private readonly backgroundMat: Mat;
  private readonly maskMat: Mat;
  private readonly freezeMat: Mat;
  /** Whether a nearest resize by ¼ × ½ picks TS's noise samples (width a multiple of 4, height of 2). */
  private readonly samplesByResize: boolean;
  /** |difference| on TS's noise grid (resize) or everywhere (other sizes), in JS memory. */
  private readonly noiseSamples: Float32Array;
  private readonly noiseSamplesMat: Mat;
  private readonly histogram: Uint32Array;
  /** `mask` as 32-bit quads (4 pixels each), for the packing… */
  private readonly maskQuads: Uint32Array | undefined;
  /** …and, where rows are whole words (width a multiple of 32), as f64s: one compare tests 8 pixels. */
  private readonly maskOctets: Float64Array | undefined;
  private readonly gainHistogram: Uint32Array;
  /** The foreground in a one-pixel zero frame, for the opening; paddedInner is the image part. */
  private readonly padded: Mat;
  private readonly paddedInner: Mat;
  private readonly innerRect: Rect;
  private readonly kernel: Mat;
  private readonly blurSize: Size;
  /** The JS memory under `padded`, held here: a Mat over user data does not keep it alive. */
  private readonly paddedMemory: Uint8Array;
  private sourceWidth = 0;
  private sourceHeight = 0;
  private sourceFactor = 0;
  /** Whether cv.resize (INTER_AREA) downscales this source geometry exactly as downscaleBox (checked once). */
  private resizeIsBox = false;
  private sourceRect: Rect | undefined;
  /** The last source frame and the Mat over its used part (remade only when another array comes). */
  private sourceFrame: Uint8Array | undefined;
  private sourceRegion: Mat | undefined;
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
    this.background = new Float32Array(new ArrayBuffer(pixels * 4));
    this.mask = new Uint8Array(new ArrayBuffer(pixels));
    this.freezeMask = new Uint8Array(new ArrayBuffer(pixels));
    this.grayMat = new cv.Mat(height, width, cv.CV_8UC1, this.gray);
    this.backgroundMat = new cv.Mat(height, width, cv.CV_32FC1, this.background);
    this.maskMat = new cv.Mat(height, width, cv.CV_8UC1, this.mask);
    this.freezeMat = new cv.Mat(height, width, cv.CV_8UC1, this.freezeMask);
    if (width % 4 === 0) {
      this.maskQuads = new Uint32Array(this.mask.buffer);
      if (width % 32 === 0) this.maskOctets = new Float64Array(this.mask.buffer);
      const rowStride = Math.ceil(width / 32);
      this.packedMask = { words: new Int32Array(rowStride * height), firstWord: 0, rowStride };
    }
    this.gainHistogram = new Uint32Array(GAIN_BINS);

    this.samplesByResize = width % 4 === 0 && height % 2 === 0;
    const sampleRows = this.samplesByResize ? height >> 1 : height;
    const sampleColumns = this.samplesByResize ? width >> 2 : width;
    this.noiseSamples = new Float32Array(new ArrayBuffer(sampleRows * sampleColumns * 4));
    this.noiseSamplesMat = new cv.Mat(sampleRows, sampleColumns, cv.CV_32FC1, this.noiseSamples);
    this.histogram = new Uint32Array(256);

    this.paddedMemory = new Uint8Array(new ArrayBuffer((width + 2) * (height + 2)));
    this.padded = new cv.Mat(height + 2, width + 2, cv.CV_8UC1, this.paddedMemory);
    this.innerRect = new cv.Rect(1, 1, width, height);
    this.paddedInner = this.padded.getRegion(this.innerRect);
    this.kernel = cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(3, 3));
    this.blurSize = new cv.Size(3, 3);
    this.currentThreshold = this.options.minThreshold;
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
    this.loadGray(gray);
    this.detect(interval);
  }

  /** A working-size frame into `gray` (the memory grayMat wraps). */
  private loadGray(gray: Uint8Array): void {
    this.gray.set(gray.length === this.pixels ? gray : gray.subarray(0, this.pixels));
  }

  /**
   * Box-downscales the full-size frame straight into the working frame with cv.resize (INTER_AREA on the
   * factor × working-size part, over the caller's memory: no copy of the source), where that is exactly
   * downscaleBox: checked once per geometry on a synthetic frame (OpenCV rounds the block mean as
   * downscaleBox for factor 2 and odd factors, not for 4, 6, …); else downscaleBox itself writes the
   * working frame. Later calls must keep the geometry or it is checked again.
   */
  processSource(source: Uint8Array, sourceWidth: number, sourceHeight: number, factor: number, interval: Float64Array): void {
    if (sourceWidth !== this.sourceWidth || sourceHeight !== this.sourceHeight || factor !== this.sourceFactor) this.configureSource(sourceWidth, sourceHeight, factor);
    const bytes = sourceWidth * sourceHeight;
    if (source.length < bytes) throw new RangeError(`source frame has ${source.length} bytes, ${sourceWidth}×${sourceHeight} needs ${bytes}`);
    if (factor === 1) this.gray.set(source.length === bytes ? source : source.subarray(0, bytes));
    else if (this.resizeIsBox) {
      if (source !== this.sourceFrame) {
        this.sourceRegion = new this.cv.Mat(sourceHeight, sourceWidth, this.cv.CV_8UC1, source).getRegion(this.sourceRect!);
        this.sourceFrame = source;
      }
      const working = this.sourceRegion!.resize(this.height, this.width, 0, 0, this.cv.INTER_AREA);
      working.copyTo(this.grayMat);
      working.release();
    } else downscaleBox(source, sourceWidth, factor, this.gray, this.width, this.height);
    this.detect(interval);
  }

  private configureSource(sourceWidth: number, sourceHeight: number, factor: number): void {
    const { width, height, cv } = this;
    if (!(Number.isInteger(factor) && factor >= 1 && Math.floor(sourceWidth / factor) === width && Math.floor(sourceHeight / factor) === height)) {
      throw new RangeError(`a ${sourceWidth}×${sourceHeight} source downscaled by ${factor} is not this detector's ${width}×${height}`);
    }
    this.sourceWidth = sourceWidth;
    this.sourceHeight = sourceHeight;
    this.sourceFactor = factor;
    this.sourceFrame = undefined;
    this.sourceRegion = undefined;
    this.sourceRect = new cv.Rect(0, 0, width * factor, height * factor);
    this.resizeIsBox = false;
    if (factor === 1) return;
    // Every block sum (hence every rounding case) many times over: a pseudo-random frame.
    const probe = new Uint8Array(new ArrayBuffer(sourceWidth * sourceHeight));
    for (let i = 0, seed = 12345; i < probe.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      probe[i] = seed >>> 24;
    }
    const expected = new Uint8Array(this.pixels);
    downscaleBox(probe, sourceWidth, factor, expected, width, height);
    const resized = new cv.Mat(sourceHeight, sourceWidth, cv.CV_8UC1, probe).getRegion(this.sourceRect!).resize(height, width, 0, 0, cv.INTER_AREA);
    const actual = resized.getData();
    resized.release();
    this.resizeIsBox = actual.length === expected.length && actual.every((value, i) => value === expected[i]);
  }

  /** The working frame is in `gray`: blur, background, threshold, statistics and morphology. */
  private detect(interval: Float64Array): void {
    const dtMs = interval[0]!;
    const cv = this.cv;
    const blurred = this.grayMat.gaussianBlur(this.blurSize, 0, 0, cv.BORDER_REPLICATE);
    if (this.frames++ === 0) {
      this.relearn(blurred);
      this.clearMask();
      return;
    }
    this.elapsedMs += dtMs;
    const dtS = Math.max(dtMs, 1) / 1000;
    const warming = this.elapsedMs < this.options.warmupS * 1000;
    const alphaBackground = warming ? 1 - Math.exp(-dtS / 0.25) : 1 - Math.exp(-dtS / this.options.backgroundTauS);
    const alphaForeground = warming ? alphaBackground : 1 - Math.exp(-dtS / this.options.foregroundTauS);
    const gain = gainOfBin(medianGainBin(this.gray, this.background, this.width, this.height, this.gainHistogram));
    const threshold = this.currentThreshold;
    // The frame ÷ gain, which the background learns (so it keeps its own brightness, see
    // TsMotionDetector), and |blur ÷ gain − background|: TS's |blur − gain × background| divided by the
    // gain, so the threshold and the noise samples are divided and multiplied by it instead. Two f32
    // passes fewer than computing blur − gain × background.
    const normalised = blurred.convertTo(cv.CV_32F, 1 / gain);
    const difference = normalised.absdiff(this.backgroundMat);
    this.sampleNoise(difference, gain);
    // SCALE·(difference − threshold ÷ gain) rounds to ≥ 1 exactly when difference > threshold ÷ gain
    // (both f32, so they differ by at least an ulp), else saturates to 0: the foreground as nonzero.
    const foreground = difference.convertTo(cv.CV_8U, SCALE, -SCALE * (threshold / gain));
    difference.release();
    const count = foreground.countNonZero();

    this.lastForeground = count / this.pixels;
    this.currentThreshold = this.nextThreshold();
    if (!warming && this.lastForeground > this.options.suddenChangeFraction) {
      // A global change (light switched, camera moved, lens covered): relearn from this frame (TS
      // learns first, then overwrites; the result is the same).
      foreground.release();
      normalised.release();
      this.resets++;
      this.relearn(blurred);
      this.clearMask();
      return;
    }
    blurred.release();
    this.learn(normalised, foreground, count, warming, alphaBackground, alphaForeground);
    normalised.release();
    if (count === 0) {
      // Nothing to open.
      foreground.release();
      this.clearMask();
      return;
    }
    // 3×3 opening with pixels outside the image as background, then 0/1 into `mask`.
    foreground.copyTo(this.paddedInner);
    foreground.release();
    const opened = this.padded.morphologyEx(this.kernel, cv.MORPH_OPEN);
    const inner = opened.getRegion(this.innerRect);
    const binary = inner.threshold(0, 1, cv.THRESH_BINARY);
    // The region holds a reference to the opened pixels: both must go for them to be freed now.
    inner.release();
    opened.release();
    binary.copyTo(this.maskMat);
    binary.release();
    this.packMask();
  }

  private clearMask(): void {
    this.mask.fill(0);
    this.packedMask?.words.fill(0);
  }

  /**
   * `mask` into packedMask: bit j of word k of a row is pixel 32k + j. A quad of 0/1 bytes read as a
   * little-endian u32 has its pixels at bits 0, 8, 16, 24 (the byte order every platform here has, as
   * downscale.ts assumes too).
   */
  private packMask(): void {
    const quads = this.maskQuads;
    const packed = this.packedMask;
    if (quads === undefined || packed === undefined) return;
    const words = packed.words;
    const octets = this.maskOctets;
    if (octets !== undefined) {
      // Rows are whole words: word k of the image is octets 4k … 4k+3. Eight 0/1 bytes read as an f64
      // are ±0 only when all are 0 (a nonzero byte sets a mantissa or exponent bit; none can make a NaN).
      for (let k = 0, o = 0, n = octets.length; o < n; k++, o += 4) {
        if (octets[o] === 0 && octets[o + 1] === 0 && octets[o + 2] === 0 && octets[o + 3] === 0) {
          words[k] = 0;
          continue;
        }
        let word = 0;
        for (let j = 0, q = o << 1; j < 8; j++, q++) {
          const quad = quads[q]!;
          if (quad !== 0) word |= ((quad & 1) | ((quad >>> 7) & 2) | ((quad >>> 14) & 4) | ((quad >>> 21) & 8)) << (j << 2);
        }
        words[k] = word;
      }
      return;
    }
    const quadsPerRow = this.width >>> 2;
    const rowStride = packed.rowStride;
    let q = 0;
    let o = 0;
    for (let y = 0; y < this.height; y++) {
      const rowEnd = q + quadsPerRow;
      for (let k = 0; k < rowStride; k++) {
        let word = 0;
        for (let shift = 0; shift < 32 && q < rowEnd; shift += 4, q++) {
          const quad = quads[q]!;
          if (quad !== 0) word |= ((quad & 1) | ((quad >>> 7) & 2) | ((quad >>> 14) & 4) | ((quad >>> 21) & 8)) << shift;
        }
        words[o++] = word;
      }
    }
  }

  /**
   * As TS: the histogram of |blur − gain × background| (clamped to 255) on every 4th pixel of every 2nd
   * row; `difference` is that ÷ gain.
   */
  private sampleNoise(difference: Mat, gain: number): void {
    const { noiseSamples, histogram } = this;
    histogram.fill(0);
    if (this.samplesByResize) {
      // Nearest by an exact ¼ × ½ takes source pixel (4x, 2y): the grid, and only the rows it is on are read.
      const samples = difference.resize(this.height >> 1, this.width >> 2, 0, 0, this.cv.INTER_NEAREST);
      samples.copyTo(this.noiseSamplesMat);
      samples.release();
      for (let i = 0, n = noiseSamples.length; i < n; i++) {
        const value = noiseSamples[i]! * gain;
        histogram[value < 255 ? value | 0 : 255]!++;
      }
      return;
    }
    difference.copyTo(this.noiseSamplesMat);
    const { width, height } = this;
    for (let y = 0; y < height; y += 2) {
      for (let i = y * width, end = i + width; i < end; i += 4) {
        const value = noiseSamples[i]! * gain;
        histogram[value < 255 ? value | 0 : 255]!++;
      }
    }
  }

  /** Fast under background, slow under foreground (nonzero in `foreground`), none where frozen (freezeMask 1). */
  private learn(normalised: Mat, foreground: Mat, count: number, warming: boolean, alphaBackground: number, alphaForeground: number): void {
    const cv = this.cv;
    const frozen = this.freezeMat.countNonZero() > 0;
    // 255 where the background may learn (nonzero for the masks below, and foreground & 255 = foreground).
    const learnable = frozen ? this.freezeMat.threshold(0, 255, cv.THRESH_BINARY_INV) : undefined;
    if (learnable === undefined) cv.accumulateWeighted(normalised, this.backgroundMat, alphaBackground);
    else cv.accumulateWeighted(normalised, this.backgroundMat, alphaBackground, learnable);
    if (!warming && count > 0) {
      // (1 − α_bg)(1 − α) = 1 − α_fg: this α (negative) brings the foreground pixels back to α_fg overall.
      const alpha = 1 - (1 - alphaForeground) / (1 - alphaBackground);
      if (learnable === undefined) cv.accumulateWeighted(normalised, this.backgroundMat, alpha, foreground);
      else {
        const learning = foreground.bitwiseAnd(learnable);
        cv.accumulateWeighted(normalised, this.backgroundMat, alpha, learning);
        learning.release();
      }
    }
    learnable?.release();
  }

  seedBackground(gray: Uint8Array): void {
    this.loadGray(gray);
    this.relearn(this.grayMat.gaussianBlur(this.blurSize, 0, 0, this.cv.BORDER_REPLICATE));
  }

  /** background = blurred frame (accumulateWeighted with α = 1 writes src into dst); releases the blur. */
  private relearn(blurred: Mat): void {
    this.cv.accumulateWeighted(blurred, this.backgroundMat, 1);
    blurred.release();
  }

  /** As TS: the median absolute difference (mostly background pixels) estimates the noise sigma. */
  private nextThreshold(): number {
    const histogram = this.histogram;
    let samples = 0;
    for (let bin = 0; bin < 256; bin++) samples += histogram[bin]!;
    const median = medianBin(histogram, 256, samples >> 1);
    return noiseThreshold(median, this.options.noiseSigmas, this.options.minThreshold);
  }
}

/**
 * The scale of the thresholding convertTo: 2^22 makes one ulp of any threshold ≥ 2 round to ≥ 1 (the
 * threshold there is the noise threshold ÷ gain: ≥ 4 with the default minThreshold 16, gains being ≤ 4), and
 * 2^22 × 512 (above the largest difference) stays below 2^31, where OpenCV's float-to-int rounding
 * would overflow (and saturate to 0).
 */
const SCALE = 2 ** 22;
