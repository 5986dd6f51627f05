/**
 * The frame's global gain against the background (frame ≈ gain × background): a cloud, dusk or the
 * camera's auto exposure scale the whole picture. Every motion backend estimates it the same way, as the
 * median of frame ÷ background over sparse samples, binned here, so their masks agree.
 */

import { medianBin } from './noise-threshold.js';

/** Bins per unit of gain: a resolution of 1/128 (under 1 gray level at 200). */
export const GAIN_BIN_SCALE = 128;
/** Gains from 0 to 4 (a quarter to four times the light) are told apart; beyond, they clamp. */
export const GAIN_BINS = 4 * GAIN_BIN_SCALE;
/** Background pixels darker than this are not sampled: noise swamps their ratio. */
export const GAIN_MIN_BACKGROUND = 16;

/** Fewer samples than this (a dark picture) and there is no gain to speak of: 1. */
export const MIN_GAIN_SAMPLES = 16;

/**
 * The median gain bin of frame ÷ background over every 4th pixel of every 4th row from (1, 1), pixels
 * whose background is too dark left out; GAIN_BINS when fewer than MIN_GAIN_SAMPLES are left. For the
 * backends with the background in JavaScript (the WASM kernel does the same in motion.as); `histogram` is
 * GAIN_BINS counts, reused.
 */
export function medianGainBin(gray: ArrayLike<number>, background: Float32Array, width: number, height: number, histogram: Uint32Array): number {
  histogram.fill(0);
  let samples = 0;
  for (let y = 1; y < height; y += 4) {
    const row = y * width;
    for (let x = 1; x < width; x += 4) {
      const bg = background[row + x]!;
      if (bg < GAIN_MIN_BACKGROUND) continue;
      histogram[gainBin(gray[row + x]!, bg)]!++;
      samples++;
    }
  }
  return samples < MIN_GAIN_SAMPLES ? GAIN_BINS : medianBin(histogram, GAIN_BINS, samples >> 1);
}

/** The bin of one sample's ratio (background ≥ GAIN_MIN_BACKGROUND). */
export function gainBin(frame: number, background: number): number {
  const bin = ((frame * GAIN_BIN_SCALE) / background) | 0;
  return bin < GAIN_BINS ? bin : GAIN_BINS - 1;
}

/** The gain a median bin stands for (its centre); medianBin's `end` (no median) reads as no change. */
export function gainOfBin(bin: number): number {
  return bin >= GAIN_BINS ? 1 : (bin + 0.5) / GAIN_BIN_SCALE;
}
