import { CameraGeometry, LANE_WIDTH_M } from './camera-geometry.js';
import { DEFAULT_PLAN, FixedTimeSignal } from './fixed-time-signal.js';
import { ImageEffects } from './image-effects.js';
import { BOX_JUNCTION_DEPTH_M, hash2, renderRoadBackground } from './road-background.js';
import type {
  CountLine,
  LaneDirection,
  LineCounts,
  Point,
  SceneOptions,
  SceneTruth,
  SceneZone,
  SignalState,
  TrafficLevel,
  VehicleBox,
} from './scene-types.js';
import { SPAWN_Z, TrafficWorld, type WorldSignal } from './traffic-world.js';
import { TruthRecorder } from './truth-recorder.js';
import type { Vehicle } from './vehicle.js';
import { VehicleRasterizer, type SunDirection } from './vehicle-raster.js';

/** Simulated seconds before frame 0, so the road is already busy when recording starts. */
const WARM_UP_S = 60;
const DEFAULT_DURATION_S = 120;
const DEFAULT_ILLEGAL_STOP_S = 10;
const QUEUE_ZONE_LENGTH_M = 60;
/** A queue's vehicles are slower than this (m/s, about 7 km/h)… */
const QUEUE_SPEED_MPS = 2;
/** …its first stands within this of the stop line, each other within this of the one ahead (m). */
const QUEUE_HEAD_M = 6;
const QUEUE_GAP_M = 6;
/** Outbound and wrong-way vehicles are gone this far up the road (m). */
const FAR_EXIT_Z = SPAWN_Z;

/**
 * A seeded, deterministic camera view of one signalised approach, with exact ground truth. Frames are
 * rendered in order: renderFrame(i) advances the world to frame i (simulating skipped frames without
 * painting them) and paints into the caller's buffer. The picture of frame i depends only on the seed
 * and the world at i, so skipping frames changes nothing that is rendered later.
 */
export class ApproachScene {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly trafficLevel: TrafficLevel;
  readonly countLines: readonly CountLine[];
  readonly zones: readonly SceneZone[];
  readonly laneDirections: readonly LaneDirection[];

  private readonly geometry: CameraGeometry;
  private readonly world: TrafficWorld;
  private readonly raster: VehicleRasterizer;
  private readonly effects: ImageEffects;
  private readonly recorder: TruthRecorder;
  private readonly background: Uint8Array;
  private readonly shadows: boolean;
  private readonly sun: SunDirection;
  private readonly signalOf: (tMs: number) => SignalState;
  private readonly fixedSignal: FixedTimeSignal | null;
  private readonly currentSignal: WorldSignal = { state: 'green', redElapsedMs: 0, redRemainingMs: null };
  private redSinceMs = 0;
  private frame: number;
  /** Vehicles sorted far to near for painting; reused every frame. */
  private readonly paintOrder: Vehicle[] = [];
  private readonly boxList: VehicleBox[] = [];
  private readonly boxPool: VehicleBox[] = [];

