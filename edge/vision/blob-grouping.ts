import type { BlobList } from './blob-list.js';
import type { VehicleSizeModel } from './vehicle-size-model.js';

/**
 * Vehicles often come apart in the foreground mask along rows (windscreen, roof, a white box body that
 * matches the road): the parts are stacked vertically and overlap in x. Such parts are joined; blobs side
 * by side (vehicles in adjacent lanes) overlap little in x and stay apart.
 *
 * Two blobs join when their x-extents overlap by at least `minOverlap` of the narrower one, the joined
 * blob is not much wider than the wider part (so joins cannot cascade sideways across lanes), and the
 * vertical gap between them is at most `gapFraction` of the shorter one's height (at least minGapPx).
 * Where the usual vehicle height at those rows is known, the joined blob may not be much taller than one
 * vehicle: two vehicles in a row stay two.
 */
export function groupStackedBlobs(blobs: BlobList, sizes: VehicleSizeModel, minOverlap = 0.5, gapFraction = 0.2, minGapPx = 2, maxWidening = 1.25, maxTallness = 1.3): void {
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < blobs.count && !merged; i++) {
      for (let j = i + 1; j < blobs.count; j++) {
        const overlap = Math.min(blobs.maxX[i]!, blobs.maxX[j]!) - Math.max(blobs.minX[i]!, blobs.minX[j]!) + 1;
        const narrower = Math.min(blobs.width(i), blobs.width(j));
        if (overlap < minOverlap * narrower) continue;
        const joinedWidth = Math.max(blobs.maxX[i]!, blobs.maxX[j]!) - Math.min(blobs.minX[i]!, blobs.minX[j]!) + 1;
        if (joinedWidth > maxWidening * Math.max(blobs.width(i), blobs.width(j))) continue;
        const gap = Math.max(blobs.minY[i]!, blobs.minY[j]!) - Math.min(blobs.maxY[i]!, blobs.maxY[j]!) - 1;
        const allowed = Math.max(minGapPx, gapFraction * Math.min(blobs.height(i), blobs.height(j)));
        if (gap > allowed) continue;
        const top = Math.min(blobs.minY[i]!, blobs.minY[j]!);
        const joinedHeight = Math.max(blobs.maxY[i]!, blobs.maxY[j]!) - top + 1;
        const usual = sizes.usualHeight(top + joinedHeight / 2);
        if (usual > 0 && joinedHeight > maxTallness * usual) continue;
        absorb(blobs, i, j);
        merged = true;
        break;
      }
    }
  }
}

/** Adds blob j into blob i and removes j (the last blob takes its slot). */
function absorb(blobs: BlobList, i: number, j: number): void {
  blobs.area[i]! += blobs.area[j]!;
  if (blobs.minX[j]! < blobs.minX[i]!) blobs.minX[i] = blobs.minX[j]!;
  if (blobs.minY[j]! < blobs.minY[i]!) blobs.minY[i] = blobs.minY[j]!;
  if (blobs.maxX[j]! > blobs.maxX[i]!) blobs.maxX[i] = blobs.maxX[j]!;
  if (blobs.maxY[j]! > blobs.maxY[i]!) blobs.maxY[i] = blobs.maxY[j]!;
  blobs.sumX[i]! += blobs.sumX[j]!;
  blobs.sumY[i]! += blobs.sumY[j]!;
  const last = --blobs.count;
  if (j !== last) blobs.copy(last, j);
}
