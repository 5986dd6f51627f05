import type { Point } from './geometry.js';

/**
 * The road plane as the camera sees it: a homography from image pixels to ground metres, fixed by four
 * image points whose ground positions were measured (lane marks, a stop line's ends). A flat road maps
 * exactly; a distance between two points on it is then a distance in metres, whatever the perspective.
 */
export class GroundPlane {
  private constructor(private readonly h: Float64Array) {}

  /**
   * From four image points and the ground points (metres, any planar frame) they show. Throws a RangeError
   * naming the problem when three of either four lie on one line: no homography is defined then.
   */
  static fromPoints(image: readonly Point[], ground: readonly Point[]): GroundPlane {
    if (image.length !== 4 || ground.length !== 4) throw new RangeError('a ground calibration needs exactly four image points and four ground points');
    const collinear = (points: readonly Point[]) => {
      const scale = Math.max(...points.map((p) => Math.max(Math.abs(p.x), Math.abs(p.y))), 1);
      for (let i = 0; i < 4; i++) {
        const [a, b, c] = points.filter((_, j) => j !== i) as [Point, Point, Point];
        if (Math.abs((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)) < 1e-6 * scale * scale) return true;
      }
      return false;
    };
    if (collinear(image)) throw new RangeError('three of the four image points lie on one line: pick points spread over the road');
    if (collinear(ground)) throw new RangeError('three of the four ground points lie on one line: pick points spread over the road');
    // u = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), v = (h3 x + h4 y + h5) / (h6 x + h7 y + 1): 8 equations.
    const a: number[][] = [];
    for (let i = 0; i < 4; i++) {
      const { x, y } = image[i]!;
      const { x: u, y: v } = ground[i]!;
      a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
      a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
    }
    return new GroundPlane(Float64Array.from([...solve(a), 1]));
  }

  /** The ground point (metres) that image pixel (x, y) shows. */
  toGround(x: number, y: number): Point {
    const h = this.h;
    const w = h[6]! * x + h[7]! * y + h[8]!;
    return { x: (h[0]! * x + h[1]! * y + h[2]!) / w, y: (h[3]! * x + h[4]! * y + h[5]!) / w };
  }

  /** Metres on the ground between what image pixels p and q show. */
  distanceM(p: Point, q: Point): number {
    const a = this.toGround(p.x, p.y);
    const b = this.toGround(q.x, q.y);
    return Math.hypot(b.x - a.x, b.y - a.y);
  }
}

/** Gaussian elimination with partial pivoting on an n × (n + 1) augmented matrix. */
function solve(a: number[][]): number[] {
  const n = a.length;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row;
    if (Math.abs(a[pivot]![col]!) < 1e-12) throw new RangeError('the calibration points do not define a ground plane');
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const factor = a[row]![col]! / a[col]![col]!;
      for (let k = col; k <= n; k++) a[row]![k]! -= factor * a[col]![k]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}
