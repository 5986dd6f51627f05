import { CUT_BOTTOM, CUT_TOP, type BlobList } from './blob-list.js';
import type { VehicleSizeModel } from './vehicle-size-model.js';

export interface QueueSplitterOptions {
  /** A blob at least this many usual vehicle lengths long is looked at as a queue. */
  minVehicles?: number;
  /** Where the next vehicle's rear may be searched: this range of usual lengths from the last cut. */
  minLength?: number;
  maxLength?: number;
  /** A cut needs a row this much narrower than the vehicle's widest (the gap or a windscreen between two vehicles). */
  dipFraction?: number;
}

export const QUEUE_SPLITTER_DEFAULTS = { minVehicles: 1.6, minLength: 0.6, maxLength: 1.4, dipFraction: 0.6 } as const;

/**
 * Cuts blobs that hold several vehicles in a row along the lane (a queue at red, a platoon leaving on
 * green) into vehicles. A queue blob of length L holds about L / (one vehicle's length there) vehicles;
 * the vehicle-size model says how long one vehicle is at each row. Cuts are made from the front (the
 * bottom of the blob, nearest the stop line, where the first vehicle's front edge is exact) at the
 * narrowest row within a plausible vehicle length, and only where the mask really narrows there: a long
 * bus is one solid blob without a waist and stays whole.
 *
 * Rows are image rows (lanes run roughly down the image); the row profile is a typed array allocated
 * once, so split() allocates nothing.
 */
export class QueueSplitter {
  private readonly rowCount: Int32Array;
  private readonly cutRows: Int32Array;
  private readonly options: Required<QueueSplitterOptions>;
  splits = 0;

  constructor(
    private readonly width: number,
    height: number,
    private readonly sizes: VehicleSizeModel,
    options: QueueSplitterOptions = {},
  ) {
    this.options = { ...QUEUE_SPLITTER_DEFAULTS, ...options };
    this.rowCount = new Int32Array(height);
    this.cutRows = new Int32Array(height);
  }

  split(blobs: BlobList, mask: Uint8Array, minArea: number): void {
    const initial = blobs.count;
    for (let b = 0; b < initial; b++) {
      blobs.cut[b] = 0;
      blobs.cutEdges[b] = 0;
    }
    for (let b = 0; b < initial && blobs.count < blobs.capacity; b++) this.splitBlob(blobs, b, mask, minArea);
  }

  private splitBlob(blobs: BlobList, b: number, mask: Uint8Array, minArea: number): void {
    const { minVehicles, minLength, maxLength, dipFraction } = this.options;
    const y0 = blobs.minY[b]!;
    const y1 = blobs.maxY[b]!;
    const front = this.lengthAt(y1 + 1);
    if (front <= 0 || y1 - y0 + 1 < minVehicles * front) return;
    const x0 = blobs.minX[b]!;
    const x1 = blobs.maxX[b]!;
    const rowCount = this.rowCount;
    for (let y = y0; y <= y1; y++) {
      let n = 0;
      const row = y * this.width;
      for (let x = x0; x <= x1; x++) n += mask[row + x]!;
      rowCount[y] = n;
    }
    // Walk from the front: each cut is the narrowest row one plausible vehicle length behind the last.
    let cuts = 0;
    let end = y1 + 1; // exclusive lower end of the vehicle being cut off
    while (cuts < this.cutRows.length) {
      const length = this.lengthAt(end);
      if (length <= 0 || end - y0 < minVehicles * length) break;
      const from = Math.max(y0 + 1, Math.round(end - maxLength * length));
      const to = Math.min(end - 1, Math.round(end - minLength * length));
      let widest = 0;
      for (let y = Math.max(y0, Math.round(end - length)); y < end; y++) if (rowCount[y]! > widest) widest = rowCount[y]!;
      let cut = -1;
      for (let y = to; y >= from; y--) if (cut < 0 || rowCount[y]! < rowCount[cut]!) cut = y;
      if (cut < 0 || rowCount[cut]! > dipFraction * widest) break;
      this.cutRows[cuts++] = cut;
      end = cut;
    }
    if (cuts === 0) return;
    // Pieces, front first: rows [cut_k, end_k) where the front piece ends at y1 + 1; the rest is the last piece.
    let lower = y1 + 1;
    let placed = 0;
    for (let k = 0; k <= cuts && blobs.count < blobs.capacity; k++) {
      const upper = k < cuts ? this.cutRows[k]! : y0;
      const target = placed === 0 ? b : blobs.count;
      if (this.measurePiece(blobs, target, mask, x0, x1, upper, lower, minArea)) {
        blobs.cut[target] = 1;
        blobs.cutEdges[target] = (k < cuts ? CUT_TOP : 0) | (k > 0 ? CUT_BOTTOM : 0);
        if (placed > 0) blobs.count++;
        placed++;
      }
      lower = upper;
    }
    if (placed > 1) this.splits += placed - 1;
  }

  /** Fills blob slot i with the mask pixels of rows [top, bottom) between x0 and x1; false when too small. */
  private measurePiece(blobs: BlobList, i: number, mask: Uint8Array, x0: number, x1: number, top: number, bottom: number, minArea: number): boolean {
    let area = 0;
    for (let y = top; y < bottom; y++) area += this.rowCount[y]!;
    if (area < minArea) return false;
    let minX = x1 + 1, maxX = -1, minY = bottom, maxY = -1, sumX = 0, sumY = 0;
    for (let y = top; y < bottom; y++) {
      if (this.rowCount[y] === 0) continue;
      const row = y * this.width;
      for (let x = x0; x <= x1; x++) {
        if (mask[row + x] === 0) continue;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        sumX += x;
        sumY += y;
      }
      if (y < minY) minY = y;
      maxY = y;
    }
    blobs.area[i] = area;
    blobs.minX[i] = minX;
    blobs.minY[i] = minY;
    blobs.maxX[i] = maxX;
    blobs.maxY[i] = maxY;
    blobs.sumX[i] = sumX;
    blobs.sumY[i] = sumY;
    return true;
  }

  /** The usual length of a vehicle whose front (lower edge) is at row `end`, or 0 while unknown. */
  private lengthAt(end: number): number {
    const first = this.sizes.usualHeight(end - 1);
    if (first <= 0) return 0;
    return this.sizes.usualHeight(end - first / 2) || first;
  }
}
