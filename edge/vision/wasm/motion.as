// AssemblyScript source of the WebAssembly motion kernel (motion.wasm), the hot loop of
// WasmMotionDetector (edge/vision/wasm-motion-detector.ts). Build: `npx tsx scripts/build-wasm.ts`.
//
// The extension is .as, not .ts, on purpose: tsconfig.json includes `edge`, and TypeScript would try to
// type-check (and tsconfig.build.json to emit) an AssemblyScript .ts file, whose types (i32, v128, …)
// and builtins (load<T>, v128.*) it does not know. The build script hands this text to the AssemblyScript
// compiler as `motion.ts`.
//
// It reproduces TsMotionDetector (edge/vision/ts-motion-detector.ts): the background is the same f32 per
// pixel; the per-pixel difference, threshold test and background update run in f32 lanes (f32x4), where
// the JavaScript computes in f64 and rounds the stored background to f32. So the background can differ
// from the TypeScript one in the last bit or so (relative 1e-7; the slow foreground rate, ≥ 1.8e-4 × 16
// levels per frame at 60 fps, is far above that), and a mask pixel can only differ when its |difference|
// is within about 1e-5 levels of the threshold: on the 1,699 frames of the real clip, no pixel differs.
// Doing the update in f64x2 instead reproduces the TypeScript bit for bit but costs about 35 % more per
// frame. The sparse global offset (truncation of gray − background) is done in f64, exactly.
//
// Memory: configure(width, height) lays out every buffer after the static data, growing the memory once;
// nothing is allocated afterwards, except the full-size source frame buffer that configureSource() adds
// once, behind the others, for downscale() (the pipeline's fused downscale of larger camera frames). All buffers have 16 bytes of slack on each side so 16-byte loads
// straddling a row end stay inside memory (their out-of-row lanes are overwritten by the scalar edge code).
//
// Bits: foreground as 32 pixels per u32 word (bit j of word k = pixel 32k + j, as in bit-morphology.ts),
// rows of `words` words separated by one zero guard word (row stride = words + 1), with a zero row above
// and below, so the 3×3 opening runs as flat v128 loops with no edge cases: a neighbour outside the
// image reads a zero guard, and `wordMask` (valid bits of each word, 0 on guards) keeps guards zero.

let width: i32 = 0;
let height: i32 = 0;
/** Full 16-pixel blocks per row; pixels from blocks * 16 on are the scalar tail. */
let blocks: i32 = 0;
let words: i32 = 0;
let stride: i32 = 0;
/** Words from the first image row's first word to the last image row's guard, rounded up to 4. */
let bitSpan: i32 = 0;

let grayPtr: usize = 0;
let rowBlurPtr: usize = 0;
let backgroundPtr: usize = 0;
let freezePtr: usize = 0;
let maskPtr: usize = 0;
let bitsPtr: usize = 0;
let scratchPtr: usize = 0;
let wordMaskPtr: usize = 0;
// Histograms come in four copies, filled in turn and summed when read: consecutive samples mostly hit
// the same bin, and one copy would chain every increment on the previous one's store.
let histogramPtr: usize = 0;
let signedHistogramPtr: usize = 0;
const HISTOGRAM_BYTES: usize = 256 << 2;
const SIGNED_HISTOGRAM_BYTES: usize = 512 << 2;
/**
 * detect()'s float parameters, written by the caller into memory (f64: threshold, background rate,
 * foreground rate): floats passed as call arguments from JavaScript are boxed, a heap object per frame.
 */
let paramsPtr: usize = 0;
const PARAMS_BYTES: usize = 3 << 3;
/** End of the buffers configure() lays out. */
let layoutEnd: usize = 0;

/** Start of a buffer after cursor: 16 bytes of slack, then 16-byte aligned. */
function place(cursor: usize): usize {
  return (cursor + 16 + 15) & ~(<usize>15);
}

/** End of a buffer of this size, with 16 bytes of slack. */
function after(start: usize, bytes: usize): usize {
  return start + bytes + 16;
}

