/**
 * Cheap whole-image statistics for camera health, on a sparse grid (every 4th pixel of every 4th row):
 * brightness (too dark, infrared illuminator), sharpness as the mean gradient (defocus, a smeared lens),
 * and the change from the previous frame (a frozen feed repeats bytes exactly). Allocates only at
 * construction.
 */
export class ImageStats {
  mean = 0;
  sharpness = 0;
  change = 0;
  private readonly previous: Uint8Array;
  private hasPrevious = false;
  private static readonly STEP = 4;

  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {
    this.previous = new Uint8Array(Math.ceil(width / ImageStats.STEP) * Math.ceil(height / ImageStats.STEP));
  }

  measure(gray: Uint8Array): void {
    const { width, height, previous } = this;
    const step = ImageStats.STEP;
    let sum = 0;
    let gradient = 0;
    let change = 0;
    let samples = 0;
    for (let y = 0; y + 1 < height; y += step) {
      const row = y * width;
      for (let x = 0; x + 1 < width; x += step) {
        const value = gray[row + x]!;
        sum += value;
        const right = gray[row + x + 1]!;
        const below = gray[row + width + x]!;
        gradient += (value > right ? value - right : right - value) + (value > below ? value - below : below - value);
        const before = previous[samples]!;
        change += value > before ? value - before : before - value;
        previous[samples] = value;
        samples++;
      }
    }
    this.mean = sum / samples;
    this.sharpness = gradient / samples;
    this.change = this.hasPrevious ? change / samples : Number.NaN;
    this.hasPrevious = true;
  }
}
