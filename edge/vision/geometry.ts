/** A point in image pixels (origin top-left, y down). */
export interface Point {
  x: number;
  y: number;
}

/** A count line A→B in source-image pixels, with the name reports use. */
export interface CountLineSpec {
  name: string;
  a: Point;
  b: Point;
  /**
   * The one direction traffic crosses this line in, where there is one (a stop line across inbound lanes).
   * A crossing the other way needs stronger evidence (see LineCounter): in a queue at the line, blobs
   * merging and splitting move track centres back and forth across it.
   */
  travel?: 'lr' | 'rl';
}

/** A polygon zone in source-image pixels. */
export interface ZoneSpec {
  name: string;
  points: Point[];
}

/**
 * side(P) = (Bx−Ax)(Py−Ay) − (By−Ay)(Px−Ax). In image pixels (y down), `lr` counts a move from side < 0
 * to side > 0 and `rl` the reverse.
 */
export function sideOf(ax: number, ay: number, bx: number, by: number, px: number, py: number): number {
  return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
}

/** Parses `NAME:x1,y1,x2,y2` (the `--line` option) or returns an error naming what is wrong. */
export function parseLineOption(text: string): CountLineSpec | string {
  const match = /^([A-Za-z0-9_-]{1,64}):(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!match) return `--line '${text}': expected NAME:x1,y1,x2,y2 (pixels of the source image), e.g. L1:50,130,275,130`;
  const [, name, x1, y1, x2, y2] = match;
  const line = { name: name!, a: { x: Number(x1), y: Number(y1) }, b: { x: Number(x2), y: Number(y2) } };
  if (line.a.x === line.b.x && line.a.y === line.b.y) return `--line '${text}': the two points are the same; a line needs two distinct points`;
  return line;
}

/** Parses `NAME:x,y;x,y;x,y…` (the `--zone` option). */
export function parseZoneOption(text: string): ZoneSpec | string {
  const [name, rest] = text.split(':', 2);
  if (!name || !/^[A-Za-z0-9_-]{1,64}$/.test(name) || rest === undefined) return `--zone '${text}': expected NAME:x,y;x,y;x,y (at least 3 points)`;
  const points: Point[] = [];
  for (const pair of rest.split(';')) {
    const [x, y, extra] = pair.split(',');
    if (x === undefined || y === undefined || extra !== undefined || !Number.isFinite(Number(x)) || !Number.isFinite(Number(y)) || x.trim() === '' || y.trim() === '') {
      return `--zone '${text}': '${pair}' is not a point x,y`;
    }
    points.push({ x: Number(x), y: Number(y) });
  }
  if (points.length < 3) return `--zone '${text}': a zone needs at least 3 points`;
  return { name, points };
}

/** Whether the point lies inside the polygon (even-odd rule). */
export function pointInPolygon(px: number, py: number, xs: ArrayLike<number>, ys: ArrayLike<number>, count: number): boolean {
  let inside = false;
  for (let i = 0, j = count - 1; i < count; j = i++) {
    const xi = xs[i]!;
    const yi = ys[i]!;
    const xj = xs[j]!;
    const yj = ys[j]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
