import type { Frame, FrameSource, FrameSourceStats } from '../../edge/hal/camera.js';
import type { Clock, TimerHandle } from '../../edge/hal/clock.js';
import type { ApproachScene } from './approach-scene.js';

export interface SceneFrameSourceOptions {
  id: string;
  scene: ApproachScene;
  clock: Clock;
  /** When it returns true at capture time the frame is dropped and counted (consumer still busy). */
  isConsumerBusy?: () => boolean;
}

const RING_SLOTS = 3;

interface MutableFrame {
  data: Uint8Array;
  width: number;
  height: number;
  index: number;
  tsMs: number;
}

/**
 * A camera showing a rendered ApproachScene: frames at the scene's fps on the injected clock, rendered
 * into a ring of three preallocated buffers. A frame the consumer is too busy for is dropped and counted
 * and not rendered, but the scene's world still moves through it, so the next frame shows the traffic
 * where it really is and the truth stays complete. Frame index n is scene frame n of this source's run;
 * a scene only goes forward, so a restart continues from where the scene is rather than replaying it.
 */
export class SceneFrameSource implements FrameSource {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;

  private readonly scene: ApproachScene;
  private readonly clock: Clock;
  private readonly ring: MutableFrame[] = [];
  private readonly isConsumerBusy: (() => boolean) | undefined;
  private readonly counters: FrameSourceStats = { framesDelivered: 0, framesDropped: 0, restarts: 0 };
  private timer: TimerHandle | undefined;
  private listener: ((frame: Frame) => void) | null = null;
  private startedMs = 0;
  private ticks = 0;
  private nextIndex = 0;
  private everStarted = false;

  constructor(options: SceneFrameSourceOptions) {
    this.id = options.id;
    this.scene = options.scene;
    this.clock = options.clock;
    this.isConsumerBusy = options.isConsumerBusy;
    this.width = options.scene.width;
    this.height = options.scene.height;
    this.fps = options.scene.fps;
    for (let i = 0; i < RING_SLOTS; i++) {
      this.ring.push({ data: new Uint8Array(this.width * this.height), width: this.width, height: this.height, index: -1, tsMs: 0 });
    }
  }

  /** Starts capture: the first frame arrives one frame period later. A start after stop counts as a restart. */
  async start(onFrame: (frame: Frame) => void): Promise<void> {
    if (this.listener !== null) throw new Error(`SceneFrameSource ${this.id}: already started`);
    if (this.everStarted) this.counters.restarts++;
    this.everStarted = true;
    this.listener = onFrame;
    this.startedMs = this.clock.monotonic();
    this.ticks = 0;
    this.nextIndex = Math.max(this.nextIndex, this.scene.frameIndex);
    this.scheduleNext();
  }

  async stop(): Promise<void> {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.listener = null;
  }

  stats(): FrameSourceStats {
    return { ...this.counters };
  }

  /** Frames are due on a fixed grid from start, so a fractional period (1000/15 ms) does not drift. */
  private scheduleNext(): void {
    // Multiply before dividing: 15 × 1000 / 15 is exactly 1000, 15 × (1000 / 15) is not.
    const dueMs = this.startedMs + ((this.ticks + 1) * 1000) / this.fps;
    this.timer = this.clock.setTimer(() => this.capture(), Math.max(0, dueMs - this.clock.monotonic()));
  }

  private capture(): void {
    const listener = this.listener;
    if (listener === null) return;
    const index = this.nextIndex++;
    this.ticks++;
    this.scheduleNext();
    if (this.isConsumerBusy?.() === true) {
      this.counters.framesDropped++;
      return;
    }
    const frame = this.ring[index % RING_SLOTS]!;
    this.scene.renderFrame(index, frame.data);
    frame.index = index;
    frame.tsMs = this.clock.monotonic();
    this.counters.framesDelivered++;
    listener(frame);
  }
}
