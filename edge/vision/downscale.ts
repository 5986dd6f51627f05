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
  if ((sourceWidth & 3) === 0 && (source.byteOffset & 3) === 0 && (outWidth & 1) === 0) {
    downscaleBy2Words(source, sourceWidth, out, outWidth, outHeight);
    return;
  }
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

/** 32-bit views of the frame buffers seen so far (a camera cycles through a few), made once each. */
const wordViews = new WeakMap<Uint8Array, Uint32Array>();

/**
 * The same on 32-bit words: one read takes 4 pixels of a row, and masking splits them into two 16-bit
 * lanes of pair sums, so two output pixels cost two reads and a few integer operations (SWAR).
 */
function downscaleBy2Words(source: Uint8Array, sourceWidth: number, out: Uint8Array, outWidth: number, outHeight: number): void {
  let words = wordViews.get(source);
  if (words === undefined) {
    words = new Uint32Array(source.buffer, source.byteOffset, source.length >>> 2);
    wordViews.set(source, words);
  }
  const rowWords = sourceWidth >>> 2;
  const pairs = outWidth >>> 1;
  for (let y = 0; y < outHeight; y++) {
    let top = 2 * y * rowWords;
    let bottom = top + rowWords;
    let o = y * outWidth;
    for (let k = 0; k < pairs; k++) {
      const a = words[top++]!;
      const b = words[bottom++]!;
      // Lanes: bits 0-15 hold pixels 0+1, bits 16-31 pixels 2+3 (little-endian byte order).
      const sums = (a & 0x00ff00ff) + ((a >>> 8) & 0x00ff00ff) + (b & 0x00ff00ff) + ((b >>> 8) & 0x00ff00ff) + 0x00020002;
      out[o++] = (sums >>> 2) & 0xff;
      out[o++] = (sums >>> 18) & 0xff;
    }
  }
}

/** The smallest integer factor that brings the width to at most maxWidth. */
export function downscaleFactor(sourceWidth: number, maxWidth: number): number {
  return Math.max(1, Math.ceil(sourceWidth / maxWidth));
}
