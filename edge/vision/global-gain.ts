/**
 * The frame's global gain against the background (frame ≈ gain × background): a cloud, dusk or the
 * camera's auto exposure scale the whole picture. Every motion backend estimates it the same way, as the
 * median of frame ÷ background over sparse samples, binned here, so their masks agree.
 */

/** Bins per unit of gain: a resolution of 1/128 (under 1 gray level at 200). */
export const GAIN_BIN_SCALE = 128;
/** Gains from 0 to 4 (a quarter to four times the light) are told apart; beyond, they clamp. */
export const GAIN_BINS = 4 * GAIN_BIN_SCALE;
/** Background pixels darker than this are not sampled: noise swamps their ratio. */
export const GAIN_MIN_BACKGROUND = 16;

/** Fewer samples than this (a dark picture) and there is no gain to speak of: 1. */
export const MIN_GAIN_SAMPLES = 16;

/** The bin of one sample's ratio (background ≥ GAIN_MIN_BACKGROUND). */
export function gainBin(frame: number, background: number): number {
  const bin = ((frame * GAIN_BIN_SCALE) / background) | 0;
  return bin < GAIN_BINS ? bin : GAIN_BINS - 1;
}

/** The gain a median bin stands for (its centre); medianBin's `end` (no median) reads as no change. */
export function gainOfBin(bin: number): number {
  return bin >= GAIN_BINS ? 1 : (bin + 0.5) / GAIN_BIN_SCALE;
}
