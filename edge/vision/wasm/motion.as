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
// frame. The sparse global gain's bins (truncation of gray × 128 ÷ background) are computed in f64, exactly.
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
//
// Per frame (WasmMotionDetector): [downscale()], globalGain(), detect() (row blur just ahead of the
// vertical pass, in three rows of scratch), noiseMedian(), openAndUnpack(), then labelComponents() for the
// pipeline's connected components, read in place from the region arrays. Where the time went at 320×240
// (real clip, median per frame): detect ≈ 48 µs (f32 arithmetic bound: without the background store it
// is 9 µs less), components ≈ 9 µs, offset ≈ 5 µs, opening and unpacking ≈ 5.5 µs, medians ≈ 1 µs.

let width: i32 = 0;
let height: i32 = 0;
/** Full 16-pixel blocks per row; pixels from blocks * 16 on are the scalar tail. */
let blocks: i32 = 0;
let words: i32 = 0;
let stride: i32 = 0;
/** Words from the first image row's first word to the last image row's guard, rounded up to 4. */
let bitSpan: i32 = 0;

let grayPtr: usize = 0;
/**
 * Three rows of the horizontal [1 2 1] blur (u16), used in turn: detect() and relearn() blur each gray row
 * just before the vertical pass needs it, so the row blur stays in L1 instead of a frame-sized pass.
 */
let rowBlurPtr: usize = 0;
let rowBlurBytes: usize = 0;
let backgroundPtr: usize = 0;
let freezePtr: usize = 0;
let maskPtr: usize = 0;
let bitsPtr: usize = 0;
let scratchPtr: usize = 0;
/** Per row, 1 while the byte mask's row may hold foreground: openAndUnpack() leaves rows that stay empty alone. */
let maskRowsSetPtr: usize = 0;
let wordMaskPtr: usize = 0;
// The medians (global gain, noise level) are taken from samples stored four at a time with SIMD and
// counted with SIMD compares, instead of a histogram: a scalar load-add-store per sample cost about a
// quarter of detect().
/** globalGain()'s samples, i16 each: the gain bin of gray ÷ background, or NO_GAIN_SAMPLE. */
let gainSamplesPtr: usize = 0;
let gainSampleCount: i32 = 0;
/** detect()'s noise samples, one byte each: the truncated |difference|, at most 255. */
let noiseSamplesPtr: usize = 0;
let noiseSampleCount: i32 = 0;
/**
 * detect()'s float parameters, written by the caller into memory (f64: threshold, background rate ÷ gain,
 * foreground rate ÷ gain, gain): floats passed as call arguments from JavaScript are boxed, a heap object
 * per frame.
 */
let paramsPtr: usize = 0;
const PARAMS_BYTES: usize = 4 << 3;
/**
 * Connected components of the opened bits (labelComponents): runs of set bits (start, end, row) and
 * their union-find parents, per-region sums indexed by a region's first run, and the list of regions
 * kept. At most one run per two pixels, plus one.
 */