/** Lays out the buffers for a width × height frame; returns false when the memory cannot grow. */
export function configure(w: i32, h: i32): bool {
  width = w;
  height = h;
  blocks = w >> 4;
  words = (w + 31) >>> 5;
  stride = words + 1;
  bitSpan = (h * stride + 3) & ~3;
  const pixels = <usize>(w * h);
  const bitWords = <usize>((h + 2) * stride + 8);
  let cursor: usize = __heap_base;
  grayPtr = place(cursor);
  cursor = after(grayPtr, pixels);
  rowBlurPtr = place(cursor);
  cursor = after(rowBlurPtr, pixels << 1);
  backgroundPtr = place(cursor);
  cursor = after(backgroundPtr, pixels << 2);
  freezePtr = place(cursor);
  cursor = after(freezePtr, pixels);
  maskPtr = place(cursor);
  cursor = after(maskPtr, pixels);
  bitsPtr = place(cursor);
  cursor = after(bitsPtr, bitWords << 2);
  scratchPtr = place(cursor);
  cursor = after(scratchPtr, bitWords << 2);
  wordMaskPtr = place(cursor);
  cursor = after(wordMaskPtr, bitWords << 2);
  histogramPtr = place(cursor);
  cursor = after(histogramPtr, HISTOGRAM_BYTES << 2);
  signedHistogramPtr = place(cursor);
  cursor = after(signedHistogramPtr, SIGNED_HISTOGRAM_BYTES << 2);
  paramsPtr = place(cursor);
  cursor = after(paramsPtr, PARAMS_BYTES);
  layoutEnd = cursor;
  const needed = <i32>((cursor + 0xffff) >>> 16);
  const have = memory.size();
  if (needed > have && memory.grow(needed - have) < 0) return false;
  memory.fill(__heap_base, 0, cursor - __heap_base);
  const used = w & 31;
  const last: u32 = used === 0 ? 0xffffffff : (<u32>1 << <u32>used) - 1;
  for (let y = 0; y < h; y++) {
    const row = wordMaskPtr + (<usize>((y + 1) * stride) << 2);
    for (let k = 0; k < words; k++) store<u32>(row + (<usize>k << 2), k === words - 1 ? last : 0xffffffff);
  }
  return true;
}

let sourceWidth: i32 = 0;
let sourceHeight: i32 = 0;
let factor: i32 = 0;
let sourcePtr: usize = 0;

/**
 * Lays out a source-frame buffer after the others (call after configure) for downscale(): frames of
 * sw × sh reduced by an integer factor to the working size. Returns false when the memory cannot grow.
 */
export function configureSource(sw: i32, sh: i32, f: i32): bool {
  if (f < 1 || sw < width * f || sh < height * f) return false;
  sourceWidth = sw;
  sourceHeight = sh;
  factor = f;
  sourcePtr = place(layoutEnd);
  const cursor = after(sourcePtr, <usize>(sw * sh));
  const needed = <i32>((cursor + 0xffff) >>> 16);
  const have = memory.size();
  if (needed > have && memory.grow(needed - have) < 0) return false;
  return true;
}

export function sourceOffset(): usize {
  return sourcePtr;
}

/**
 * Box-average downscale of the source frame into gray, exactly as downscaleBox (downscale.ts): each
 * working pixel is the rounded mean of a factor × factor block, (sum + area / 2) / area truncated. The
 * common factor 2 runs sixteen output pixels at a time: pairwise widening adds of the two source rows.
 */