  constructor(options: SceneOptions) {
    this.seed = options.seed;
    this.width = options.width ?? 320;
    this.height = options.height ?? 240;
    this.fps = options.fps ?? 15;
    this.trafficLevel = options.trafficLevel ?? 'medium';
    if (!Number.isInteger(this.width) || !Number.isInteger(this.height) || this.width < 64 || this.height < 48) {
      throw new RangeError('ApproachScene: width and height must be integers, at least 64×48');
    }
    if (!(this.fps > 0 && this.fps <= 120)) throw new RangeError('ApproachScene: fps must be in (0, 120]');
    const lanes = options.lanes ?? { inbound: 2, outbound: true };
    if (lanes.inbound !== 2 && lanes.inbound !== 3) throw new RangeError('ApproachScene: lanes.inbound must be 2 or 3');
    const effects = options.effects ?? {};
    const safety = options.safety ?? {};

    this.geometry = new CameraGeometry(this.width, this.height, lanes.inbound, lanes.outbound);
    this.countLines = makeCountLines(this.geometry);
    this.laneDirections = makeLaneDirections(this.geometry);
    this.zones = makeZones(this.geometry);

    if (options.signal !== undefined) {
      const external = options.signal;
      // Warm-up runs before time 0; an external plan is asked about time 0 for it.
      this.signalOf = (tMs) => external(Math.max(0, tMs));
      this.fixedSignal = null;
    } else {
      const cycle = DEFAULT_PLAN.greenMs + DEFAULT_PLAN.amberMs + DEFAULT_PLAN.redMs;
      const fixed = new FixedTimeSignal({ ...DEFAULT_PLAN, offsetMs: Math.floor(hash2(this.seed, 3, 0x519) * cycle) });
      this.signalOf = (tMs) => fixed.stateAt(tMs);
      this.fixedSignal = fixed;
    }

    this.world = new TrafficWorld({
      geometry: this.geometry,
      seed: this.seed,
      fps: this.fps,
      trafficLevel: this.trafficLevel,
      safety: { redLightRunners: safety.redLightRunners ?? 0, wrongWay: safety.wrongWay ?? 0, illegalStops: safety.illegalStops ?? 0 },
      durationSeconds: options.durationSeconds ?? DEFAULT_DURATION_S,
    });
    this.raster = new VehicleRasterizer(this.geometry);
    this.effects = new ImageEffects(this.width, this.height, this.seed, effects);
    this.background = renderRoadBackground(this.geometry, this.seed);
    this.shadows = effects.shadows ?? false;
    const sunAngle = hash2(this.seed, 5, 0x5a11) * Math.PI * 2;
    const sunLength = 0.5 + 0.5 * hash2(this.seed, 6, 0x5a11);
    this.sun = { dx: Math.cos(sunAngle) * sunLength, dz: Math.sin(sunAngle) * sunLength * 0.6 };
    const noStopping = this.zones.find((zone) => zone.name === 'no-stopping')!;
    this.recorder = new TruthRecorder({
      stopLine: this.countLines[0]!,
      countLine: this.countLines[1]!,
      inboundLanes: this.laneDirections.filter((lane) => lane.travel === 'down'),
      noStopping,
      fps: this.fps,
      illegalStopSeconds: safety.illegalStopSeconds ?? DEFAULT_ILLEGAL_STOP_S,
    });
    for (let i = 0; i < this.world.pool.length; i++) {
      this.boxPool.push({ vehicleId: 0, kind: 'car', lane: '', x0: 0, y0: 0, x1: 0, y1: 0, centerX: 0, centerY: 0 });
    }

    const warmUpFrames = Math.round(WARM_UP_S * this.fps);
    this.frame = -warmUpFrames - 1;
    this.world.startAt(-WARM_UP_S);
    this.updateSignal(this.frameTimeMs(this.frame), true);
    while (this.frame < 0) this.step();
  }

  /** The frame the world is at (−1 before the first step after warm-up is impossible: it starts at 0). */
  get frameIndex(): number {
    return this.frame;
  }

  frameTimeMs(frame: number): number {
    return (frame * 1000) / this.fps;
  }

  /** Advances the world one frame: traffic, boxes, truth. */
  step(): void {
    this.frame++;
    const tMs = this.frameTimeMs(this.frame);
    this.updateSignal(tMs, false);
    const recording = this.frame >= 0;
    this.world.step(tMs, this.currentSignal, recording);
    for (const vehicle of this.world.pool) {
      if (!vehicle.active) continue;
      this.raster.measure(vehicle, this.world.laneCenterX(vehicle));
      if (recording) this.recorder.observe(vehicle, this.frame, this.currentSignal);
      if (this.hasLeft(vehicle)) {
        if (recording) this.recorder.markGone(vehicle, vehicle.visible ? this.frame : this.frame - 1);
        this.world.release(vehicle);
      }
    }
  }

  /** Steps until the world is at frameIndex; frames only go forward. */
  advanceTo(frameIndex: number): void {
    if (!Number.isInteger(frameIndex) || frameIndex < this.frame) {
      throw new RangeError(`ApproachScene: cannot go to frame ${frameIndex}, the world is at frame ${this.frame}`);
    }
    while (this.frame < frameIndex) this.step();
  }

