/**
 * Box-average downscale by an integer factor (each output pixel is the mean of a factor×factor block):
 * the cheapest resampling that does not alias sensor noise into the working image.
 */
export function downscaleBox(source: Uint8Array, sourceWidth: number, factor: number, out: Uint8Array, outWidth: number, outHeight: number): void {
  if (factor === 1) {
    for (let i = 0, n = outWidth * outHeight; i < n; i++) out[i] = source[i]!;
    return;
  }
  const area = factor * factor;
  const half = area >> 1;
  for (let y = 0; y < outHeight; y++) {
    const sourceRow = y * factor * sourceWidth;
    const outRow = y * outWidth;
    for (let x = 0; x < outWidth; x++) {
      let sum = 0;
      let index = sourceRow + x * factor;
      for (let dy = 0; dy < factor; dy++) {
        for (let dx = 0; dx < factor; dx++) sum += source[index + dx]!;
        index += sourceWidth;
      }
      out[outRow + x] = ((sum + half) / area) | 0;
    }
  }
}

/** The smallest integer factor that brings the width to at most maxWidth. */
export function downscaleFactor(sourceWidth: number, maxWidth: number): number {
  return Math.max(1, Math.ceil(sourceWidth / maxWidth));
}