export function downscale(): void {
  if (factor === 2) {
    const two = i16x8.splat(2);
    for (let y = 0; y < height; y++) {
      const top = sourcePtr + <usize>(2 * y * sourceWidth);
      const bottom = top + <usize>sourceWidth;
      const out = grayPtr + <usize>(y * width);
      for (let b = 0; b < blocks; b++) {
        const o = <usize>b << 5;
        const lo = i16x8.add(i16x8.add(i16x8.extadd_pairwise_i8x16_u(v128.load(top + o)), i16x8.extadd_pairwise_i8x16_u(v128.load(bottom + o))), two);
        const hi = i16x8.add(i16x8.add(i16x8.extadd_pairwise_i8x16_u(v128.load(top + o, 16)), i16x8.extadd_pairwise_i8x16_u(v128.load(bottom + o, 16))), two);
        v128.store(out + (<usize>b << 4), i8x16.narrow_i16x8_u(i16x8.shr_u(lo, 2), i16x8.shr_u(hi, 2)));
      }
      for (let x = blocks << 4; x < width; x++) {
        const i = <usize>(x << 1);
        const sum = <i32>load<u8>(top + i) + <i32>load<u8>(top + i + 1) + <i32>load<u8>(bottom + i) + <i32>load<u8>(bottom + i + 1);
        store<u8>(out + <usize>x, <u8>((sum + 2) >> 2));
      }
    }
    return;
  }
  const area = factor * factor;
  const half = area >> 1;
  for (let y = 0; y < height; y++) {
    const row = sourcePtr + <usize>(y * factor * sourceWidth);
    const out = grayPtr + <usize>(y * width);
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let at = row + <usize>(x * factor);
      for (let dy = 0; dy < factor; dy++) {
        for (let dx = 0; dx < factor; dx++) sum += <i32>load<u8>(at + <usize>dx);
        at += <usize>sourceWidth;
      }
      store<u8>(out + <usize>x, <u8>((sum + half) / area));
    }
  }
}

export function paramsOffset(): usize {
  return paramsPtr;
}

export function grayOffset(): usize {
  return grayPtr;
}
export function freezeOffset(): usize {
  return freezePtr;
}
export function maskOffset(): usize {
  return maskPtr;
}
export function backgroundOffset(): usize {
  return backgroundPtr;
}

/** Horizontal [1 2 1] of every row of gray into rowBlur (edges replicate), as TsMotionDetector.blurRows. */
export function blurRows(): void {
  for (let y = 0; y < height; y++) {
    const g = grayPtr + <usize>(y * width);
    const out = rowBlurPtr + (<usize>(y * width) << 1);
    for (let b = 0; b < blocks; b++) {
      const p = g + (<usize>b << 4);
      const left = v128.load(p - 1);
      const centre = v128.load(p);
      const right = v128.load(p + 1);
      const lo = i16x8.add(
        i16x8.add(i16x8.extend_low_i8x16_u(left), i16x8.extend_low_i8x16_u(right)),
        i16x8.shl(i16x8.extend_low_i8x16_u(centre), 1),
      );
      const hi = i16x8.add(
        i16x8.add(i16x8.extend_high_i8x16_u(left), i16x8.extend_high_i8x16_u(right)),
        i16x8.shl(i16x8.extend_high_i8x16_u(centre), 1),
      );
      const q = out + (<usize>b << 5);
      v128.store(q, lo);
      v128.store(q, hi, 16);
    }
    // The first and last pixels (replicated edges) and the tail, scalar.
    blurPixel(g, out, 0);
    for (let x = blocks << 4; x < width; x++) blurPixel(g, out, x);
    if (width > 1) blurPixel(g, out, width - 1);
  }
}

@inline function blurPixel(g: usize, out: usize, x: i32): void {
  const centre = <i32>load<u8>(g + <usize>x);
  const left = x > 0 ? <i32>load<u8>(g + <usize>(x - 1)) : centre;
  const right = x + 1 < width ? <i32>load<u8>(g + <usize>(x + 1)) : centre;
  store<u16>(out + (<usize>x << 1), <u16>(left + 2 * centre + right));
}

/** Vertical [1 2 1] of eight rowBlur values from rows up/row/down, rounded: u16x8 of blurred levels. */
@inline function vertical16(up: usize, row: usize, down: usize): v128 {
  const sum = i16x8.add(i16x8.add(v128.load(up), v128.load(down)), i16x8.shl(v128.load(row), 1));
  return i16x8.shr_u(i16x8.add(sum, i16x8.splat(8)), 4);
}

