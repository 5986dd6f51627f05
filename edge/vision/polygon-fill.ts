import type { Point } from './geometry.js';

/**
 * Sets `value` into every pixel of a width×height raster whose centre, mapped into the polygon's
 * coordinates as ((x + 0.5)·scaleX + offsetX, (y + 0.5)·scaleY + offsetY), lies inside the polygon by the
 * even-odd rule (the same rule as `pointInPolygon`). Scanline fill, so whole frames are cheap. Returns how
 * many pixels were set. Used at construction (zones) and for evidence (rare), so it may allocate.
 */
export function fillPolygon(
  target: Uint8Array,
  width: number,
  height: number,
  points: readonly Point[],
  value: number,
  scaleX = 1,
  scaleY = 1,
  offsetX = 0,
  offsetY = 0,
): number {
  const n = points.length;
  if (n < 3) return 0;
  const crossings = new Float64Array(n);
  let minY = Infinity;
  let maxY = -Infinity;
  for (const point of points) {
    if (point.y < minY) minY = point.y;
    if (point.y > maxY) maxY = point.y;
  }
  // Only the rows whose centres can fall inside the polygon's vertical extent.
  const firstRow = Math.max(0, Math.floor((minY - offsetY) / scaleY - 0.5));
  const lastRow = Math.min(height - 1, Math.ceil((maxY - offsetY) / scaleY - 0.5));
  let filled = 0;
  for (let y = firstRow; y <= lastRow; y++) {
    const py = (y + 0.5) * scaleY + offsetY;
    let count = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const yi = points[i]!.y;
      const yj = points[j]!.y;
      if (yi > py === yj > py) continue;
      const xi = points[i]!.x;
      const xj = points[j]!.x;
      crossings[count++] = xi + ((py - yi) * (xj - xi)) / (yj - yi);
    }
    sortPrefix(crossings, count);
    const row = y * width;
    for (let k = 0; k + 1 < count; k += 2) {
      // Centres in [left, right) are inside: the half-open span matches pointInPolygon's strict test.
      const start = Math.max(0, Math.ceil((crossings[k]! - offsetX) / scaleX - 0.5));
      const end = Math.min(width, Math.ceil((crossings[k + 1]! - offsetX) / scaleX - 0.5));
      for (let x = start; x < end; x++) target[row + x] = value;
      if (end > start) filled += end - start;
    }
  }
  return filled;
}

function sortPrefix(values: Float64Array, count: number): void {
  for (let i = 1; i < count; i++) {
    const item = values[i]!;
    let j = i - 1;
    while (j >= 0 && values[j]! > item) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = item;
  }
}
