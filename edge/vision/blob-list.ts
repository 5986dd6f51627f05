/** BlobList.cutEdges bits: the top (lowest y) or bottom row edge of a piece is where it was cut. */
export const CUT_TOP = 1;
export const CUT_BOTTOM = 2;

/**
 * Connected foreground regions of one frame, as parallel typed arrays (struct of arrays) allocated once:
 * the frame loop fills them in place every frame.
 */
export class BlobList {
  count = 0;
  readonly area: Int32Array;
  readonly minX: Int32Array;
  readonly minY: Int32Array;
  readonly maxX: Int32Array;
  readonly maxY: Int32Array;
  /** Sums of pixel coordinates, for centroids. */
  readonly sumX: Float64Array;
  readonly sumY: Float64Array;
  /** 1 for a piece cut from a longer blob by the vehicle-size model (an estimate, not a vehicle seen alone). */
  readonly cut: Uint8Array;
  /** For a cut piece, which of its box's row edges are cuts rather than the blob's own: CUT_TOP | CUT_BOTTOM. */
  readonly cutEdges: Uint8Array;

  constructor(readonly capacity: number) {
    this.area = new Int32Array(capacity);
    this.minX = new Int32Array(capacity);
    this.minY = new Int32Array(capacity);
    this.maxX = new Int32Array(capacity);
    this.maxY = new Int32Array(capacity);
    this.sumX = new Float64Array(capacity);
    this.sumY = new Float64Array(capacity);
    this.cut = new Uint8Array(capacity);
    this.cutEdges = new Uint8Array(capacity);
  }

  /** Copies blob `from` into slot `to` (for compacting the list in place). */
  copy(from: number, to: number): void {
    this.area[to] = this.area[from]!;
    this.minX[to] = this.minX[from]!;
    this.minY[to] = this.minY[from]!;
    this.maxX[to] = this.maxX[from]!;
    this.maxY[to] = this.maxY[from]!;
    this.sumX[to] = this.sumX[from]!;
    this.sumY[to] = this.sumY[from]!;
    this.cut[to] = this.cut[from]!;
    this.cutEdges[to] = this.cutEdges[from]!;
  }

  /** Centre of the bounding box, the point counting uses (a vehicle's box centre, as the ground truth does). */
  centreX(i: number): number {
    return (this.minX[i]! + this.maxX[i]! + 1) * 0.5;
  }

  centreY(i: number): number {
    return (this.minY[i]! + this.maxY[i]! + 1) * 0.5;
  }

  width(i: number): number {
    return this.maxX[i]! - this.minX[i]! + 1;
  }

  height(i: number): number {
    return this.maxY[i]! - this.minY[i]! + 1;
  }
}
