import type { BlobList } from '../../edge/vision/blob-list.js';

/** Writes blob b as the inclusive box (x0, y0)–(x1, y1) full of pixels, with its cut flags (none by default). */
export function setBlob(blobs: BlobList, b: number, x0: number, y0: number, x1: number, y1: number, cut = 0, cutEdges = 0): void {
  blobs.minX[b] = x0;
  blobs.minY[b] = y0;
  blobs.maxX[b] = x1;
  blobs.maxY[b] = y1;
  blobs.area[b] = (x1 - x0 + 1) * (y1 - y0 + 1);
  blobs.sumX[b] = ((x0 + x1) / 2) * blobs.area[b]!;
  blobs.sumY[b] = ((y0 + y1) / 2) * blobs.area[b]!;
  blobs.cut[b] = cut;
  blobs.cutEdges[b] = cutEdges;
}
