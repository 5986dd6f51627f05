import type { Point } from './scene-types.js';

/**
 * The crossing convention shared with the vision pipeline: for a line A→B in image pixels (y down),
 * side(P) = (Bx−Ax)(Py−Ay) − (By−Ay)(Px−Ax). Going from side < 0 to side > 0 is 'lr', the reverse 'rl'.
 * Scalars in, number out, so the per-frame truth loop allocates nothing.
 */
export function lineSide(ax: number, ay: number, bx: number, by: number, px: number, py: number): number {
  return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
}

/**
 * Where along A→B (0 at A, 1 at B) the move P→Q meets the line, given their sides sp and sq of opposite
 * sign. The move passes through the segment when the result is within [0, 1].
 */
export function crossingParameter(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  px: number,
  py: number,
  qx: number,
  qy: number,
  sp: number,
  sq: number,
): number {
  const k = sp / (sp - sq);
  const ix = px + (qx - px) * k;
  const iy = py + (qy - py) * k;
  const dx = bx - ax;
  const dy = by - ay;
  return ((ix - ax) * dx + (iy - ay) * dy) / (dx * dx + dy * dy);
}

/** Even-odd rule point-in-polygon test. */
export function pointInPolygon(points: readonly Point[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const pi = points[i]!;
    const pj = points[j]!;
    if (pi.y > y !== pj.y > y && x < ((pj.x - pi.x) * (y - pi.y)) / (pj.y - pi.y) + pi.x) inside = !inside;
  }
  return inside;
}
