/**
 * Box-average downscale by an integer factor (each output pixel is the mean of a factor×factor block):
 * the cheapest resampling that does not alias sensor noise into the working image.
 */
export function downscaleBox(source: Uint8Array, sourceWidth: number, factor: number, out: Uint8Array, outWidth: number, outHeight: number): void {
  if (factor === 1) {
    for (let i = 0, n = outWidth * outHeight; i < n; i++) out[i] = source[i]!;
    return;
  }
  if (factor === 2) {
    downscaleBy2(source, sourceWidth, out, outWidth, outHeight);
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

/** The common case (640×480 → 320×240) without the generic inner loops: two source rows per output row. */
function downscaleBy2(source: Uint8Array, sourceWidth: number, out: Uint8Array, outWidth: number, outHeight: number): void {
  for (let y = 0; y < outHeight; y++) {
    let top = 2 * y * sourceWidth;
    let bottom = top + sourceWidth;
    const outRow = y * outWidth;
    for (let x = 0; x < outWidth; x++) {
      out[outRow + x] = (source[top]! + source[top + 1]! + source[bottom]! + source[bottom + 1]! + 2) >> 2;
      top += 2;
      bottom += 2;
    }
  }
}

/** The smallest integer factor that brings the width to at most maxWidth. */
export function downscaleFactor(sourceWidth: number, maxWidth: number): number {
  return Math.max(1, Math.ceil(sourceWidth / maxWidth));
}