@inline function verticalScalar(up: usize, row: usize, down: usize, x: i32): i32 {
  const o = <usize>x << 1;
  return (<i32>load<u16>(up + o) + 2 * <i32>load<u16>(row + o) + <i32>load<u16>(down + o) + 8) >> 4;
}

/** The background becomes the blurred frame (first frame, and after a sudden global change). */
export function relearn(): void {
  for (let y = 0; y < height; y++) {
    const above: i32 = y > 0 ? y - 1 : 0;
    const below: i32 = y + 1 < height ? y + 1 : y;
    const up = rowBlurPtr + (<usize>(above * width) << 1);
    const row = rowBlurPtr + (<usize>(y * width) << 1);
    const down = rowBlurPtr + (<usize>(below * width) << 1);
    const bg = backgroundPtr + (<usize>(y * width) << 2);
    for (let b = 0; b < blocks; b++) {
      const o = <usize>b << 5;
      const v0 = vertical16(up + o, row + o, down + o);
      const v1 = vertical16(up + o + 16, row + o + 16, down + o + 16);
      const p = bg + (<usize>b << 6);
      v128.store(p, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(v0)));
      v128.store(p, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(v0)), 16);
      v128.store(p, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(v1)), 32);
      v128.store(p, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(v1)), 48);
    }
    for (let x = blocks << 4; x < width; x++) store<f32>(bg + (<usize>x << 2), <f32>verticalScalar(up, row, down, x));
  }
}

/** The mask (bytes and packed bits) becomes all background. */
export function clearMask(): void {
  memory.fill(maskPtr, 0, <usize>(width * height));
  memory.fill(bitsPtr, 0, <usize>((height + 2) * stride + 8) << 2);
}

/** Where the opened foreground bits are: row y's first word is at bitsOffset() + 4 × (y + 1) × bitStride(). */
export function bitsOffset(): usize {
  return bitsPtr;
}

/** Words per bit row: the image's words and one zero guard word. */
export function bitStride(): i32 {
  return stride;
}

/** Median of gray − background (truncated toward zero) on every 4th pixel of every 4th row from (1, 1). */
export function globalOffset(): i32 {
  memory.fill(signedHistogramPtr, 0, SIGNED_HISTOGRAM_BYTES << 2);
  let samples = 0;
  const n = blocks;
  const bias = i32x4.splat(255);
  for (let y = 1; y < height; y += 4) {
    const row = y * width;
    // Sixteen pixels hold four samples (x ≡ 1 mod 4): lanes 1, 5, 9, 13.
    for (let b = 0; b < n; b++) {
      const i = <usize>(row + (b << 4));
      const g = v128.load(grayPtr + i);
      const p = backgroundPtr + (i << 2);
      const bg01 = v128.shuffle<i32>(v128.load(p), v128.load(p, 16), 1, 5, 1, 5);
      const bg23 = v128.shuffle<i32>(v128.load(p, 32), v128.load(p, 48), 1, 5, 1, 5);
      const gray = i8x16.shuffle(g, i32x4.splat(0), 1, 16, 16, 16, 5, 16, 16, 16, 9, 16, 16, 16, 13, 16, 16, 16);
      const d01 = i32x4.trunc_sat_f64x2_s_zero(f64x2.sub(f64x2.convert_low_i32x4_s(gray), f64x2.promote_low_f32x4(bg01)));
      const d23 = i32x4.trunc_sat_f64x2_s_zero(f64x2.sub(f64x2.convert_low_i32x4_s(v128.shuffle<i32>(gray, gray, 2, 3, 2, 3)), f64x2.promote_low_f32x4(bg23)));
      const bins = i32x4.shl(i32x4.add(v128.shuffle<i64>(d01, d23, 0, 2), bias), 2);
      const h = signedHistogramPtr + <usize>i32x4.extract_lane(bins, 0);
      store<u32>(h, load<u32>(h) + 1);
      const h1 = signedHistogramPtr + SIGNED_HISTOGRAM_BYTES + <usize>i32x4.extract_lane(bins, 1);
      store<u32>(h1, load<u32>(h1) + 1);
      const h2 = signedHistogramPtr + 2 * SIGNED_HISTOGRAM_BYTES + <usize>i32x4.extract_lane(bins, 2);
      store<u32>(h2, load<u32>(h2) + 1);
      const h3 = signedHistogramPtr + 3 * SIGNED_HISTOGRAM_BYTES + <usize>i32x4.extract_lane(bins, 3);
      store<u32>(h3, load<u32>(h3) + 1);
    }
    if (n > 0) samples += n << 2;
    for (let x = (n << 4) + 1; x < width; x += 4) {
      const i = <usize>(row + x);
      const difference = <i32>(<f64>load<u8>(grayPtr + i) - <f64>load<f32>(backgroundPtr + (i << 2)));
      const bin = signedHistogramPtr + (<usize>(x & 12) << 9) + (<usize>(difference + 255) << 2);
      store<u32>(bin, load<u32>(bin) + 1);
      samples++;
    }
  }
  const half = samples >> 1;
  let seen = 0;
  for (let bin = 0; bin < 511; bin++) {
    const at = signedHistogramPtr + (<usize>bin << 2);
    seen += <i32>(load<u32>(at) + load<u32>(at, SIGNED_HISTOGRAM_BYTES) + load<u32>(at, 2 * SIGNED_HISTOGRAM_BYTES) + load<u32>(at, 3 * SIGNED_HISTOGRAM_BYTES));
    if (seen >= half) return bin - 255;
  }
  return 0;
}

