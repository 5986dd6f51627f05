/**
 * The usual height of one vehicle at each band of image rows, learned from well-established single
 * tracks: the camera's perspective makes vehicles grow toward the bottom of the image. Grouping uses it
 * so that fragments of one vehicle are joined but two vehicles in a row are not.
 */
export class VehicleSizeModel {
  private readonly bandHeight: Float64Array;
  private readonly bandWidth: Float64Array;
  private readonly bandSamples: Int32Array;

  constructor(
    height: number,
    private readonly bandRows = 8,
    private readonly minSamples = 5,
  ) {
    const bands = Math.ceil(height / bandRows);
    this.bandHeight = new Float64Array(bands);
    this.bandWidth = new Float64Array(bands);
    this.bandSamples = new Int32Array(bands);
  }

  learn(centreY: number, boxWidth: number, boxHeight: number): void {
    const band = this.band(centreY);
    const samples = this.bandSamples[band]!;
    // A running mean over the last ~50 vehicles: adapts to the traffic mix without one truck dominating.
    const weight = 1 / Math.min(samples + 1, 50);
    this.bandHeight[band] = samples === 0 ? boxHeight : this.bandHeight[band]! + (boxHeight - this.bandHeight[band]!) * weight;
    this.bandWidth[band] = samples === 0 ? boxWidth : this.bandWidth[band]! + (boxWidth - this.bandWidth[band]!) * weight;
    this.bandSamples[band] = samples + 1;
  }

  /** The usual width at row y, or 0 while too few vehicles have been seen there. */
  usualWidth(centreY: number): number {
    const band = this.band(centreY);
    return this.bandSamples[band]! >= this.minSamples ? this.bandWidth[band]! : 0;
  }

  /** The usual height at row y, or 0 while too few vehicles have been seen there. */
  usualHeight(centreY: number): number {
    const band = this.band(centreY);
    return this.bandSamples[band]! >= this.minSamples ? this.bandHeight[band]! : 0;
  }

  private band(y: number): number {
    return Math.min(this.bandHeight.length - 1, Math.max(0, Math.floor(y / this.bandRows)));
  }
}
