/**
 * 3×3 morphology on bit-packed masks: 32 pixels per Uint32 word, bit j of word k being pixel x = 32k + j
 * of a row. A shift moves a whole word of pixels one step, so a pass costs width/32 operations per row
 * instead of width: the "work on 32-bit words" trick. Pixels outside the image count as background.
 */
export function wordsPerRow(width: number): number {
  return (width + 31) >>> 5;
}

/** Horizontal 1×3 erosion (and = true) or dilation (and = false) of every row, source → out. */
export function horizontal3(source: Uint32Array, out: Uint32Array, words: number, rows: number, lastWordMask: number, and: boolean): void {
  for (let y = 0; y < rows; y++) {
    const row = y * words;
    let previous = 0;
    for (let k = 0; k < words; k++) {
      const word = source[row + k]!;
      const next = k + 1 < words ? source[row + k + 1]! : 0;
      const left = (word << 1) | (previous >>> 31);
      const right = (word >>> 1) | (next << 31);
      let value = and ? word & left & right : word | left | right;
      if (k === words - 1) value &= lastWordMask;
      out[row + k] = value;
      previous = word;
    }
  }
}

/** Vertical 3×1 erosion (and = true) or dilation (and = false), source → out. */
export function vertical3(source: Uint32Array, out: Uint32Array, words: number, rows: number, and: boolean): void {
  for (let y = 0; y < rows; y++) {
    const row = y * words;
    const up = y > 0 ? row - words : -1;
    const down = y + 1 < rows ? row + words : -1;
    for (let k = 0; k < words; k++) {
      const above = up < 0 ? 0 : source[up + k]!;
      const below = down < 0 ? 0 : source[down + k]!;
      const word = source[row + k]!;
      out[row + k] = and ? word & above & below : word | above | below;
    }
  }
}

/** Mask of the valid bits in a row's last word. */
export function lastWordMask(width: number): number {
  const used = width & 31;
  return used === 0 ? 0xffffffff | 0 : ((1 << used) - 1) | 0;
}

/** Expands packed bits to one byte (0/1) per pixel. */
export function unpackBits(bits: Uint32Array, out: Uint8Array, width: number, rows: number): void {
  const words = wordsPerRow(width);
  for (let y = 0; y < rows; y++) {
    const row = y * words;
    const outRow = y * width;
    for (let k = 0; k < words; k++) {
      let word = bits[row + k]!;
      const base = outRow + (k << 5);
      const end = Math.min(32, width - (k << 5));
      if (word === 0) {
        out.fill(0, base, base + end);
        continue;
      }
      for (let j = 0; j < end; j++) {
        out[base + j] = word & 1;
        word >>>= 1;
      }
    }
  }
}
