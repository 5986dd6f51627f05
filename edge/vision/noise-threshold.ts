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

/**
 * The first bin in [0, end) at which the running count of a histogram reaches `half` (its median when
 * half is half the samples), or `end` if it never does. The motion backends take both the exposure
 * offset and the noise level from histograms this way.
 */
export function medianBin(histogram: ArrayLike<number>, end: number, half: number): number {
  let seen = 0;
  for (let bin = 0; bin < end; bin++) {
    seen += histogram[bin]!;
    if (seen >= half) return bin;
  }
  return end;
}