/**
 * Four pixels in f32: difference against the shifted background, foreground decision, selective
 * background update (frozen lanes keep their value), and the noise-histogram sample of the first lane
 * when asked. Returns the foreground flags as an i32x4 mask.
 */
@inline function four(value: v128, p: usize, anyFrozen: bool, frozen: v128, offset: v128, threshold: v128, alphaBackground: v128, alphaForeground: v128, sample: bool, histogram: usize): v128 {
  const bg = v128.load(p);
  const d = f32x4.sub(f32x4.convert_i32x4_s(value), bg);
  const e = f32x4.abs(f32x4.sub(d, offset));
  const fg = f32x4.gt(e, threshold);
  if (sample) {
    const difference = f32x4.extract_lane(e, 0);
    const bin = histogram + (<usize>(difference > 255 ? 255 : <i32>difference) << 2);
    store<u32>(bin, load<u32>(bin) + 1);
  }
  const updated = f32x4.add(bg, f32x4.mul(d, v128.bitselect(alphaForeground, alphaBackground, fg)));
  v128.store(p, anyFrozen ? v128.bitselect(bg, updated, frozen) : updated);
  return fg;
}

/** Sixteen pixels (blurred levels v0, v1): their foreground flags as 16 bits. Constant flags specialise it. */
@inline function sixteen(v0: v128, v1: v128, p: usize, anyFrozen: bool, freeze: v128, offset: v128, threshold: v128, aB: v128, aF: v128, sample: bool): i32 {
  let z0 = freeze;
  let z1 = freeze;
  let z2 = freeze;
  let z3 = freeze;
  if (anyFrozen) {
    const frozen = i8x16.ne(freeze, i32x4.splat(0));
    const lo = i16x8.extend_low_i8x16_s(frozen);
    const hi = i16x8.extend_high_i8x16_s(frozen);
    z0 = i32x4.extend_low_i16x8_s(lo);
    z1 = i32x4.extend_high_i16x8_s(lo);
    z2 = i32x4.extend_low_i16x8_s(hi);
    z3 = i32x4.extend_high_i16x8_s(hi);
  }
  const m0 = four(i32x4.extend_low_i16x8_u(v0), p, anyFrozen, z0, offset, threshold, aB, aF, sample, histogramPtr);
  const m1 = four(i32x4.extend_high_i16x8_u(v0), p + 16, anyFrozen, z1, offset, threshold, aB, aF, sample, histogramPtr + HISTOGRAM_BYTES);
  const m2 = four(i32x4.extend_low_i16x8_u(v1), p + 32, anyFrozen, z2, offset, threshold, aB, aF, sample, histogramPtr + 2 * HISTOGRAM_BYTES);
  const m3 = four(i32x4.extend_high_i16x8_u(v1), p + 48, anyFrozen, z3, offset, threshold, aB, aF, sample, histogramPtr + 3 * HISTOGRAM_BYTES);
  return i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3)));
}

