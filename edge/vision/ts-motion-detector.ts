import { horizontal3, lastWordMask, unpackBits, vertical3, wordsPerRow } from './bit-morphology.js';
import { MOTION_DEFAULTS, type MotionDetector, type MotionOptions } from './motion-detector.js';
import { GAIN_BINS, gainOfBin, medianGainBin } from './global-gain.js';
import { medianBin, noiseThreshold } from './noise-threshold.js';

/**
 * Pure TypeScript motion detection: 3×3 Gaussian blur, a running-average background with selective
 * learning (fast under background, slow under foreground, none where frozen), a threshold that follows
 * the sensor noise, and a 3×3 opening to drop speckle. Blur, difference, threshold, noise histogram and
 * background update share one pass; all buffers are allocated once.
 */
export class TsMotionDetector implements MotionDetector {
  readonly backend = 'ts' as const;
  readonly width: number;
  readonly height: number;
  readonly mask: Uint8Array;
  readonly freezeMask: Uint8Array;
  private readonly background: Float32Array;
  private readonly rowBlur: Uint16Array;
  /** Foreground before and after the opening, bit-packed rows (see bit-morphology.ts). */
  private readonly bits: Uint32Array;
  private readonly bitsScratch: Uint32Array;
  private readonly words: number;
  private readonly lastWord: number;
  private readonly histogram: Uint32Array;
  private readonly gainHistogram: Uint32Array;
  private readonly options: Required<MotionOptions>;
  private elapsedMs = 0;
  private frames = 0;
  private currentThreshold: number;
  private lastForeground = 0;
  private resets = 0;

  constructor(options: MotionOptions) {
    this.options = { ...MOTION_DEFAULTS, ...options };
    this.width = options.width;
    this.height = options.height;
    const pixels = this.width * this.height;
    this.mask = new Uint8Array(pixels);
    this.freezeMask = new Uint8Array(pixels);
    this.background = new Float32Array(pixels);
    this.rowBlur = new Uint16Array(pixels);
    this.words = wordsPerRow(this.width);
    this.lastWord = lastWordMask(this.width);
    this.bits = new Uint32Array(this.words * this.height);
    this.bitsScratch = new Uint32Array(this.words * this.height);
    this.histogram = new Uint32Array(256);
    this.gainHistogram = new Uint32Array(GAIN_BINS);
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
    const dtMs = interval[0]!;
    const { width, height, background, rowBlur, histogram, freezeMask, bits, words } = this;
    this.blurRows(gray);
    if (this.frames++ === 0) {
      this.relearn();
      this.mask.fill(0);
      return;
    }
    this.elapsedMs += dtMs;
    const dtS = Math.max(dtMs, 1) / 1000;
    const warming = this.elapsedMs < this.options.warmupS * 1000;
    const alphaBackground = warming ? 1 - Math.exp(-dtS / 0.25) : 1 - Math.exp(-dtS / this.options.backgroundTauS);
    const alphaForeground = warming ? alphaBackground : 1 - Math.exp(-dtS / this.options.foregroundTauS);
    // A cloud, dusk or auto exposure scales the whole image: compare against the background scaled by the
    // frame's global gain, and learn the frame divided by it. The background stays in its own brightness,
    // so a light change needs no relearning, and relearning (which burns every vehicle in view into the
    // background, each leaving a ghost for a minute when it drives off) is kept for a camera moved or covered.
    const gain = gainOfBin(medianGainBin(gray, background, width, height, this.gainHistogram));
    const learnBackground = alphaBackground / gain;
    const learnForeground = alphaForeground / gain;
    const threshold = this.currentThreshold;
    histogram.fill(0);
    let foreground = 0;
    // Vertical [1 2 1] completes the blur; then difference, threshold, background update and the packed
    // foreground bit, fused in one pass. The noise histogram samples every 4th pixel of every 2nd row.
    for (let y = 0; y < height; y++) {
      const up = (y > 0 ? y - 1 : 0) * width;
      const row = y * width;
      const down = (y + 1 < height ? y + 1 : y) * width;
      const sampleRow = (y & 1) === 0;
      const bitRow = y * words;
      let word = 0;
      for (let x = 0; x < width; x++) {
        const i = row + x;
        const value = (rowBlur[up + x]! + 2 * rowBlur[i]! + rowBlur[down + x]! + 8) >> 4;
        const bg = background[i]!;
        const signed = value - bg * gain;
        const difference = signed < 0 ? -signed : signed;
        if (sampleRow && (x & 3) === 0) histogram[difference > 255 ? 255 : difference | 0]!++;
        const isForeground = difference > threshold;
        if (isForeground) {
          word |= 1 << (x & 31);
          foreground++;
        }
        if (freezeMask[i] === 0) background[i] = bg + signed * (isForeground ? learnForeground : learnBackground);
        if ((x & 31) === 31 || x === width - 1) {
          bits[bitRow + (x >>> 5)] = word;
          word = 0;
        }
      }
    }

    const pixels = width * height;
    this.lastForeground = foreground / pixels;
    this.currentThreshold = this.nextThreshold();
    if (!warming && this.lastForeground > this.options.suddenChangeFraction) {
      // A global change (light switched, camera moved, lens covered): relearn from this frame.
      this.resets++;
      this.relearn();
      this.mask.fill(0);
      return;
    }
    // 3×3 opening on packed bits: erode, then dilate, so speckle smaller than 3 px goes.
    const scratch = this.bitsScratch;
    horizontal3(bits, scratch, words, height, this.lastWord, true);
    vertical3(scratch, bits, words, height, true);
    horizontal3(bits, scratch, words, height, this.lastWord, false);
    vertical3(scratch, bits, words, height, false);
    unpackBits(bits, this.mask, width, height);
  }

  seedBackground(gray: Uint8Array): void {
    this.blurRows(gray);
    this.relearn();
  }

  /** Horizontal [1 2 1] of every row into rowBlur (edges replicate). */
  private blurRows(gray: Uint8Array): void {
    const { width, height, rowBlur } = this;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      let left = gray[row]!;
      let centre = left;
      for (let x = 0; x < width; x++) {
        const right = x + 1 < width ? gray[row + x + 1]! : centre;
        rowBlur[row + x] = left + 2 * centre + right;
        left = centre;
        centre = right;
      }
    }
  }

  /** The median absolute difference (mostly background pixels) estimates the noise sigma. */
  private nextThreshold(): number {
    let samples = 0;
    for (let bin = 0; bin < 256; bin++) samples += this.histogram[bin]!;
    const median = medianBin(this.histogram, 256, samples >> 1);
    return noiseThreshold(median, this.options.noiseSigmas, this.options.minThreshold);
  }

  private relearn(): void {
    const { width, height, rowBlur, background } = this;
    for (let y = 0; y < height; y++) {
      const up = (y > 0 ? y - 1 : 0) * width;
      const row = y * width;
      const down = (y + 1 < height ? y + 1 : y) * width;
      for (let x = 0; x < width; x++) background[row + x] = (rowBlur[up + x]! + 2 * rowBlur[row + x]! + rowBlur[down + x]! + 8) >> 4;
    }
  }
}
