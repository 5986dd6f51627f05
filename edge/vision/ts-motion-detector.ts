import { MOTION_DEFAULTS, type MotionDetector, type MotionOptions } from './motion-detector.js';

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
  private readonly raw: Uint8Array;
  private readonly scratch: Uint8Array;
  private readonly histogram: Uint32Array;
  private readonly signedHistogram: Uint32Array;
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
    this.raw = new Uint8Array(pixels);
    this.scratch = new Uint8Array(pixels);
    this.histogram = new Uint32Array(256);
    this.signedHistogram = new Uint32Array(511);
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

  process(gray: Uint8Array, dtMs: number): void {
    const { width, height, background, rowBlur, raw, histogram, freezeMask } = this;
    const first = this.frames === 0;
    this.frames++;
    this.elapsedMs += dtMs;
    const dtS = Math.max(dtMs, 1) / 1000;
    const warming = this.elapsedMs < this.options.warmupS * 1000;
    const alphaBackground = warming ? 1 - Math.exp(-dtS / 0.25) : 1 - Math.exp(-dtS / this.options.backgroundTauS);
    const alphaForeground = warming ? alphaBackground : 1 - Math.exp(-dtS / this.options.foregroundTauS);

    // Horizontal [1 2 1] into rowBlur (edges replicate).
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

    histogram.fill(0);
    const threshold = this.currentThreshold;
    // Auto exposure shifts the whole image when a bright vehicle enters: compare against the background
    // shifted by the median global difference, or most of the frame would become foreground.
    const offset = first ? 0 : this.globalOffset(gray);
    let foreground = 0;
    // Vertical [1 2 1], then difference, threshold, noise histogram and background update, fused.
    for (let y = 0; y < height; y++) {
      const up = (y > 0 ? y - 1 : 0) * width;
      const row = y * width;
      const down = (y + 1 < height ? y + 1 : y) * width;
      for (let x = 0; x < width; x++) {
        const i = row + x;
        const value = (rowBlur[up + x]! + 2 * rowBlur[i]! + rowBlur[down + x]! + 8) >> 4;
        if (first) {
          background[i] = value;
          raw[i] = 0;
          continue;
        }
        const bg = background[i]!;
        const shifted = bg + offset;
        const difference = value > shifted ? value - shifted : shifted - value;
        const level = difference > 255 ? 255 : difference | 0;
        histogram[level]!++;
        const isForeground = level > threshold ? 1 : 0;
        raw[i] = isForeground;
        foreground += isForeground;
        if (freezeMask[i] === 0) background[i] = bg + (value - bg) * (isForeground === 1 ? alphaForeground : alphaBackground);
      }
    }

    const pixels = width * height;
    this.lastForeground = first ? 0 : foreground / pixels;
    if (!first) this.currentThreshold = this.nextThreshold(pixels);
    if (!warming && this.lastForeground > this.options.suddenChangeFraction) {
      // A global change (light switched, camera moved, lens covered): relearn from this frame.
      this.resets++;
      this.relearn();
      this.mask.fill(0);
      return;
    }
    this.open(raw, this.mask);
  }

  /** Median of frame − background over a sparse grid (every 4th pixel of every 4th row). */
  private globalOffset(gray: Uint8Array): number {
    const { width, height, background, signedHistogram } = this;
    signedHistogram.fill(0);
    let samples = 0;
    for (let y = 1; y < height; y += 4) {
      const row = y * width;
      for (let x = 1; x < width; x += 4) {
        const difference = (gray[row + x]! - background[row + x]!) | 0;
        signedHistogram[difference + 255]!++;
        samples++;
      }
    }
    const half = samples >> 1;
    let seen = 0;
    for (let bin = 0; bin < 511; bin++) {
      seen += signedHistogram[bin]!;
      if (seen >= half) return bin - 255;
    }
    return 0;
  }

  /** The median absolute difference (mostly background pixels) estimates the noise sigma. */
  private nextThreshold(pixels: number): number {
    const half = pixels >> 1;
    let seen = 0;
    let median = 0;
    for (; median < 256; median++) {
      seen += this.histogram[median]!;
      if (seen >= half) break;
    }
    const sigma = 1.4826 * Math.max(median, 0.5);
    const wanted = this.options.noiseSigmas * sigma;
    return Math.min(60, Math.max(this.options.minThreshold, wanted));
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

  /** 3×3 opening (erode then dilate), separable, so speckle smaller than 3 px goes. */
  private open(source: Uint8Array, out: Uint8Array): void {
    const { width, height, scratch } = this;
    // Erode horizontally into scratch, vertically into out.
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const l = x > 0 ? source[row + x - 1]! : 0;
        const r = x + 1 < width ? source[row + x + 1]! : 0;
        scratch[row + x] = l & source[row + x]! & r;
      }
    }
    for (let y = 0; y < height; y++) {
      const row = y * width;
      const up = y > 0 ? row - width : -1;
      const down = y + 1 < height ? row + width : -1;
      for (let x = 0; x < width; x++) {
        out[row + x] = (up < 0 ? 0 : scratch[up + x]!) & scratch[row + x]! & (down < 0 ? 0 : scratch[down + x]!);
      }
    }
    // Dilate horizontally into scratch, vertically into out.
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const l = x > 0 ? out[row + x - 1]! : 0;
        const r = x + 1 < width ? out[row + x + 1]! : 0;
        scratch[row + x] = l | out[row + x]! | r;
      }
    }
    for (let y = 0; y < height; y++) {
      const row = y * width;
      const up = y > 0 ? row - width : -1;
      const down = y + 1 < height ? row + width : -1;
      for (let x = 0; x < width; x++) {
        out[row + x] = (up < 0 ? 0 : scratch[up + x]!) | scratch[row + x]! | (down < 0 ? 0 : scratch[down + x]!);
      }
    }
  }
}
