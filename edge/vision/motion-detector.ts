import type { BlobList } from './blob-list.js';

/**
 * The motion stage of the frame loop, behind one interface so the pure TypeScript backend and the
 * OpenCV backend are interchangeable: working-size gray frame in, 0/1 foreground mask out.
 */
export type MotionBackendName = 'ts' | 'wasm' | 'opencv';

export interface MotionDetector {
  readonly backend: MotionBackendName;
  readonly width: number;
  readonly height: number;
  /** The foreground mask of the last frame: width*height bytes, 1 = foreground. */
  readonly mask: Uint8Array;
  /**
   * The same mask packed 32 pixels to a word, where the backend has it (WASM): connected components
   * then skip background 32 pixels at a time. Current after every process().
   */
  readonly packedMask?: PackedMask;
  /**
   * Optional: the mask's 8-connected regions of at least minArea pixels, labelled in the backend (WASM)
   * exactly as ConnectedComponents.labelBits labels packedMask, into `blobs` (largest kept when full).
   * Returns true when `blobs` overflowed. Current after every process(); where absent, the pipeline
   * labels the mask itself.
   */
  labelForeground?(minArea: number, blobs: BlobList): boolean;
  /**
   * Pixels (1) where the background must not learn, e.g. lane zones whose signal is red, so queued
   * vehicles stay foreground. Written by the caller between frames.
   */
  readonly freezeMask: Uint8Array;
  /**
   * Processes one working-size frame taken interval[0] ms after the previous one. The interval comes in a
   * typed array because a float argument to a call that is not inlined is boxed, garbage every frame.
   */
  process(gray: Uint8Array, interval: Float64Array): void;
  /**
   * Optional fused path: box-downscales a sourceWidth × sourceHeight frame by `factor` (exactly as
   * downscaleBox) to the working size and processes it, in one call. Backends without it are fed
   * downscaleBox's output through process().
   */
  processSource?(source: Uint8Array, sourceWidth: number, sourceHeight: number, factor: number, interval: Float64Array): void;
  /**
   * Replaces the whole background with a working-size gray image, blurred as a frame is (for example a
   * bootstrap's per-pixel median of frames, which vehicles passing through do not reach).
   */
  seedBackground(gray: Uint8Array): void;
  /** Fraction of pixels that were foreground in the last frame (before morphology). */
  foregroundFraction(): number;
  /** The threshold on |frame − background| used for the last frame. */
  threshold(): number;
  /** How many times the model was reset after a sudden global change (light switch, tamper). */
  suddenChanges(): number;
}

/**
 * A foreground mask packed 32 pixels to a 32-bit word (signed, as JavaScript's bit operators are): bit j of word k of a row is pixel x = 32k + j (as in
 * bit-morphology.ts); bits at x ≥ width are 0. Row y starts at words[firstWord + y × rowStride].
 */
export interface PackedMask {
  readonly words: Int32Array;
  readonly firstWord: number;
  readonly rowStride: number;
}

export interface MotionOptions {
  width: number;
  height: number;
  /** Time constant of background learning under background pixels, s. */
  backgroundTauS?: number;
  /** Time constant under foreground pixels, s: slow, so stopped vehicles persist for a while. */
  foregroundTauS?: number;
  /** Fast learning for the first seconds, to build the background. */
  warmupS?: number;
  /** Lowest threshold on |frame − background|, gray levels. */
  minThreshold?: number;
  /** The threshold is this many noise sigmas (estimated from the median absolute difference). */
  noiseSigmas?: number;
  /** Foreground fraction above which the change is global (light, tamper) and the model resets. */
  suddenChangeFraction?: number;
}

export const MOTION_DEFAULTS = {
  backgroundTauS: 4,
  foregroundTauS: 90,
  warmupS: 1.5,
  minThreshold: 16,
  noiseSigmas: 4,
  suddenChangeFraction: 0.4,
} as const;

/** An interval for MotionDetector.process(): ms since the previous frame (for callers that do not reuse one). */
export function intervalOf(ms: number): Float64Array {
  return Float64Array.of(ms);
}
