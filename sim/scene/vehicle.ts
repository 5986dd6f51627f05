import type { VehicleKind } from './scene-types.js';
import type { VehicleKindSpec } from './vehicle-kinds.js';

/** What a vehicle is doing in the world; injected safety events are roles, not labels. */
export type VehicleRole = 'inbound' | 'outbound' | 'wrong-way';
/** A kerb-lane vehicle that stops in the box junction: on its way, standing, then leaving. */
export type StopperPhase = 'none' | 'approaching' | 'standing' | 'leaving';
/** The decision taken at amber/red by an inbound vehicle upstream of the stop line. */
export type SignalDecision = 'none' | 'stop' | 'go';

/** Lines whose crossings the truth tracks per vehicle (stop, count). */
export const TRACKED_LINES = 2;

/**
 * One vehicle's mutable state. Instances live in a fixed pool and are reset on reuse, so the scene
 * allocates nothing per frame. Geometry: the body is a box X ∈ [left, left + width], Z ∈ [near, near +
 * length], Y ∈ [0, height]; `near` is the face toward the camera (the front when inbound).
 */
export class Vehicle {
  id = 0;
  active = false;
  kind: VehicleKind = 'car';
  spec!: VehicleKindSpec;
  role: VehicleRole = 'inbound';
  /** Lane index: 0 … inboundLanes−1 inbound from the kerb, inboundLanes = outbound. */
  lane = 0;
  near = 0;
  speed = 0;
  desiredSpeed = 0;
  /** Lateral offset of the body centre from the lane centre (m), and a lane change in progress. */
  lateral = 0;
  laneChangeFromX = 0;
  laneChangeProgress = 1;
  /** −1 turns off to the image left, +1 to the image right, 0 goes straight. */
  turn = 0;
  /** Sideways drift of a turning vehicle past the stop line (m). */
  turnOffset = 0;
  runsRed = false;
  stopper: StopperPhase = 'none';
  standingUntilMs = 0;
  decision: SignalDecision = 'none';
  /** Frames a stopped vehicle has wanted to move (reaction time before it pulls away). */
  startWaitFrames = 0;
  reactionFrames = 0;
  /** Gray levels of body, roof, near-face glass and the face details. */
  body = 0;
  roof = 0;
  glass = 0;
  lights = 0;

  // Image box of the current frame (inclusive pixels), valid when visible.
  visible = false;
  x0 = 0;
  y0 = 0;
  x1 = 0;
  y1 = 0;
  prevX0 = -1;
  prevY0 = -1;
  prevX1 = -1;
  prevY1 = -1;
  everVisible = false;
  /** Index into the truth's vehicles list. */
  truthIndex = -1;

  // Truth bookkeeping per tracked line: last strict side (−1, +1; 0 = not yet seen) and the centre then.
  readonly lastSide = new Int8Array(TRACKED_LINES);
  readonly lastSideX = new Float64Array(TRACKED_LINES);
  readonly lastSideY = new Float64Array(TRACKED_LINES);
  /** Consecutive frames with an unchanged box, and whether this standstill was already reported. */
  stillFrames = 0;
  stillReported = false;

  /** X (m) of the body's left side. */
  leftX(laneCenterX: number): number {
    const targetCenter = laneCenterX + this.lateral;
    const eased = this.laneChangeProgress >= 1 ? 1 : this.laneChangeProgress * this.laneChangeProgress * (3 - 2 * this.laneChangeProgress);
    const center = this.laneChangeFromX + (targetCenter - this.laneChangeFromX) * eased;
    return center + this.turnOffset - this.spec.width / 2;
  }

  centerX(): number {
    return (this.x0 + this.x1) / 2;
  }

  centerY(): number {
    return (this.y0 + this.y1) / 2;
  }

  resetFor(id: number, spec: VehicleKindSpec, role: VehicleRole, lane: number): void {
    this.id = id;
    this.active = true;
    this.kind = spec.kind;
    this.spec = spec;
    this.role = role;
    this.lane = lane;
    this.near = 0;
    this.speed = 0;
    this.desiredSpeed = 0;
    this.lateral = 0;
    this.laneChangeFromX = 0;
    this.laneChangeProgress = 1;
    this.turn = 0;
    this.turnOffset = 0;
    this.runsRed = false;
    this.stopper = 'none';
    this.standingUntilMs = 0;
    this.decision = 'none';
    this.startWaitFrames = 0;
    this.reactionFrames = 0;
    this.visible = false;
    this.prevX0 = this.prevY0 = this.prevX1 = this.prevY1 = -1;
    this.everVisible = false;
    this.truthIndex = -1;
    this.lastSide.fill(0);
    this.stillFrames = 0;
    this.stillReported = false;
  }
}
