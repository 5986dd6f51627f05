import type { CountLine, Point, Zone } from './types.js';

/** The editor's document: one camera's count lines and zones, in source-image pixels. */
export interface Geometry { lines: CountLine[]; zones: Zone[] }

/** What a pointer grabbed: a line end or a zone corner. */
export type Handle = { kind: 'line'; index: number; end: 'a' | 'b' } | { kind: 'zone'; index: number; vertex: number };

export function clone(geometry: Geometry): Geometry {
  return JSON.parse(JSON.stringify(geometry)) as Geometry;
}

/** The handle nearest to p within `radius` (source pixels), line ends first. */
export function handleAt(geometry: Geometry, p: Point, radius: number): Handle | null {
  let best: { handle: Handle; distance: number } | null = null;
  const consider = (handle: Handle, q: Point) => {
    const distance = Math.hypot(q.x - p.x, q.y - p.y);
    if (distance <= radius && (!best || distance < best.distance)) best = { handle, distance };
  };
  geometry.lines.forEach((line, index) => {
    consider({ kind: 'line', index, end: 'a' }, line.a);
    consider({ kind: 'line', index, end: 'b' }, line.b);
  });
  geometry.zones.forEach((zone, index) => zone.points.forEach((point, vertex) => consider({ kind: 'zone', index, vertex }, point)));
  return (best as { handle: Handle } | null)?.handle ?? null;
}

export function moveHandle(geometry: Geometry, handle: Handle, to: Point, width: number, height: number): Geometry {
  const next = clone(geometry);
  const point = { x: round(clamp(to.x, 0, width)), y: round(clamp(to.y, 0, height)) };
  if (handle.kind === 'line') next.lines[handle.index]![handle.end] = point;
  else next.zones[handle.index]!.points[handle.vertex] = point;
  return next;
}

/** Swapping A and B reverses which way counts as `lr`. */
export function swapLine(geometry: Geometry, index: number): Geometry {
  const next = clone(geometry);
  const line = next.lines[index]!;
  [line.a, line.b] = [line.b, line.a];
  return next;
}

export function uniqueName(taken: string[], base: string): string {
  for (let n = 1; ; n++) if (!taken.includes(`${base}-${n}`)) return `${base}-${n}`;
}

export function addLine(geometry: Geometry, width: number, height: number): Geometry {
  const next = clone(geometry);
  next.lines.push({ name: uniqueName(next.lines.map((line) => line.name), 'line'), a: { x: round(width * 0.3), y: round(height / 2) }, b: { x: round(width * 0.7), y: round(height / 2) } });
  return next;
}

export function addZone(geometry: Geometry, width: number, height: number): Geometry {
  const next = clone(geometry);
  const [x0, x1, y0, y1] = [width * 0.4, width * 0.6, height * 0.4, height * 0.6].map(round) as [number, number, number, number];
  next.zones.push({ name: uniqueName(next.zones.map((zone) => zone.name), 'zone'), points: [{ x: x0, y: y0 }, { x: x1, y: y0 }, { x: x1, y: y1 }, { x: x0, y: y1 }] });
  return next;
}

/** The unit vector a vehicle moves along to count as `lr` (from side < 0 to side > 0, y down). */
export function lrDirection(line: CountLine): Point {
  const dx = line.b.x - line.a.x;
  const dy = line.b.y - line.a.y;
  const length = Math.hypot(dx, dy) || 1;
  return { x: -dy / length, y: dx / length };
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
const round = (value: number) => Math.round(value * 10) / 10;
