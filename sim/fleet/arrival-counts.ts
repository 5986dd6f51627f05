/**
 * The counts a fleet node publishes, without rendering a camera: one camera per approach with the
 * example camera's two lines (`stop`: inbound vehicles crossing the stop line, `count`: inbound `lr`,
 * outbound `rl`). Arrivals are Poisson at a flow drawn per node and approach (main street busier than
 * the side street); the stop line serves a queue at the saturation flow while its phase is green.
 */
import type { CountsBody } from '../../edge/telemetry/publisher.js';

export const APPROACHES = ['N', 'E', 'S', 'W'] as const;
type Approach = (typeof APPROACHES)[number];
const OPPOSITE: Record<Approach, Approach> = { N: 'S', S: 'N', E: 'W', W: 'E' };

/** Two inbound lanes at 1,800 vehicles per hour of green each. */
const SATURATION_PER_HOUR = 3600;
/** Share of the cycle an approach has green in the example plan, about. */
const GREEN_SHARE: Record<Approach, number> = { N: 0.42, S: 0.42, E: 0.32, W: 0.32 };

export class ArrivalCounts {
  private readonly flowPerHour: Record<Approach, number>;
  private readonly queue: Record<Approach, number> = { N: 0, E: 0, S: 0, W: 0 };

  constructor(private readonly random: () => number) {
    const flow = (low: number, high: number) => Math.round(low + random() * (high - low));
    const main = flow(400, 900);
    const side = flow(150, 500);
    this.flowPerHour = { N: main, S: Math.round(main * (0.8 + random() * 0.4)), E: side, W: Math.round(side * (0.8 + random() * 0.4)) };
  }

  static cameraId(approach: Approach): string {
    return `cam-${approach.toLowerCase()}`;
  }

  /** One counts body per camera for the period [periodStart, periodStart + periodMs). */
  period(periodStart: number, periodMs: number): CountsBody[] {
    const hours = periodMs / 3_600_000;
    return APPROACHES.map((approach) => {
      const arrivals = this.poisson(this.flowPerHour[approach] * hours);
      const outbound = this.poisson(this.flowPerHour[OPPOSITE[approach]] * hours);
      this.queue[approach] += arrivals;
      const served = Math.min(this.queue[approach], Math.round(SATURATION_PER_HOUR * GREEN_SHARE[approach] * hours));
      this.queue[approach] -= served;
      return {
        camera: ArrivalCounts.cameraId(approach),
        periodStart,
        periodS: Math.max(1, Math.round(periodMs / 1000)),
        lines: { stop: { lr: served, rl: 0 }, count: { lr: arrivals, rl: outbound } },
      };
    });
  }

  /** Knuth's method: fine for the small means of one counting period. */
  private poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 500) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.gaussian()));
    const limit = Math.exp(-mean);
    let count = 0;
    for (let product = this.random(); product > limit; product *= this.random()) count++;
    return count;
  }

  private gaussian(): number {
    return Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(2 * Math.PI * this.random());
  }
}