let maxRuns: i32 = 0;
let runStartPtr: usize = 0;
let runEndPtr: usize = 0;
let runRowPtr: usize = 0;
let parentPtr: usize = 0;
let regionAreaPtr: usize = 0;
let regionMinXPtr: usize = 0;
let regionMinYPtr: usize = 0;
let regionMaxXPtr: usize = 0;
let regionMaxYPtr: usize = 0;
let regionSumXPtr: usize = 0;
let regionSumYPtr: usize = 0;
let regionListPtr: usize = 0;
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
  rowBlurBytes = (<usize>(w << 1) + 31) & ~(<usize>15);
  rowBlurPtr = place(cursor);
  cursor = after(rowBlurPtr, rowBlurBytes * 3);
  backgroundPtr = place(cursor);
  cursor = after(backgroundPtr, pixels << 2);
  freezePtr = place(cursor);
  cursor = after(freezePtr, pixels);
  maskPtr = place(cursor);
  cursor = after(maskPtr, pixels);
  bitsPtr = place(cursor);
  cursor = after(bitsPtr, bitWords << 2);
  maskRowsSetPtr = place(cursor);
  cursor = after(maskRowsSetPtr, <usize>h);
  scratchPtr = place(cursor);
  cursor = after(scratchPtr, bitWords << 2);
  wordMaskPtr = place(cursor);
  cursor = after(wordMaskPtr, bitWords << 2);
  noiseSamplesPtr = place(cursor);
  // Every 4th pixel of every 2nd row, rounded up: at most pixels / 8 + width + height.
  cursor = after(noiseSamplesPtr, (pixels >> 3) + <usize>(w + h));
  gainSamplesPtr = place(cursor);
  // Every 4th pixel of every 4th row, rounded up, two bytes each.
  cursor = after(gainSamplesPtr, ((pixels >> 4) + <usize>(w + h)) << 1);
  paramsPtr = place(cursor);
  cursor = after(paramsPtr, PARAMS_BYTES);
  maxRuns = ((w + 1) >> 1) * h + 1;
  const runWords = <usize>maxRuns << 2;
  runStartPtr = place(cursor);
  cursor = after(runStartPtr, runWords);
  runEndPtr = place(cursor);
  cursor = after(runEndPtr, runWords);
  runRowPtr = place(cursor);
  cursor = after(runRowPtr, runWords);
  parentPtr = place(cursor);
  cursor = after(parentPtr, runWords);
  regionAreaPtr = place(cursor);
  cursor = after(regionAreaPtr, runWords);
  regionMinXPtr = place(cursor);
  cursor = after(regionMinXPtr, runWords);
  regionMinYPtr = place(cursor);
  cursor = after(regionMinYPtr, runWords);
  regionMaxXPtr = place(cursor);
  cursor = after(regionMaxXPtr, runWords);
  regionMaxYPtr = place(cursor);
  cursor = after(regionMaxYPtr, runWords);
  regionSumXPtr = place(cursor);
  cursor = after(regionSumXPtr, runWords << 1);
  regionSumYPtr = place(cursor);
  cursor = after(regionSumYPtr, runWords << 1);
  regionListPtr = place(cursor);
  cursor = after(regionListPtr, runWords);
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

/** Where row y's horizontal blur is kept (one of three). */
@inline function rowBlurOf(y: i32): usize {
  return rowBlurPtr + rowBlurBytes * <usize>(y % 3);
}