/**
 * Vertical blur, difference, threshold, noise histogram, background update and packed foreground bits in
 * one pass, as the main loop of TsMotionDetector.process; threshold and learning rates from the params
 * area (see paramsPtr). Returns the number of foreground pixels.
 */
export function detect(offsetLevels: i32): i32 {
  const thresholdLevels = load<f64>(paramsPtr);
  const alphaBackground = load<f64>(paramsPtr, 8);
  const alphaForeground = load<f64>(paramsPtr, 16);
  memory.fill(histogramPtr, 0, HISTOGRAM_BYTES << 2);
  const offset = f32x4.splat(<f32>offsetLevels);
  const threshold = f32x4.splat(<f32>thresholdLevels);
  const aB = f32x4.splat(<f32>alphaBackground);
  const aF = f32x4.splat(<f32>alphaForeground);
  const n = blocks;
  let foreground = 0;
  for (let y = 0; y < height; y++) {
    const above: i32 = y > 0 ? y - 1 : 0;
    const below: i32 = y + 1 < height ? y + 1 : y;
    const up = rowBlurPtr + (<usize>(above * width) << 1);
    const row = rowBlurPtr + (<usize>(y * width) << 1);
    const down = rowBlurPtr + (<usize>(below * width) << 1);
    const bg = backgroundPtr + (<usize>(y * width) << 2);
    const freeze = freezePtr + <usize>(y * width);
    const bitRow = bitsPtr + (<usize>((y + 1) * stride) << 2);
    const sample = (y & 1) === 0;
    for (let b = 0; b < n; b++) {
      const o = <usize>b << 5;
      const v0 = vertical16(up + o, row + o, down + o);
      const v1 = vertical16(up + o + 16, row + o + 16, down + o + 16);
      const f = v128.load(freeze + (<usize>b << 4));
      const p = bg + (<usize>b << 6);
      let flags: i32;
      if (v128.any_true(f)) {
        flags = sample ? sixteen(v0, v1, p, true, f, offset, threshold, aB, aF, true) : sixteen(v0, v1, p, true, f, offset, threshold, aB, aF, false);
      } else {
        flags = sample ? sixteen(v0, v1, p, false, f, offset, threshold, aB, aF, true) : sixteen(v0, v1, p, false, f, offset, threshold, aB, aF, false);
      }
      store<u16>(bitRow + (<usize>b << 1), <u16>flags);
      foreground += popcnt<i32>(flags);
    }
    // Tail pixels (width not a multiple of 16), scalar with the same f32 arithmetic as the lanes.
    const start = blocks << 4;
    if (start < width) {
      let word: u32 = 0;
      const offset32 = <f32>offsetLevels;
      const threshold32 = <f32>thresholdLevels;
      const aB32 = <f32>alphaBackground;
      const aF32 = <f32>alphaForeground;
      for (let x = start; x < width; x++) {
        const value = <f32>verticalScalar(up, row, down, x);
        const at = bg + (<usize>x << 2);
        const background = load<f32>(at);
        const d = value - background;
        const difference = abs<f32>(d - offset32);
        if (sample && (x & 3) === 0) {
          const bin = histogramPtr + (<usize>(difference > 255 ? 255 : <i32>difference) << 2);
          store<u32>(bin, load<u32>(bin) + 1);
        }
        const isForeground = difference > threshold32;
        if (isForeground) {
          word |= <u32>1 << <u32>(x - start);
          foreground++;
        }
        if (load<u8>(freeze + <usize>x) === 0) {
          store<f32>(at, background + d * (isForeground ? aF32 : aB32));
        }
      }
      // start is a multiple of 16: the tail fills the upper half of a word, or a whole last word.
      if ((start & 31) === 0) store<u32>(bitRow + (<usize>(start >> 5) << 2), word);
      else store<u16>(bitRow + (<usize>(start >> 4) << 1), <u16>word);
    }
  }
  return foreground;
}

