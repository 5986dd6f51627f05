import type { BlobList } from './blob-list.js';

/**
 * Labels 8-connected foreground regions of a 0/1 mask by runs: each row is scanned into runs of set
 * pixels, runs overlapping a run of the previous row are united (union-find), then per-region stats are
 * summed run by run. Work is proportional to the number of runs, not pixels, after the row scan, and
 * every array is allocated once.
 */
export class ConnectedComponents {
  private readonly runStart: Int32Array;
  private readonly runEnd: Int32Array;
  private readonly runRow: Int32Array;
  private readonly parent: Int32Array;
  private readonly regionArea: Int32Array;
  private readonly regionMinX: Int32Array;
  private readonly regionMinY: Int32Array;
  private readonly regionMaxX: Int32Array;
  private readonly regionMaxY: Int32Array;
  private readonly regionSumX: Float64Array;
  private readonly regionSumY: Float64Array;
  private readonly maxRuns: number;
  /** Set when a frame had more regions than the blob list holds (the smallest are lost). */
  overflowed = false;
  /** A 32-bit view of the last mask, to skip four background pixels per read; made once per mask buffer. */
  private words: Uint32Array | null = null;
  private wordsOf: Uint8Array | null = null;

  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {
    this.maxRuns = Math.ceil(width / 2) * height + 1;
    this.runStart = new Int32Array(this.maxRuns);
    this.runEnd = new Int32Array(this.maxRuns);
    this.runRow = new Int32Array(this.maxRuns);
    this.parent = new Int32Array(this.maxRuns);
    this.regionArea = new Int32Array(this.maxRuns);
    this.regionMinX = new Int32Array(this.maxRuns);
    this.regionMinY = new Int32Array(this.maxRuns);
    this.regionMaxX = new Int32Array(this.maxRuns);
    this.regionMaxY = new Int32Array(this.maxRuns);
    this.regionSumX = new Float64Array(this.maxRuns);
    this.regionSumY = new Float64Array(this.maxRuns);
  }

  /** Fills `blobs` with the regions of at least minArea pixels, largest first when there are too many. */
  label(mask: Uint8Array, minArea: number, blobs: BlobList): void {
    const { width, height } = this;
    // Most of a mask is background: where rows are 4-byte aligned, skip it a word (4 pixels) at a time.
    const aligned = (width & 3) === 0 && (mask.byteOffset & 3) === 0;
    if (aligned && this.wordsOf !== mask) {
      this.words = new Uint32Array(mask.buffer, mask.byteOffset, (width * height) >>> 2);
      this.wordsOf = mask;
    }
    const words = aligned ? this.words : null;
    let runs = 0;
    let previousRowFirst = 0;
    let previousRowEnd = 0;
    for (let y = 0; y < height; y++) {
      const rowFirst = runs;
      const offset = y * width;
      let scan = previousRowFirst;
      let x = 0;
      while (x < width) {
        if (words !== null) while (x < width && (x & 3) === 0 && words[(offset + x) >>> 2] === 0) x += 4;
        while (x < width && mask[offset + x] === 0) x++;
        if (x >= width) break;
        const start = x;
        while (x < width && mask[offset + x] !== 0) x++;
        scan = this.addRun(runs++, start, x - 1, y, scan, previousRowEnd);
      }
      previousRowFirst = rowFirst;
      previousRowEnd = runs;
    }
    this.collect(runs, minArea, blobs);
  }

  /**
   * The same from the mask packed 32 pixels to a word (bit j of word k = pixel 32k + j; see PackedMask):
   * background words are skipped whole and each run's ends are found with count-leading-zeros, so a
   * mostly empty frame costs width/32 reads per row instead of width/4.
   */
  labelBits(bits: Int32Array, firstWord: number, rowStride: number, minArea: number, blobs: BlobList): void {
    const { width, height } = this;
    const words = (width + 31) >>> 5;
    let runs = 0;
    let previousRowFirst = 0;
    let previousRowEnd = 0;
    for (let y = 0; y < height; y++) {
      const rowFirst = runs;
      const row = firstWord + y * rowStride;
      let scan = previousRowFirst;
      for (let k = 0; k < words; k++) {
        // Bits of word k not yet scanned (the part after the last run's end).
        let pending = bits[row + k]!;
        while (pending !== 0) {
          const startBit = lowestBit(pending);
          const start = (k << 5) + startBit;
          // The run ends before the first clear bit at or after start, possibly in a later word.
          let clear = ~bits[row + k]! & (-1 << startBit);
          while (clear === 0 && k + 1 < words) {
            k++;
            clear = ~bits[row + k]!;
          }
          const endBit = clear === 0 ? 32 : lowestBit(clear);
          const end = Math.min((k << 5) + endBit, width) - 1;
          scan = this.addRun(runs++, start, end, y, scan, previousRowEnd);
          // Continue after the run in word k (a run ending at bit 31 leaves nothing of it).
          pending = endBit === 32 ? 0 : bits[row + k]! & (-1 << endBit);
        }
      }
      previousRowFirst = rowFirst;
      previousRowEnd = runs;
    }
    this.collect(runs, minArea, blobs);
  }