/** Horizontal [1 2 1] of gray row y into its row-blur slot (edges replicate), as TsMotionDetector.blurRows. */
function blurRow(y: i32): void {
  const g = grayPtr + <usize>(y * width);
  const out = rowBlurOf(y);
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

/**
 * Before the vertical pass of row y: blurs rows 0 and 1 at the first row, then row y + 1 (into the slot
 * of row y − 2, no longer needed).
 */
@inline function blurAhead(y: i32): void {
  if (y === 0) {
    blurRow(0);
    if (height > 1) blurRow(1);
  } else if (y + 1 < height) {
    blurRow(y + 1);
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
    blurAhead(y);
    const above: i32 = y > 0 ? y - 1 : 0;
    const below: i32 = y + 1 < height ? y + 1 : y;
    const up = rowBlurOf(above);
    const row = rowBlurOf(y);
    const down = rowBlurOf(below);
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
  memory.fill(maskRowsSetPtr, 0, <usize>height);
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

// The global gain's bins, as edge/vision/global-gain.ts: bin = trunc(gray × GAIN_BIN_SCALE ÷ background)
// clamped to GAIN_BINS − 1, sampled where the background is at least GAIN_MIN_BACKGROUND.
const GAIN_BIN_SCALE: f64 = 128;
const GAIN_BINS: i32 = 512;
const GAIN_MIN_BACKGROUND: f32 = 16;
/** A sample too dark to say anything: above every bin, so it never counts toward a median. */
const NO_GAIN_SAMPLE: i32 = 0x7fff;
/** Fewer valid samples than this and there is no gain to speak of (the caller keeps 1). */
const MIN_GAIN_SAMPLES: i32 = 16;

/** The gain bin of one sample, as gainBin() in global-gain.ts (in f64, so the bins agree exactly). */
@inline function gainSample(gray: i32, background: f32): i32 {
  if (background < GAIN_MIN_BACKGROUND) return NO_GAIN_SAMPLE;
  const bin = <i32>((<f64>gray * GAIN_BIN_SCALE) / <f64>background);
  return bin < GAIN_BINS ? bin : GAIN_BINS - 1;
}

/**
 * The median gain bin of gray ÷ background on every 4th pixel of every 4th row from (1, 1), as
 * medianGainBin() in global-gain.ts; GAIN_BINS when too few pixels are bright enough to sample.
 */
export function globalGain(): i32 {
  let samples = gainSamplesPtr;
  const n = blocks;
  const scale = f64x2.splat(GAIN_BIN_SCALE);
  const lastBin = i32x4.splat(GAIN_BINS - 1);
  const none = i32x4.splat(NO_GAIN_SAMPLE);
  const darkest = f32x4.splat(GAIN_MIN_BACKGROUND);
  for (let y = 1; y < height; y += 4) {
    const row = y * width;
    // Sixteen pixels hold four samples (x ≡ 1 mod 4): lanes 1, 5, 9, 13; the ratio in f64, as gainSample().
    for (let b = 0; b < n; b++) {
      const i = <usize>(row + (b << 4));
      const g = v128.load(grayPtr + i);
      const p = backgroundPtr + (i << 2);
      const bg01 = v128.shuffle<i32>(v128.load(p), v128.load(p, 16), 1, 5, 1, 5);
      const bg23 = v128.shuffle<i32>(v128.load(p, 32), v128.load(p, 48), 1, 5, 1, 5);
      const gray = i8x16.shuffle(g, i32x4.splat(0), 1, 16, 16, 16, 5, 16, 16, 16, 9, 16, 16, 16, 13, 16, 16, 16);
      const r01 = f64x2.div(f64x2.mul(f64x2.convert_low_i32x4_s(gray), scale), f64x2.promote_low_f32x4(bg01));
      const r23 = f64x2.div(f64x2.mul(f64x2.convert_low_i32x4_s(v128.shuffle<i32>(gray, gray, 2, 3, 2, 3)), scale), f64x2.promote_low_f32x4(bg23));
      const bins = i32x4.min_s(v128.shuffle<i64>(i32x4.trunc_sat_f64x2_s_zero(r01), i32x4.trunc_sat_f64x2_s_zero(r23), 0, 2), lastBin);
      const dark = f32x4.lt(v128.shuffle<i32>(bg01, bg23, 0, 1, 4, 5), darkest);
      const kept = v128.bitselect(none, bins, dark);
      v128.store64_lane(samples, i16x8.narrow_i32x4_s(kept, kept), 0);
      samples += 8;
    }
    for (let x = (n << 4) + 1; x < width; x += 4) {
      const i = <usize>(row + x);
      store<i16>(samples, <i16>gainSample(<i32>load<u8>(grayPtr + i), load<f32>(backgroundPtr + (i << 2))));
      samples += 2;
    }
  }
  gainSampleCount = <i32>((samples - gainSamplesPtr) >> 1);
  const valid = samplesAtMost(true, gainSampleCount, GAIN_BINS - 1);
  if (valid < MIN_GAIN_SAMPLES) return GAIN_BINS;
  const bin = medianLevel(true, gainSampleCount, valid >> 1, 0, GAIN_BINS - 1, lastGainBin);
  lastGainBin = bin;
  return bin;
}

/** The last medians: both change slowly, so checking the last and the level below usually settles the next. */
let lastGainBin: i32 = <i32>GAIN_BIN_SCALE;
let lastNoiseMedian: i32 = 0;

/** How many of the n samples (bytes, or i16 when `wide`) are at most `level`: SIMD compares. */
function samplesAtMost(wide: bool, n: i32, level: i32): i32 {
  const start = wide ? gainSamplesPtr : noiseSamplesPtr;
  const perVector = wide ? 8 : 16;
  const full = n & ~(perVector - 1);
  const end = start + (<usize>full << (wide ? 1 : 0));
  // Each compare gives -1 per match, summed pairwise into i32 lanes.
  let counts = i32x4.splat(0);
  if (wide) {
    const limit = i16x8.splat(<i16>level);
    for (let at = start; at < end; at += 16) counts = i32x4.sub(counts, i32x4.extadd_pairwise_i16x8_s(i16x8.le_s(v128.load(at), limit)));
  } else {
    const limit = i8x16.splat(<i8>level);
    for (let at = start; at < end; at += 16) counts = i32x4.sub(counts, i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(i8x16.le_u(v128.load(at), limit))));
  }
  let count = i32x4.extract_lane(counts, 0) + i32x4.extract_lane(counts, 1) + i32x4.extract_lane(counts, 2) + i32x4.extract_lane(counts, 3);
  for (let i = full; i < n; i++) {
    const value = wide ? <i32>load<i16>(start + (<usize>i << 1)) : <i32>load<u8>(start + <usize>i);
    if (value <= level) count++;
  }
  return count;
}

/**
 * The first level in [lowest, highest] whose running count reaches `half` of the n samples, as a
 * histogram's median bin: bisection from `guess` (the last median), two counts when it has not moved.
 */
function medianLevel(wide: bool, n: i32, half: i32, lowest: i32, highest: i32, guess: i32): i32 {
  let low = lowest;
  let high = highest;
  if (samplesAtMost(wide, n, guess) >= half) {
    if (guess === lowest || samplesAtMost(wide, n, guess - 1) < half) return guess;
    high = guess - 1;
  } else {
    low = guess + 1;
  }
  // The answer is in [low, high]: count(highest) reaches half (half of the samples at most highest).
  while (low < high) {
    const middle = (low + high) >> 1;
    if (samplesAtMost(wide, n, middle) >= half) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * Four pixels in f32: difference against the background scaled by the gain, foreground decision
 * (|difference| > threshold, recomputed by the caller from the returned value) and selective background
 * update (frozen lanes keep their value; the rates come divided by the gain, so the background learns
 * the frame ÷ gain). Returns the |difference| lanes.
 */
@inline function four(value: v128, p: usize, anyFrozen: bool, frozen: v128, gain: v128, threshold: v128, alphaBackground: v128, alphaSwitch: v128): v128 {
  const bg = v128.load(p);
  const d = f32x4.sub(f32x4.convert_i32x4_s(value), f32x4.mul(bg, gain));
  const e = f32x4.abs(d);
  const fg = f32x4.gt(e, threshold);
  // The foreground rate where fg: alphaSwitch is the bitwise xor of the two rates (one op fewer than a select).
  const updated = f32x4.add(bg, f32x4.mul(d, v128.xor(alphaBackground, v128.and(fg, alphaSwitch))));
  v128.store(p, anyFrozen ? v128.bitselect(bg, updated, frozen) : updated);
  return e;
}

/**
 * Sixteen pixels (blurred levels v0, v1): their foreground flags as 16 bits. When `sample`, the noise
 * samples of pixels 0, 4, 8 and 12 go to the four bytes at `samples`. Constant flags specialise it.
 */
@inline function sixteen(v0: v128, v1: v128, p: usize, anyFrozen: bool, freeze: v128, gain: v128, threshold: v128, aB: v128, aSwitch: v128, sample: bool, samples: usize): i32 {
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
  const e0 = four(i32x4.extend_low_i16x8_u(v0), p, anyFrozen, z0, gain, threshold, aB, aSwitch);
  const e1 = four(i32x4.extend_high_i16x8_u(v0), p + 16, anyFrozen, z1, gain, threshold, aB, aSwitch);
  const e2 = four(i32x4.extend_low_i16x8_u(v1), p + 32, anyFrozen, z2, gain, threshold, aB, aSwitch);
  const e3 = four(i32x4.extend_high_i16x8_u(v1), p + 48, anyFrozen, z3, gain, threshold, aB, aSwitch);
  if (sample) {
    // Lane 0 of each: min(e, 255) truncated (e ≥ 0), as bytes.
    const firsts = v128.shuffle<i32>(v128.shuffle<i32>(e0, e1, 0, 4, 0, 4), v128.shuffle<i32>(e2, e3, 0, 4, 0, 4), 0, 1, 4, 5);
    // floor(x) + 2^23 holds the integer x in its low mantissa byte (exact for 0 ≤ x < 2^23): cheaper
    // than the saturating conversions. pmin is min without NaN handling (e is never NaN).
    const levels = f32x4.add(f32x4.floor(f32x4.pmin(firsts, f32x4.splat(255))), f32x4.splat(8388608));
    v128.store32_lane(samples, i8x16.shuffle(levels, levels, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12), 0);
  }
  const m0 = f32x4.gt(e0, threshold);
  const m1 = f32x4.gt(e1, threshold);
  const m2 = f32x4.gt(e2, threshold);
  const m3 = f32x4.gt(e3, threshold);
  return i8x16.bitmask(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3)));
}

/**
 * Vertical blur, difference, threshold, noise samples, background update and packed foreground bits in
 * one pass, as the main loop of TsMotionDetector.process; threshold and learning rates from the params
 * area (see paramsPtr). Returns the number of foreground pixels.
 */
export function detect(): i32 {
  const thresholdLevels = load<f64>(paramsPtr);
  const alphaBackground = load<f64>(paramsPtr, 8);
  const alphaForeground = load<f64>(paramsPtr, 16);
  const gainValue = load<f64>(paramsPtr, 24);
  const gain = f32x4.splat(<f32>gainValue);
  const threshold = f32x4.splat(<f32>thresholdLevels);
  const aB = f32x4.splat(<f32>alphaBackground);
  const aSwitch = v128.xor(f32x4.splat(<f32>alphaForeground), aB);
  const n = blocks;
  let foreground = 0;
  let samples = noiseSamplesPtr;
  for (let y = 0; y < height; y++) {
    blurAhead(y);
    const above: i32 = y > 0 ? y - 1 : 0;
    const below: i32 = y + 1 < height ? y + 1 : y;
    const up = rowBlurOf(above);
    const row = rowBlurOf(y);
    const down = rowBlurOf(below);
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
        flags = sample ? sixteen(v0, v1, p, true, f, gain, threshold, aB, aSwitch, true, samples) : sixteen(v0, v1, p, true, f, gain, threshold, aB, aSwitch, false, 0);
      } else {
        flags = sample ? sixteen(v0, v1, p, false, f, gain, threshold, aB, aSwitch, true, samples) : sixteen(v0, v1, p, false, f, gain, threshold, aB, aSwitch, false, 0);
      }
      if (sample) samples += 4;
      store<u16>(bitRow + (<usize>b << 1), <u16>flags);
      foreground += popcnt<i32>(flags);
    }
    // Tail pixels (width not a multiple of 16), scalar with the same f32 arithmetic as the lanes.
    const start = blocks << 4;
    if (start < width) {
      let word: u32 = 0;
      const gain32 = <f32>gainValue;
      const threshold32 = <f32>thresholdLevels;
      const aB32 = <f32>alphaBackground;
      const aF32 = <f32>alphaForeground;
      for (let x = start; x < width; x++) {
        const value = <f32>verticalScalar(up, row, down, x);
        const at = bg + (<usize>x << 2);
        const background = load<f32>(at);
        const d = value - background * gain32;
        const difference = abs<f32>(d);
        if (sample && (x & 3) === 0) store<u8>(samples++, <u8>(difference > 255 ? 255 : <i32>difference));
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
  noiseSampleCount = <i32>(samples - noiseSamplesPtr);
  return foreground;
}

/** Median of the last frame's noise samples (the median absolute difference, truncated). */
export function noiseMedian(): i32 {
  const median = medianLevel(false, noiseSampleCount, noiseSampleCount >> 1, 0, 255, lastNoiseMedian);
  lastNoiseMedian = median;
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

/**
 * Whether a bit row has any set bit: four words a load (reading past the row's words into its guard and
 * the next row can only say yes for an empty row, never no for a row with foreground).
 */
@inline function rowHasBits(row: usize): bool {
  let any = v128.load(row);
  for (let k = 4; k < words; k += 4) any = v128.or(any, v128.load(row + (<usize>k << 2)));
  return v128.any_true(any);
}

/** 3×3 opening of the foreground bits (erode, then dilate), then unpacking to the 0/1 byte mask. */
export function openAndUnpack(): void {
  horizontal3(bitsPtr, scratchPtr, true);
  vertical3(scratchPtr, bitsPtr, true);
  horizontal3(bitsPtr, scratchPtr, false);
  vertical3(scratchPtr, bitsPtr, false);
  // Branchless, a word (32 pixels) at a time: mostly-empty words are not predictable enough to skip.
  const spreadLow = i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  const spreadHigh = i8x16(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const bit = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  const one = i8x16.splat(1);
  const pairs = blocks >> 1;
  for (let y = 0; y < height; y++) {
    const bitRow = bitsPtr + (<usize>((y + 1) * stride) << 2);
    const out = maskPtr + <usize>(y * width);
    // Most rows are empty, frame after frame: such a row is cleared once, then left alone.
    const rowSet = maskRowsSetPtr + <usize>y;
    if (!rowHasBits(bitRow)) {
      if (load<u8>(rowSet) !== 0) {
        memory.fill(out, 0, <usize>width);
        store<u8>(rowSet, 0);
      }
      continue;
    }
    store<u8>(rowSet, 1);
    for (let k = 0; k < pairs; k++) {
      const word = i32x4.splat(load<u32>(bitRow + (<usize>k << 2)));
      const p = out + (<usize>k << 5);
      v128.store(p, i8x16.min_u(v128.and(i8x16.swizzle(word, spreadLow), bit), one));
      v128.store(p, i8x16.min_u(v128.and(i8x16.swizzle(word, spreadHigh), bit), one), 16);
    }
    if (blocks & 1) {
      const word = i32x4.splat(<u32>load<u16>(bitRow + (<usize>pairs << 2)));
      v128.store(out + (<usize>pairs << 5), i8x16.min_u(v128.and(i8x16.swizzle(word, spreadLow), bit), one));
    }
    for (let x = blocks << 4; x < width; x++) {
      const word = load<u32>(bitRow + (<usize>(x >> 5) << 2));
      store<u8>(out + <usize>x, <u8>((word >>> <u32>(x & 31)) & 1));
    }
  }
}

@inline function i32At(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Root of a run's region, compressing the path (every parent precedes its child). */
@inline function findRoot(node: i32): i32 {
  let root = node;
  while (load<i32>(i32At(parentPtr, root)) !== root) root = load<i32>(i32At(parentPtr, root));
  while (load<i32>(i32At(parentPtr, node)) !== root) {
    const next = load<i32>(i32At(parentPtr, node));
    store<i32>(i32At(parentPtr, node), root);
    node = next;
  }
  return root;
}

/**
 * 8-connected regions of the opened foreground bits, as ConnectedComponents.labelBits
 * (connected-components.ts) computes them from the same bits: runs per row united with the touching runs
 * of the row above (union-find, the smaller run index the root), then per-region area, box and sums.
 * Returns how many regions have at least minArea pixels; their first runs are listed, in run order, at
 * regionListOffset(), and their statistics are at the region offsets indexed by that run.
 */
export function labelComponents(minArea: i32): i32 {
  let runs = 0;
  let previousRowFirst = 0;
  let previousRowEnd = 0;
  for (let y = 0; y < height; y++) {
    const rowFirst = runs;
    const row = bitsPtr + (<usize>((y + 1) * stride) << 2);
    let scan = previousRowFirst;
    // Rows without foreground are skipped on one test.
    for (let k = rowHasBits(row) ? 0 : words; k < words; k++) {
      let pending = load<u32>(row + (<usize>k << 2));
      while (pending !== 0) {
        const startBit = <i32>ctz(pending);
        const start = (k << 5) + startBit;
        // The run ends before the first clear bit at or after start; the row's zero guard word ends it at the latest.
        let clear = ~load<u32>(row + (<usize>k << 2)) & (<u32>0xffffffff << <u32>startBit);
        while (clear === 0) {
          k++;
          clear = ~load<u32>(row + (<usize>k << 2));
        }
        const endBit = <i32>ctz(clear);
        const end = min((k << 5) + endBit, width) - 1;
        const run = runs++;
        store<i32>(i32At(runStartPtr, run), start);
        store<i32>(i32At(runEndPtr, run), end);
        store<i32>(i32At(runRowPtr, run), y);
        // Previous-row runs ending left of this one cannot touch a later run of this row either.
        while (scan < previousRowEnd && load<i32>(i32At(runEndPtr, scan)) < start - 1) scan++;
        let root = run;
        for (let p = scan; p < previousRowEnd && load<i32>(i32At(runStartPtr, p)) <= end + 1; p++) {
          const other = findRoot(p);
          if (other === root) continue;
          if (other < root) {
            store<i32>(i32At(parentPtr, root), other);
            root = other;
          } else {
            store<i32>(i32At(parentPtr, other), root);
          }
        }
        store<i32>(i32At(parentPtr, run), root);
        // Continue after the run in word k (bit endBit is clear).
        pending = load<u32>(row + (<usize>k << 2)) & (<u32>0xffffffff << <u32>endBit);
      }
    }
    previousRowFirst = rowFirst;
    previousRowEnd = runs;
  }
  let kept = 0;
  for (let run = 0; run < runs; run++) {
    // In run order a parent (which precedes its child) is already flattened to its root.
    const root = load<i32>(i32At(parentPtr, load<i32>(i32At(parentPtr, run))));
    store<i32>(i32At(parentPtr, run), root);
    const start = load<i32>(i32At(runStartPtr, run));
    const end = load<i32>(i32At(runEndPtr, run));
    const y = load<i32>(i32At(runRowPtr, run));
    const length = end - start + 1;
    const sumX = regionSumXPtr + (<usize>root << 3);
    const sumY = regionSumYPtr + (<usize>root << 3);
    if (root === run) {
      store<i32>(i32At(regionAreaPtr, root), length);
      store<i32>(i32At(regionMinXPtr, root), start);
      store<i32>(i32At(regionMaxXPtr, root), end);
      store<i32>(i32At(regionMinYPtr, root), y);
      store<i32>(i32At(regionMaxYPtr, root), y);
      store<f64>(sumX, <f64>(length * (start + end)) / 2);
      store<f64>(sumY, <f64>(length * y));
      continue;
    }
    store<i32>(i32At(regionAreaPtr, root), load<i32>(i32At(regionAreaPtr, root)) + length);
    if (start < load<i32>(i32At(regionMinXPtr, root))) store<i32>(i32At(regionMinXPtr, root), start);
    if (end > load<i32>(i32At(regionMaxXPtr, root))) store<i32>(i32At(regionMaxXPtr, root), end);
    store<i32>(i32At(regionMaxYPtr, root), y);
    store<f64>(sumX, load<f64>(sumX) + <f64>(length * (start + end)) / 2);
    store<f64>(sumY, load<f64>(sumY) + <f64>(length * y));
  }
  for (let run = 0; run < runs; run++) {
    if (load<i32>(i32At(parentPtr, run)) === run && load<i32>(i32At(regionAreaPtr, run)) >= minArea) store<i32>(i32At(regionListPtr, kept++), run);
  }
  return kept;
}

/** How many runs (and so regions) the component buffers hold: the length of each region array. */
export function runCapacity(): i32 {
  return maxRuns;
}

export function regionListOffset(): usize {
  return regionListPtr;
}
export function regionAreaOffset(): usize {
  return regionAreaPtr;
}
export function regionMinXOffset(): usize {
  return regionMinXPtr;
}
export function regionMinYOffset(): usize {
  return regionMinYPtr;
}
export function regionMaxXOffset(): usize {
  return regionMaxXPtr;
}
export function regionMaxYOffset(): usize {
  return regionMaxYPtr;
}
export function regionSumXOffset(): usize {
  return regionSumXPtr;
}
export function regionSumYOffset(): usize {
  return regionSumYPtr;
}