/** Median bin of the last frame's noise histogram (the median absolute difference, truncated). */
export function noiseMedian(): i32 {
  let samples = 0;
  for (let bin = 0; bin < 256; bin++) {
    const at = histogramPtr + (<usize>bin << 2);
    const count = load<u32>(at) + load<u32>(at, HISTOGRAM_BYTES) + load<u32>(at, 2 * HISTOGRAM_BYTES) + load<u32>(at, 3 * HISTOGRAM_BYTES);
    store<u32>(at, count);
    samples += <i32>count;
  }
  const half = samples >> 1;
  let seen = 0;
  let median = 0;
  for (; median < 256; median++) {
    seen += <i32>load<u32>(histogramPtr + (<usize>median << 2));
    if (seen >= half) break;
  }
  return median;
}

/** Horizontal 1×3 erosion (and) or dilation, four words at a time; guard words stay zero. */
function horizontal3(source: usize, out: usize, and: bool): void {
  const first = <usize>stride << 2;
  const end = first + (<usize>bitSpan << 2);
  for (let o = first; o < end; o += 16) {
    const word = v128.load(source + o);
    const left = v128.or(i32x4.shl(word, 1), i32x4.shr_u(v128.load(source + o - 4), 31));
    const right = v128.or(i32x4.shr_u(word, 1), i32x4.shl(v128.load(source + o + 4), 31));
    const value = and ? v128.and(v128.and(word, left), right) : v128.or(v128.or(word, left), right);
    v128.store(out + o, v128.and(value, v128.load(wordMaskPtr + o)));
  }
}

/** Vertical 3×1 erosion (and) or dilation; the zero rows above and below stand for outside pixels. */
function vertical3(source: usize, out: usize, and: bool): void {
  const first = <usize>stride << 2;
  const end = first + (<usize>bitSpan << 2);
  const rowBytes = <usize>stride << 2;
  for (let o = first; o < end; o += 16) {
    const word = v128.load(source + o);
    const above = v128.load(source + o - rowBytes);
    const below = v128.load(source + o + rowBytes);
    const value = and ? v128.and(v128.and(word, above), below) : v128.or(v128.or(word, above), below);
    v128.store(out + o, v128.and(value, v128.load(wordMaskPtr + o)));
  }
}

/** 3×3 opening of the foreground bits (erode, then dilate), then unpacking to the 0/1 byte mask. */
export function openAndUnpack(): void {
  horizontal3(bitsPtr, scratchPtr, true);
  vertical3(scratchPtr, bitsPtr, true);
  horizontal3(bitsPtr, scratchPtr, false);
  vertical3(scratchPtr, bitsPtr, false);
  const spread = i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  const bit = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  const one = i8x16.splat(1);
  const zero = i32x4.splat(0);
  for (let y = 0; y < height; y++) {
    const bitRow = bitsPtr + (<usize>((y + 1) * stride) << 2);
    const out = maskPtr + <usize>(y * width);
    for (let b = 0; b < blocks; b++) {
      const flags = <i32>load<u16>(bitRow + (<usize>b << 1));
      const p = out + (<usize>b << 4);
      if (flags === 0) {
        v128.store(p, zero);
        continue;
      }
      const spreadFlags = i8x16.swizzle(i16x8.splat(<i16>flags), spread);
      v128.store(p, i8x16.min_u(v128.and(spreadFlags, bit), one));
    }
    for (let x = blocks << 4; x < width; x++) {
      const word = load<u32>(bitRow + (<usize>(x >> 5) << 2));
      store<u8>(out + <usize>x, <u8>((word >>> <u32>(x & 31)) & 1));
    }
  }
}
