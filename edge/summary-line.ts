import type { Clock, TimerHandle } from './hal/clock.js';
import type { LinkStats } from './telemetry/mqtt-session.js';
import type { PublisherStats } from './telemetry/publisher.js';
import type { CameraSummary } from './vision/camera-service.js';

export interface SummaryFacts {
  link: LinkStats;
  publisher: PublisherStats;
  mode: string;
  cameras: readonly CameraSummary[];
}

/** The short live line a person watching `npm start` reads every few seconds. */
export class SummaryLine {
  private timer: TimerHandle | undefined;
  private readonly startedMs: number;
  private readonly lastFrames = new Map<string, { frames: number; atMs: number }>();

  constructor(
    private readonly who: { node: string; site: string; boot: number },
    private readonly facts: () => SummaryFacts,
    private readonly clock: Clock,
    private readonly intervalS: number,
    private readonly sink: (line: string) => void,
  ) {
    this.startedMs = clock.monotonic();
  }

  start(): void {
    const now = this.clock.monotonic();
    for (const camera of this.facts().cameras) this.lastFrames.set(camera.id, { frames: camera.processed, atMs: now });
    this.timer = this.clock.setRepeating(() => this.sink(this.render()), this.intervalS * 1000);
  }

  stop(): void {
    this.clock.clearTimer(this.timer);
  }

  render(): string {
    const facts = this.facts();
    const now = this.clock.monotonic();
    const upS = Math.round((now - this.startedMs) / 1000);
    const link = facts.link;
    const linkText =
      link.state === 'connected'
        ? `mqtt ${link.protocol === '5' ? 'v5' : 'v3.1.1'} up`
        : `mqtt ${link.state}`;
    const cameras = facts.cameras
      .map((camera) => {
        const lines = Object.entries(camera.totals).map(([name, total]) => `${name} ${total.lr}/${total.rl}`).join(' ');
        return `${camera.id} ${this.fps(camera, now).toFixed(1)} fps (vision ${camera.msPerFrame.toFixed(1)} ms, dropped ${camera.dropped}) ${lines}`;
      })
      .join(', ');
    return [
      `${this.who.node}@${this.who.site} boot ${this.who.boot} up ${upS}s`,
      `${linkText} (reconnects ${link.reconnects}, queued ${link.queued}, dropped ${link.dropped})`,
      `sent ${facts.publisher.sent} seq ${facts.publisher.lastSeq ?? '-'}`,
      `signal ${facts.mode}`,
      cameras || 'no cameras',
    ].join(' | ');
  }

  /** Frames the vision worker processed per second since the previous line. */
  private fps(camera: CameraSummary, now: number): number {
    const frames = camera.processed;
    const previous = this.lastFrames.get(camera.id);
    this.lastFrames.set(camera.id, { frames, atMs: now });
    if (!previous || now <= previous.atMs) return 0;
    return ((frames - previous.frames) * 1000) / (now - previous.atMs);
  }
}
