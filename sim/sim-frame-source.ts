import type { Frame, FrameSource, FrameSourceStats } from '../edge/hal/camera.js';
import type { Clock, TimerHandle } from '../edge/hal/clock.js';
import { seededRandom } from './seeded-random.js';

export interface SimFrameSourceOptions {
  id: string;
  width: number;
  height: number;
  fps: number;
  clock: Clock;
  /** Same seed, same frames. */
  seed: number;
  /** Bright rectangles driving across the road. Default 4. */
  vehicles?: number;
  /** When it returns true at capture time the frame is dropped and counted (consumer still busy). */
  isConsumerBusy?: () => boolean;
}

/** A vehicle as a rectangle moving along its lane at constant speed, wrapping around the frame. */
interface SimVehicle {
  top: number;
  height: number;
  length: number;
  /** Left edge at frame 0, px. */
  x0: number;
  /** Signed, px per frame. */
  pxPerFrame: number;
  brightness: number;
}

const RING_SLOTS = 3;
const DEFAULT_VEHICLES = 4;

interface MutableFrame {
  data: Uint8Array;
  width: number;
  height: number;
  index: number;
  tsMs: number;
}

/**
 * A stand-in camera until the rendered scene exists: a static gray road (gradient plus lane markings)
 * with a few bright rectangles moving at constant speed, all derived from the seed. Frames are rendered
 * on the injected clock into a ring of three preallocated buffers; nothing is allocated per frame. The
 * picture depends only on the frame index, so a dropped frame leaves a gap, as on a real camera.
 */
export class SimFrameSource implements FrameSource {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;

  private readonly clock: Clock;
  private readonly background: Uint8Array;
  private readonly vehicles: SimVehicle[];
  private readonly ring: MutableFrame[];
  private readonly isConsumerBusy: (() => boolean) | undefined;
  private readonly counters: FrameSourceStats = { framesDelivered: 0, framesDropped: 0, restarts: 0 };
  private timer: TimerHandle | undefined;
  private listener: ((frame: Frame) => void) | null = null;
  private startedMs = 0;
  private nextIndex = 0;
  private everStarted = false;

  constructor(options: SimFrameSourceOptions) {
    if (!(options.fps > 0)) throw new RangeError(`SimFrameSource ${options.id}: fps must be > 0`);
    if (!Number.isInteger(options.width) || !Number.isInteger(options.height) || options.width < 8 || options.height < 8) {
      throw new RangeError(`SimFrameSource ${options.id}: width and height must be integers >= 8`);
    }
    this.id = options.id;
    this.width = options.width;
    this.height = options.height;
    this.fps = options.fps;
    this.clock = options.clock;
    this.isConsumerBusy = options.isConsumerBusy;
    this.background = renderRoad(this.width, this.height);
    this.vehicles = placeVehicles(this.width, this.height, options.fps, options.vehicles ?? DEFAULT_VEHICLES, options.seed);
    this.ring = [];
    for (let i = 0; i < RING_SLOTS; i++) {
      this.ring.push({ data: new Uint8Array(this.width * this.height), width: this.width, height: this.height, index: -1, tsMs: 0 });
    }
  }

  /** Starts capture: the first frame arrives one frame period later. A start after stop counts as a restart. */
  async start(onFrame: (frame: Frame) => void): Promise<void> {
    if (this.listener !== null) throw new Error(`SimFrameSource ${this.id}: already started`);
    if (this.everStarted) this.counters.restarts++;
    this.everStarted = true;
    this.listener = onFrame;
    this.startedMs = this.clock.monotonic();
    this.nextIndex = 0;
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
    const dueMs = this.startedMs + ((this.nextIndex + 1) * 1000) / this.fps;
    this.timer = this.clock.setTimer(() => this.capture(), Math.max(0, dueMs - this.clock.monotonic()));
  }

  private capture(): void {
    const listener = this.listener;
    if (listener === null) return;
    const index = this.nextIndex++;
    this.scheduleNext();
    if (this.isConsumerBusy?.() === true) {
      this.counters.framesDropped++;
      return;
    }
    const frame = this.ring[index % RING_SLOTS]!;
    this.render(frame.data, index);
    frame.index = index;
    frame.tsMs = this.clock.monotonic();
    this.counters.framesDelivered++;
    listener(frame);
  }

  private render(data: Uint8Array, index: number): void {
    data.set(this.background);
    const span = this.width;
    for (const vehicle of this.vehicles) {
      // Wrap over width + length so a vehicle leaves the frame fully before it re-enters.
      const track = this.width + vehicle.length;
      const travelled = (((vehicle.x0 + vehicle.pxPerFrame * index) % track) + track) % track;
      const left = Math.round(travelled) - vehicle.length;
      const x0 = Math.max(0, left);
      const x1 = Math.min(this.width, left + vehicle.length);
      if (x1 <= x0) continue;
      for (let y = vehicle.top; y < vehicle.top + vehicle.height; y++) {
        data.fill(vehicle.brightness, y * span + x0, y * span + x1);
      }
    }
  }
}

/** Road geometry shared by background and vehicles: the road band and its lanes. */
function roadBand(height: number): { top: number; bottom: number; lanes: number } {
  return { top: Math.floor(height * 0.35), bottom: Math.floor(height * 0.85), lanes: 4 };
}

/** Dark verges with a vertical gradient, a mid-gray road and dashed white-ish lane markings. */
function renderRoad(width: number, height: number): Uint8Array {
  const image = new Uint8Array(width * height);
  const road = roadBand(height);
  const laneHeight = (road.bottom - road.top) / road.lanes;
  for (let y = 0; y < height; y++) {
    const onRoad = y >= road.top && y < road.bottom;
    const laneOffset = (y - road.top) % laneHeight;
    const marking = onRoad && y > road.top && laneOffset < 1;
    for (let x = 0; x < width; x++) {
      let value: number;
      if (marking && Math.floor(x / 12) % 2 === 0) value = 170;
      else if (onRoad) value = 90 + Math.floor((x * 20) / width);
      else value = 30 + Math.floor((y * 40) / height);
      image[y * width + x] = value;
    }
  }
  return image;
}

function placeVehicles(width: number, height: number, fps: number, count: number, seed: number): SimVehicle[] {
  const random = seededRandom(seed);
  const road = roadBand(height);
  const laneHeight = (road.bottom - road.top) / road.lanes;
  const vehicles: SimVehicle[] = [];
  for (let i = 0; i < count; i++) {
    const lane = Math.floor(random() * road.lanes);
    const vehicleHeight = Math.max(2, Math.floor(laneHeight * 0.6));
    const pxPerSecond = (0.15 + random() * 0.35) * width;
    vehicles.push({
      top: Math.floor(road.top + lane * laneHeight + (laneHeight - vehicleHeight) / 2),
      height: vehicleHeight,
      length: Math.max(4, Math.floor(width * (0.08 + random() * 0.08))),
      x0: random() * width,
      // Lanes in the upper half drive left, the lower half right, like a two-way road.
      pxPerFrame: ((lane < road.lanes / 2 ? -1 : 1) * pxPerSecond) / fps,
      brightness: 200 + Math.floor(random() * 56),
    });
  }
  return vehicles;
}
