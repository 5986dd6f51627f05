/** Highest threshold on |frame − background|: beyond it, real vehicles would be missed, not noise removed. */
const MAX_THRESHOLD = 60;

/**
 * The foreground threshold every motion backend uses: noiseSigmas × σ, with σ estimated robustly from
 * the median absolute difference of mostly-background pixels (σ ≈ 1.4826 · MAD for Gaussian noise),
 * clamped to [minThreshold, 60]. One rule, so the backends' masks agree.
 */
export function noiseThreshold(medianAbsDifference: number, noiseSigmas: number, minThreshold: number): number {
  const sigma = 1.4826 * Math.max(medianAbsDifference, 0.5);
  return Math.min(MAX_THRESHOLD, Math.max(minThreshold, noiseSigmas * sigma));
}