  /**
   * Records run `run` of row y and unites it with the runs of the previous row it touches, looking from
   * `scan` on: runs of a row come left to right, so previous-row runs ending left of this one cannot
   * touch a later one either. Returns where the next run of the row starts looking.
   */
  private addRun(run: number, start: number, end: number, y: number, scan: number, previousRowEnd: number): number {
    const { runStart, runEnd, runRow, parent } = this;
    runStart[run] = start;
    runEnd[run] = end;
    runRow[run] = y;
    parent[run] = run;
    // 8-connectivity: a run touches previous-row runs that overlap it widened by one pixel.
    while (scan < previousRowEnd && runEnd[scan]! < start - 1) scan++;
    // The new run's root is tracked here (it starts as its own): no find() on it.
    let root = run;
    for (let p = scan; p < previousRowEnd && runStart[p]! <= end + 1; p++) {
      const other = this.find(p);
      if (other === root) continue;
      // The smaller index becomes the root, so a root is always the first run of its region.
      if (other < root) {
        parent[root] = other;
        root = other;
      } else {
        parent[other] = root;
      }
    }
    parent[run] = root;
    return scan;
  }

  /** Sums each region's stats over its runs and fills `blobs` with those of at least minArea pixels. */
  private collect(runs: number, minArea: number, blobs: BlobList): void {
    const { runStart, runEnd, runRow, parent } = this;
    const { regionArea, regionMinX, regionMinY, regionMaxX, regionMaxY, regionSumX, regionSumY } = this;
    for (let run = 0; run < runs; run++) {
      // Every parent precedes its child (the smaller root always wins), so in run order a parent is
      // already flattened to its root: one read finds the root.
      const root = parent[parent[run]!]!;
      parent[run] = root;
      const start = runStart[run]!;
      const end = runEnd[run]!;
      const y = runRow[run]!;
      const length = end - start + 1;
      if (root === run) {
        regionArea[root] = 0;
        regionMinX[root] = start;
        regionMaxX[root] = end;
        regionMinY[root] = y;
        regionMaxY[root] = y;
        regionSumX[root] = 0;
        regionSumY[root] = 0;
      }
      regionArea[root]! += length;
      if (start < regionMinX[root]!) regionMinX[root] = start;
      if (end > regionMaxX[root]!) regionMaxX[root] = end;
      if (y > regionMaxY[root]!) regionMaxY[root] = y;
      regionSumX[root]! += (length * (start + end)) / 2;
      regionSumY[root]! += length * y;
    }

    blobs.count = 0;
    let overflowed = false;
    for (let run = 0; run < runs; run++) {
      if (parent[run] !== run || regionArea[run]! < minArea) continue;
      overflowed = addRegion(blobs, regionArea[run]!, regionMinX[run]!, regionMinY[run]!, regionMaxX[run]!, regionMaxY[run]!, regionSumX[run]!, regionSumY[run]!) || overflowed;
    }
    this.overflowed = overflowed;
  }

  private find(node: number): number {
    const parent = this.parent;
    let root = node;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[node] !== root) {
      const next = parent[node]!;
      parent[node] = root;
      node = next;
    }
    return root;
  }
}

/** Index of the lowest set bit of a non-zero 32-bit value. */
function lowestBit(value: number): number {
  // (0 - value) | 0 keeps the negation in 32-bit integers (value = -2^31 included).
  return 31 - Math.clz32(value & ((0 - value) | 0));
}

/**
 * Appends a region to `blobs` (count reset by the caller); when the list is full, it replaces the smallest
 * blob if larger, so the largest regions are kept. Returns true when the list was full. Shared with the
 * WASM backend's labelling (WasmMotionDetector.labelForeground), so both fill the list alike.
 */
export function addRegion(blobs: BlobList, area: number, minX: number, minY: number, maxX: number, maxY: number, sumX: number, sumY: number): boolean {
  let slot = blobs.count;
  const full = slot >= blobs.capacity;
  if (full) {
    slot = smallestBlob(blobs);
    if (blobs.area[slot]! >= area) return true;
  } else {
    blobs.count++;
  }
  blobs.area[slot] = area;
  blobs.minX[slot] = minX;
  blobs.minY[slot] = minY;
  blobs.maxX[slot] = maxX;
  blobs.maxY[slot] = maxY;
  blobs.sumX[slot] = sumX;
  blobs.sumY[slot] = sumY;
  return full;
}

function smallestBlob(blobs: BlobList): number {
  let smallest = 0;
  for (let i = 1; i < blobs.count; i++) if (blobs.area[i]! < blobs.area[smallest]!) smallest = i;
  return smallest;
}
