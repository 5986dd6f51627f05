import { crossingParameter, lineSide, pointInPolygon } from './line-side.js';
import type { CountLine, LaneDirection, SceneTruth, SceneZone } from './scene-types.js';
import type { WorldSignal } from './traffic-world.js';
import type { Vehicle } from './vehicle.js';

/** Crossing the stop line this long into red is running the red (ms). */
export const RED_GRACE_MS = 500;

export interface TruthRecorderOptions {
  /** The tracked lines, in the order of Vehicle.lastSide: stop first, then count. */
  stopLine: CountLine;
  countLine: CountLine;
  inboundLanes: readonly LaneDirection[];
  noStopping: SceneZone;
  fps: number;
  illegalStopSeconds: number;
}

/**
 * Ground truth from what the camera sees: each vehicle's painted box, frame by frame. A crossing is the
 * first frame in which the box centre is strictly on the other side of a line, provided the move from
 * the last frame on the old side passes through the segment. Safety events are derived the same way,
 * never from the behaviour a vehicle was given: red-light = crossing the stop line 'lr' at least 0.5 s
 * into red; wrong-way = crossing the count line 'rl' (up the image) inside an inbound lane; illegal stop
 * = a box unchanged for longer than the limit with its centre in the no-stopping zone.
 */
export class TruthRecorder {
  readonly truth: SceneTruth = { crossings: [], safety: [], vehicles: [] };
  private readonly lines: readonly CountLine[];
  private readonly inboundLanes: readonly LaneDirection[];
  private readonly noStopping: SceneZone;
  private readonly illegalStopFrames: number;

  constructor(options: TruthRecorderOptions) {
    this.lines = [options.stopLine, options.countLine];
    this.inboundLanes = options.inboundLanes;
    this.noStopping = options.noStopping;
    this.illegalStopFrames = Math.round(options.illegalStopSeconds * options.fps);
  }

  /** Called once per frame for every vehicle in the world, after its box was measured. */
  observe(vehicle: Vehicle, frame: number, signal: WorldSignal): void {
    if (!vehicle.visible) {
      this.markGone(vehicle, frame - 1);
      vehicle.stillFrames = 0;
      vehicle.prevX0 = -1;
      return;
    }
    if (vehicle.truthIndex < 0) {
      vehicle.truthIndex = this.truth.vehicles.length;
      this.truth.vehicles.push({ id: vehicle.id, kind: vehicle.kind, enterFrame: frame, exitFrame: null });
    } else {
      this.truth.vehicles[vehicle.truthIndex]!.exitFrame = null;
    }
    vehicle.everVisible = true;
    const cx = vehicle.centerX();
    const cy = vehicle.centerY();
    for (let k = 0; k < this.lines.length; k++) this.observeLine(vehicle, k, cx, cy, frame, signal);
    this.observeStillness(vehicle, cx, cy, frame);
  }

  /** The vehicle left the world; if it was visible in `lastVisibleFrame` that is its exit. */
  markGone(vehicle: Vehicle, lastVisibleFrame: number): void {
    if (vehicle.truthIndex < 0) return;
    const entry = this.truth.vehicles[vehicle.truthIndex]!;
    if (entry.exitFrame === null) entry.exitFrame = Math.max(entry.enterFrame, lastVisibleFrame);
  }

  private observeLine(vehicle: Vehicle, k: number, cx: number, cy: number, frame: number, signal: WorldSignal): void {
    const line = this.lines[k]!;
    const side = lineSide(line.a.x, line.a.y, line.b.x, line.b.y, cx, cy);
    if (side === 0) return;
    const sign = side > 0 ? 1 : -1;
    const last = vehicle.lastSide[k]!;
    if (last !== 0 && last !== sign) {
      const px = vehicle.lastSideX[k]!;
      const py = vehicle.lastSideY[k]!;
      const lastValue = lineSide(line.a.x, line.a.y, line.b.x, line.b.y, px, py);
      const t = crossingParameter(line.a.x, line.a.y, line.b.x, line.b.y, px, py, cx, cy, lastValue, side);
      if (t >= 0 && t <= 1) this.recordCrossing(vehicle, line.name, last < 0 ? 'lr' : 'rl', cx, cy, frame, signal);
    }
    vehicle.lastSide[k] = sign;
    vehicle.lastSideX[k] = cx;
    vehicle.lastSideY[k] = cy;
  }

  private recordCrossing(vehicle: Vehicle, line: string, direction: 'lr' | 'rl', cx: number, cy: number, frame: number, signal: WorldSignal): void {
    this.truth.crossings.push({ vehicleId: vehicle.id, line, direction, frame });
    if (line === this.lines[0]!.name && direction === 'lr' && signal.state === 'red' && signal.redElapsedMs >= RED_GRACE_MS) {
      this.truth.safety.push({ kind: 'red-light', vehicleId: vehicle.id, frame, line });
    }
    if (line === this.lines[1]!.name && direction === 'rl') {
      for (const lane of this.inboundLanes) {
        if (pointInPolygon(lane.points, cx, cy)) {
          this.truth.safety.push({ kind: 'wrong-way', vehicleId: vehicle.id, frame, line, zone: lane.lane });
          break;
        }
      }
    }
  }

  private observeStillness(vehicle: Vehicle, cx: number, cy: number, frame: number): void {
    const same = vehicle.x0 === vehicle.prevX0 && vehicle.y0 === vehicle.prevY0 && vehicle.x1 === vehicle.prevX1 && vehicle.y1 === vehicle.prevY1;
    if (same) vehicle.stillFrames++;
    else {
      vehicle.stillFrames = 0;
      vehicle.stillReported = false;
    }
    vehicle.prevX0 = vehicle.x0;
    vehicle.prevY0 = vehicle.y0;
    vehicle.prevX1 = vehicle.x1;
    vehicle.prevY1 = vehicle.y1;
    if (!vehicle.stillReported && vehicle.stillFrames > this.illegalStopFrames && pointInPolygon(this.noStopping.points, cx, cy)) {
      vehicle.stillReported = true;
      this.truth.safety.push({ kind: 'illegal-stop', vehicleId: vehicle.id, frame, zone: this.noStopping.name });
    }
  }
}