  /** Renders frame `index` (≥ the current frame) into out (width × height gray bytes). */
  renderFrame(index: number, out: Uint8Array): void {
    if (out.length < this.width * this.height) throw new RangeError(`ApproachScene: buffer of ${out.length} bytes, need ${this.width * this.height}`);
    this.advanceTo(index);
    const tMs = this.frameTimeMs(index);
    out.set(this.background);
    const order = this.sortedFarToNear();
    if (this.shadows) {
      const shade = this.effects.shadowLookup(tMs);
      for (const vehicle of order) this.raster.paintShadow(vehicle, this.world.laneCenterX(vehicle), this.sun, this.background, shade, out);
    }
    for (const vehicle of order) if (vehicle.visible) this.raster.paintBody(vehicle, this.world.laneCenterX(vehicle), out);
    this.effects.apply(out, index, tMs);
  }

  signalState(): SignalState {
    return this.currentSignal.state;
  }

  /** The visible vehicles' boxes at the current frame. The array and its objects are reused: copy to keep. */
  boxes(): readonly VehicleBox[] {
    this.boxList.length = 0;
    let used = 0;
    for (const vehicle of this.world.pool) {
      if (!vehicle.active || !vehicle.visible) continue;
      const box = this.boxPool[used++]!;
      box.vehicleId = vehicle.id;
      box.kind = vehicle.kind;
      box.lane = vehicle.role === 'outbound' ? 'out' : LANE_NAMES[vehicle.lane]!;
      box.x0 = vehicle.x0;
      box.y0 = vehicle.y0;
      box.x1 = vehicle.x1;
      box.y1 = vehicle.y1;
      box.centerX = vehicle.centerX();
      box.centerY = vehicle.centerY();
      this.boxList.push(box);
    }
    return this.boxList;
  }

  /**
   * Each inbound lane's queue at the current frame (kerb lane first): metres from the stop line to the
   * rear of the queue's last vehicle, 0 without a queue. A queue starts with a vehicle standing or
   * crawling (below QUEUE_SPEED_MPS) within QUEUE_HEAD_M behind the line, and goes on through each
   * vehicle behind, slow as well, within QUEUE_GAP_M of the one ahead (as traffic engineers count a
   * queue: vehicles stopped or joining it at a crawl).
   */
  queueLengthsM(): number[] {
    const stopZ = this.geometry.stopZ;
    const lengths: number[] = [];
    for (let lane = 0; lane < this.geometry.inboundLanes; lane++) {
      const upstream = this.world.pool
        .filter((v) => v.active && v.role === 'inbound' && v.lane === lane && v.near + v.spec.length > stopZ)
        .sort((p, q) => p.near - q.near);
      let rear = stopZ;
      let queued = 0;
      for (const vehicle of upstream) {
        const gap = vehicle.near - rear;
        if (vehicle.speed >= QUEUE_SPEED_MPS || gap > (queued === 0 ? QUEUE_HEAD_M : QUEUE_GAP_M)) break;
        rear = vehicle.near + vehicle.spec.length;
        queued++;
      }
      lengths.push(rear - stopZ);
    }
    return lengths;
  }

  /**
   * Four image points and the road points (metres: x across, y along the road from the camera) they
   * show, where the kerb-side and median edges meet the stop and count lines: what a technician measures
   * for `cameras[].calibration`.
   */
  groundCalibration(): { image: Point[]; ground: Point[] } {
    const g = this.geometry;
    const ground = [
      { x: g.leftKerbX, y: g.stopZ },
      { x: g.medianX, y: g.stopZ },
      { x: g.medianX, y: g.countZ },
      { x: g.leftKerbX, y: g.countZ },
    ];
    return { image: ground.map((p) => g.groundPoint(p.x, p.y)), ground };
  }

  /** Ground truth accumulated up to the current frame (live: it grows as frames are rendered). */
  truth(): SceneTruth {
    return this.recorder.truth;
  }

  /** Crossings per line and direction so far. */
  counts(): LineCounts {
    const counts: LineCounts = {};
    for (const line of this.countLines) counts[line.name] = { lr: 0, rl: 0, total: 0 };
    for (const crossing of this.recorder.truth.crossings) {
      const entry = counts[crossing.line]!;
      entry[crossing.direction]++;
      entry.total++;
    }
    return counts;
  }

  private updateSignal(tMs: number, initial: boolean): void {
    const state = this.signalOf(tMs);
    if (state === 'red' && (initial || this.currentSignal.state !== 'red')) this.redSinceMs = tMs;
    this.currentSignal.state = state;
    this.currentSignal.redElapsedMs = state === 'red' ? tMs - this.redSinceMs : 0;
    this.currentSignal.redRemainingMs = this.fixedSignal === null ? null : this.fixedSignal.redRemainingMs(tMs);
  }

  private hasLeft(vehicle: Vehicle): boolean {
    if (vehicle.role !== 'inbound') return vehicle.near > FAR_EXIT_Z;
    if (vehicle.near + vehicle.spec.length <= 0) return true;
    // Past the stop line and out of the picture (under the camera or off to the side after a turn).
    return vehicle.everVisible && !vehicle.visible && vehicle.near < this.geometry.stopZ;
  }

  private sortedFarToNear(): Vehicle[] {
    const order = this.paintOrder;
    order.length = 0;
    for (const vehicle of this.world.pool) if (vehicle.active) order.push(vehicle);
    // Insertion sort: the order barely changes between frames, and it allocates nothing.
    for (let i = 1; i < order.length; i++) {
      const vehicle = order[i]!;
      let j = i - 1;
      while (j >= 0 && order[j]!.near < vehicle.near) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = vehicle;
    }
    return order;
  }
}

const LANE_NAMES = ['in-0', 'in-1', 'in-2', 'out'];

function roundPoint(point: Point): Point {
  return { x: Math.round(point.x * 100) / 100, y: Math.round(point.y * 100) / 100 };
}

/** 'stop' along the stop line across the inbound lanes; 'count' across every lane nearer the camera. */
function makeCountLines(g: CameraGeometry): CountLine[] {
  return [
    { name: 'stop', a: roundPoint(g.groundPoint(g.leftKerbX, g.stopZ)), b: roundPoint(g.groundPoint(g.medianX, g.stopZ)) },
    { name: 'count', a: roundPoint(g.groundPoint(g.leftKerbX, g.countZ)), b: roundPoint(g.groundPoint(g.rightKerbX, g.countZ)) },
  ];
}

/** Each lane from below the bottom edge to the horizon, inbound ones travelling down the image. */
function makeLaneDirections(g: CameraGeometry): LaneDirection[] {
  const lanes: LaneDirection[] = [];
  const total = g.inboundLanes + (g.hasOutbound ? 1 : 0);
  for (let lane = 0; lane < total; lane++) {
    const inbound = lane < g.inboundLanes;
    const left = g.laneLeftX(lane);
    const centre = left + LANE_WIDTH_M / 2;
    const upstream = g.groundPoint(centre, g.countZ + 1);
    const downstream = g.groundPoint(centre, g.countZ - 1);
    const dx = inbound ? downstream.x - upstream.x : upstream.x - downstream.x;
    const dy = inbound ? downstream.y - upstream.y : upstream.y - downstream.y;
    const norm = Math.hypot(dx, dy);
    lanes.push({
      lane: inbound ? LANE_NAMES[lane]! : 'out',
      points: g.groundQuad(left, left + LANE_WIDTH_M, g.bottomZ * 0.5, SPAWN_Z).map(roundPoint),
      travel: inbound ? 'down' : 'up',
      direction: { x: dx / norm, y: dy / norm },
    });
  }
  return lanes;
}

/** A queue zone behind the stop line per inbound lane, and the box junction as the no-stopping zone. */
function makeZones(g: CameraGeometry): SceneZone[] {
  const zones: SceneZone[] = [];
  for (let lane = 0; lane < g.inboundLanes; lane++) {
    const left = g.laneLeftX(lane);
    zones.push({ name: `queue-${LANE_NAMES[lane]}`, lane: LANE_NAMES[lane]!, points: g.groundQuad(left, left + LANE_WIDTH_M, g.stopZ + 0.2, g.stopZ + QUEUE_ZONE_LENGTH_M).map(roundPoint) });
  }
  zones.push({ name: 'no-stopping', lane: null, points: g.groundQuad(g.leftKerbX, g.medianX, g.stopZ - BOX_JUNCTION_DEPTH_M, g.stopZ - 0.2).map(roundPoint) });
  return zones;
}
