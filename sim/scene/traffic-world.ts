import { seededRandom } from '../seeded-random.js';
import { type CameraGeometry, NEAR_CLIP_M } from './camera-geometry.js';
import type { SafetyInjection, SignalState, TrafficLevel } from './scene-types.js';
import { Vehicle } from './vehicle.js';
import { ARRIVALS_PER_SECOND, INBOUND_KIND_MIX, OUTBOUND_KIND_MIX, VEHICLE_KINDS, pickKind } from './vehicle-kinds.js';

/** Vehicles appear this far up the road (m): a dot at the horizon. Outbound ones leave beyond it. */
export const SPAWN_Z = 320;
const POOL_SIZE = 256;
/** IDM comfortable deceleration (m/s²) and time headway (s). */
const COMFORT_BRAKE = 2.5;
const HEADWAY_S = 1.2;
/** Deceleration a driver accepts when deciding to stop at amber (m/s²). */
const DECISION_BRAKE = 4;
/** Stopped vehicles pull away only for an acceleration at least this (m/s²) — no creeping in a queue. */
const START_THRESHOLD = 0.3;
const STOP_SPEED = 0.08;
const CRAWL_SPEED = 0.5;
/** Front bumper distance behind the stop line where vehicles aim to stop (m). */
const STOP_MARGIN = 0.4;
const TURN_RADIUS_M = 6;
const TURN_SPEED = 5.5;
/** A turning vehicle no longer blocks its lane once this far sideways (m). */
const TURN_CLEAR_M = 2.5;
const LANE_CHANGE_S = 3;
/** Lane changes only happen this far upstream of the stop line (m). */
const LANE_CHANGE_MIN_UPSTREAM = 25;
/** Rear of an illegally stopped vehicle this far past the stop line (m): inside the box junction. */
const STOPPER_REAR_PAST_LINE = 1.2;
/** Red-light runners are chosen among lane leaders at most this far upstream (m). */
const RUNNER_MAX_UPSTREAM = 45;
/** Wrong-way riders keep this close to the centre line, well inside the inbound lane (m). */
const WRONG_WAY_FROM_MEDIAN_M = 0.7;

export interface WorldSignal {
  state: SignalState;
  /** How long the signal has been red (ms); 0 when not red. */
  redElapsedMs: number;
  /** How long the red still lasts, when known (fixed-time signal); null for an external signal. */
  redRemainingMs: number | null;
}

export interface TrafficWorldOptions {
  geometry: CameraGeometry;
  seed: number;
  fps: number;
  trafficLevel: TrafficLevel;
  safety: Required<Omit<SafetyInjection, 'illegalStopSeconds'>>;
  durationSeconds: number;
}

/**
 * The traffic on the approach, in metres and seconds: arrivals, car following (IDM), stopping at amber
 * and red, queues that discharge with reaction times, turns after the stop line, lane changes upstream,
 * outbound traffic, and the injected unsafe behaviours (red-light runners, wrong-way riders, illegal
 * stops). Vehicles come from a fixed pool; a step allocates nothing.
 */
export class TrafficWorld {
  readonly pool: Vehicle[] = [];
  private readonly geometry: CameraGeometry;
  private readonly random: () => number;
  private readonly dt: number;
  private readonly fps: number;
  private readonly inboundRate: number;
  private readonly outboundRate: number;
  private readonly nextInboundS: Float64Array;
  private nextOutboundS = 0;
  private nextId = 1;
  private readonly accelerations = new Float64Array(POOL_SIZE);
  /** Furthest a vehicle may move this step without touching what is ahead (m). */
  private readonly maxMoves = new Float64Array(POOL_SIZE);
  private readonly runnerTimesS: number[];
  private readonly wrongWayTimesS: number[];
  private readonly stopperTimesS: number[];
  private runnersDone = 0;
  private wrongWayDone = 0;
  private stoppersDone = 0;

  constructor(options: TrafficWorldOptions) {
    this.geometry = options.geometry;
    this.random = seededRandom(options.seed ^ 0x5eed_0001);
    this.fps = options.fps;
    this.dt = 1 / options.fps;
    this.inboundRate = ARRIVALS_PER_SECOND[options.trafficLevel].inbound;
    this.outboundRate = options.geometry.hasOutbound ? ARRIVALS_PER_SECOND[options.trafficLevel].outbound : 0;
    for (let i = 0; i < POOL_SIZE; i++) this.pool.push(new Vehicle());
    this.nextInboundS = new Float64Array(options.geometry.inboundLanes);
    const duration = options.durationSeconds;
    // Each behaviour needs time to play out: a runner waits for a red, a stopper drives to the junction.
    this.runnerTimesS = this.spread(options.safety.redLightRunners, 5, duration - 25);
    this.wrongWayTimesS = this.spread(options.safety.wrongWay, 5, duration - 15);
    this.stopperTimesS = this.spread(options.safety.illegalStops, 0, duration - 70);
  }

  /** Evenly spread times in [from, to] with seeded jitter, sorted. */
  private spread(count: number, from: number, to: number): number[] {
    const span = Math.max(1, to - from);
    const times: number[] = [];
    for (let k = 0; k < count; k++) times.push(from + (span * (k + 0.25 + 0.5 * this.random())) / count);
    return times;
  }

  /** Starts arrivals at time tS (the start of the warm-up). */
  startAt(tS: number): void {
    for (let lane = 0; lane < this.nextInboundS.length; lane++) this.nextInboundS[lane] = tS + this.exponential(this.inboundRate);
    this.nextOutboundS = tS + this.exponential(this.outboundRate);
  }

  private exponential(rate: number): number {
    if (rate <= 0) return Number.POSITIVE_INFINITY;
    return -Math.log(1 - this.random()) / rate;
  }

  laneCenterX(vehicle: Vehicle): number {
    return this.geometry.laneCenterX(vehicle.lane);
  }

  release(vehicle: Vehicle): void {
    vehicle.active = false;
  }

  step(tMs: number, signal: WorldSignal, injectSafety: boolean): void {
    const tS = tMs / 1000;
    this.spawnArrivals(tS);
    if (injectSafety) this.injectBehaviours(tS, signal);
    for (let i = 0; i < POOL_SIZE; i++) {
      const vehicle = this.pool[i]!;
      if (vehicle.active) this.accelerations[i] = this.acceleration(i, vehicle, tMs, signal);
    }
    for (let i = 0; i < POOL_SIZE; i++) {
      const vehicle = this.pool[i]!;
      if (vehicle.active) this.integrate(i, vehicle);
    }
    this.considerLaneChanges();
  }

  private free(): Vehicle | null {
    for (const vehicle of this.pool) if (!vehicle.active) return vehicle;
    return null;
  }

  private spawnArrivals(tS: number): void {
    for (let lane = 0; lane < this.nextInboundS.length; lane++) {
      if (tS < this.nextInboundS[lane]!) continue;
      // A queue reaching back to the spawn point holds arrivals back (spillback): try again next step.
      if (this.spawnInbound(lane)) this.nextInboundS[lane] = tS + Math.max(0.8, this.exponential(this.inboundRate));
    }
    if (tS >= this.nextOutboundS && this.spawnOutbound()) {
      this.nextOutboundS = tS + Math.max(1.5, this.exponential(this.outboundRate));
    }
  }

  private spawnInbound(lane: number): boolean {
    const last = this.lastInLane(lane);
    const spec = VEHICLE_KINDS[pickKind(INBOUND_KIND_MIX, this.random())];
    if (last !== null && last.near + last.spec.length > SPAWN_Z - spec.jamGap - 4) return false;
    const vehicle = this.free();
    if (vehicle === null) return false;
    vehicle.resetFor(this.nextId++, spec, 'inbound', lane);
    vehicle.near = SPAWN_Z;
    this.dress(vehicle);
    vehicle.speed = vehicle.desiredSpeed * 0.9;
    // Next to the centre line drivers keep away from oncoming traffic.
    if (lane === this.geometry.inboundLanes - 1) vehicle.lateral = -Math.abs(vehicle.lateral);
    if (last !== null && last.near + last.spec.length > SPAWN_Z - 60) vehicle.speed = Math.min(vehicle.speed, last.speed);
    vehicle.laneChangeFromX = this.geometry.laneCenterX(lane);
    const lastLane = this.geometry.inboundLanes - 1;
    if (lane === 0 && this.random() < 0.18) vehicle.turn = -1;
    else if (lane === lastLane && lane > 0 && this.random() < 0.12) vehicle.turn = 1;
    return true;
  }

  private spawnOutbound(): boolean {
    const lane = this.geometry.inboundLanes;
    const spec = VEHICLE_KINDS[pickKind(OUTBOUND_KIND_MIX, this.random())];
    for (const other of this.pool) {
      if (other.active && other.role === 'outbound' && other.near < NEAR_CLIP_M + spec.length + spec.jamGap + 3) return false;
    }
    const vehicle = this.free();
    if (vehicle === null) return false;
    vehicle.resetFor(this.nextId++, spec, 'outbound', lane);
    vehicle.near = NEAR_CLIP_M;
    this.dress(vehicle);
    vehicle.speed = vehicle.desiredSpeed * 0.7;
    vehicle.laneChangeFromX = this.geometry.laneCenterX(lane);
    return true;
  }

  /**
   * A motorbike riding up the inbound lane next to the centre line, against the traffic, from under the
   * camera: beside the line, where inbound vehicles in that lane leave room (they keep away from it).
   */
  private spawnWrongWay(): boolean {
    const vehicle = this.free();
    if (vehicle === null) return false;
    const lane = this.geometry.inboundLanes - 1;
    vehicle.resetFor(this.nextId++, VEHICLE_KINDS.motorbike, 'wrong-way', lane);
    vehicle.near = NEAR_CLIP_M;
    this.dress(vehicle);
    vehicle.lateral = this.geometry.medianX - WRONG_WAY_FROM_MEDIAN_M - this.geometry.laneCenterX(lane);
    vehicle.laneChangeFromX = this.geometry.laneCenterX(lane);
    vehicle.speed = vehicle.desiredSpeed = 5.5 + 1.5 * this.random();
    return true;
  }

  /** Per-vehicle driving style and looks: some darker than the road, some lighter, some close to it. */
  private dress(vehicle: Vehicle): void {
    const spec = vehicle.spec;
    const r = this.random;
    vehicle.desiredSpeed = spec.minSpeed + (spec.maxSpeed - spec.minSpeed) * r();
    vehicle.lateral = (2 * r() - 1) * spec.lateralJitter;
    vehicle.reactionFrames = Math.round((0.6 + 0.8 * r()) * this.fps);
    const tone = r();
    vehicle.body = tone < 0.4 ? 20 + 55 * r() : tone < 0.6 ? 85 + 65 * r() : 170 + 70 * r();
    const roofShift = (r() < 0.6 ? 1 : -1) * (20 + 35 * r());
    vehicle.roof = Math.max(10, Math.min(250, vehicle.body + roofShift));
    vehicle.glass = 30 + 35 * r();
    vehicle.lights = vehicle.role === 'inbound' ? 200 + 50 * r() : 60 + 40 * r();
  }

  private lastInLane(lane: number): Vehicle | null {
    let last: Vehicle | null = null;
    for (const other of this.pool) {
      if (!other.active || other.role !== 'inbound' || other.lane !== lane) continue;
      if (last === null || other.near > last.near) last = other;
    }
    return last;
  }

  /** The nearest inbound vehicle ahead in the same lane that still occupies it, or null. */
  private leaderOf(vehicle: Vehicle): Vehicle | null {
    let leader: Vehicle | null = null;
    for (const other of this.pool) {
      if (!other.active || other === vehicle || other.role !== vehicle.role || other.lane !== vehicle.lane) continue;
      if (Math.abs(other.turnOffset) > TURN_CLEAR_M) continue;
      if (vehicle.role === 'inbound') {
        if (other.near < vehicle.near && (leader === null || other.near > leader.near)) leader = other;
      } else if (other.near > vehicle.near && (leader === null || other.near < leader.near)) leader = other;
    }
    return leader;
  }

  private injectBehaviours(tS: number, signal: WorldSignal): void {
    const wrongWayDue = this.wrongWayTimesS[this.wrongWayDone];
    if (wrongWayDue !== undefined && tS >= wrongWayDue && this.spawnWrongWay()) this.wrongWayDone++;

    const runnerDue = this.runnerTimesS[this.runnersDone];
    const redLongEnough = signal.state === 'red' && signal.redElapsedMs >= 1000 && (signal.redRemainingMs === null || signal.redRemainingMs >= 10_000);
    if (runnerDue !== undefined && tS >= runnerDue && redLongEnough) {
      const runner = this.pickRunner();
      if (runner !== null) {
        runner.runsRed = true;
        runner.decision = 'go';
        runner.desiredSpeed = Math.max(runner.desiredSpeed, 10);
        this.runnersDone++;
      }
    }

    const stopperDue = this.stopperTimesS[this.stoppersDone];
    if (stopperDue !== undefined && tS >= stopperDue) {
      const stopper = this.pickStopper();
      if (stopper !== null) {
        stopper.stopper = 'approaching';
        this.stoppersDone++;
      }
    }
  }

  /** A lane leader upstream of the stop line (moving or first in the queue), going straight. */
  private pickRunner(): Vehicle | null {
    const stopZ = this.geometry.stopZ;
    let candidates = 0;
    let chosen: Vehicle | null = null;
    for (let lane = 0; lane < this.geometry.inboundLanes; lane++) {
      let first: Vehicle | null = null;
      for (const other of this.pool) {
        if (!other.active || other.role !== 'inbound' || other.lane !== lane || other.near <= stopZ) continue;
        if (first === null || other.near < first.near) first = other;
      }
      if (first === null || first.turn !== 0 || first.stopper !== 'none' || first.near - stopZ > RUNNER_MAX_UPSTREAM) continue;
      candidates++;
      // Reservoir choice keeps it uniform without building a list.
      if (this.random() * candidates < 1) chosen = first;
    }
    return chosen;
  }

  /** A kerb-lane car or van on its way, far enough to plan a stop in the junction. */
  private pickStopper(): Vehicle | null {
    const stopZ = this.geometry.stopZ;
    for (const other of this.pool) {
      if (!other.active || other.role !== 'inbound' || other.lane !== 0 || other.turn !== 0 || other.runsRed) continue;
      if (other.kind !== 'car' && other.kind !== 'van') continue;
      if (other.laneChangeProgress < 1 || other.near < stopZ + 30 || other.near > stopZ + 160) continue;
      return other;
    }
    return null;
  }

  /** Intelligent Driver Model acceleration toward a gap ahead closing at closingSpeed. */
  private idm(vehicle: Vehicle, gap: number, closingSpeed: number): number {
    const spec = vehicle.spec;
    const v = vehicle.speed;
    const free = 1 - (v / vehicle.desiredSpeed) ** 4;
    if (!Number.isFinite(gap)) return spec.acceleration * free;
    const desiredGap = spec.jamGap + Math.max(0, v * HEADWAY_S + (v * closingSpeed) / (2 * Math.sqrt(spec.acceleration * COMFORT_BRAKE)));
    const ratio = desiredGap / Math.max(gap, 0.05);
    return spec.acceleration * (free - ratio * ratio);
  }

  private acceleration(index: number, vehicle: Vehicle, tMs: number, signal: WorldSignal): number {
    this.maxMoves[index] = Number.POSITIVE_INFINITY;
    if (vehicle.role === 'wrong-way') return 0;
    const stopZ = this.geometry.stopZ;
    const inbound = vehicle.role === 'inbound';
    if (inbound && vehicle.turn !== 0 && vehicle.near < stopZ) vehicle.desiredSpeed = Math.min(vehicle.desiredSpeed, TURN_SPEED);

    let acc = this.idm(vehicle, Number.POSITIVE_INFINITY, 0);
    const leader = this.leaderOf(vehicle);
    if (leader !== null) {
      const gap = inbound ? vehicle.near - (leader.near + leader.spec.length) : leader.near - (vehicle.near + vehicle.spec.length);
      acc = Math.min(acc, this.idm(vehicle, gap, vehicle.speed - leader.speed));
      this.maxMoves[index] = Math.max(0, gap - 0.3);
    }
    if (!inbound) return acc;

    if (signal.state === 'green') {
      if (!vehicle.runsRed) vehicle.decision = 'none';
    } else if (vehicle.near > stopZ && !vehicle.runsRed) {
      const stopAt = stopZ + STOP_MARGIN;
      // A crawling vehicle can always stop, even one that meant to go but was held up before the line.
      if (vehicle.decision === 'go' && vehicle.speed < CRAWL_SPEED) vehicle.decision = 'stop';
      if (vehicle.decision === 'none') {
        const distance = vehicle.near - stopAt;
        const canStop = vehicle.speed < CRAWL_SPEED || distance >= (vehicle.speed * vehicle.speed) / (2 * DECISION_BRAKE);
        vehicle.decision = canStop ? 'stop' : 'go';
      }
      if (vehicle.decision === 'stop') {
        acc = Math.min(acc, this.idm(vehicle, vehicle.near - (stopAt - vehicle.spec.jamGap), vehicle.speed));
        this.maxMoves[index] = Math.min(this.maxMoves[index]!, Math.max(0, vehicle.near - (stopZ + 0.15)));
      }
    }

    if (vehicle.stopper === 'approaching' || vehicle.stopper === 'standing') {
      const target = stopZ - STOPPER_REAR_PAST_LINE - vehicle.spec.length;
      if (vehicle.stopper === 'approaching' && vehicle.speed === 0 && vehicle.near - target < 1.5) {
        vehicle.stopper = 'standing';
        vehicle.standingUntilMs = tMs + 13_000 + 7_000 * this.random();
      }
      if (vehicle.stopper === 'standing') {
        if (tMs < vehicle.standingUntilMs) return Math.min(acc, 0);
        vehicle.stopper = 'leaving';
      } else {
        acc = Math.min(acc, this.idm(vehicle, vehicle.near - (target - vehicle.spec.jamGap), vehicle.speed));
        this.maxMoves[index] = Math.min(this.maxMoves[index]!, Math.max(0, vehicle.near - target));
      }
    }
    return acc;
  }

  private integrate(index: number, vehicle: Vehicle): void {
    const dt = this.dt;
    if (vehicle.role === 'wrong-way') {
      vehicle.near += vehicle.speed * dt;
      return;
    }
    let acc = Math.max(-9, this.accelerations[index]!);
    if (vehicle.speed === 0) {
      if (acc < START_THRESHOLD) {
        vehicle.startWaitFrames = 0;
        acc = 0;
      } else if (++vehicle.startWaitFrames < vehicle.reactionFrames) {
        acc = 0;
      }
    }
    let speed = vehicle.speed + acc * dt;
    if (speed < STOP_SPEED && acc < 0) speed = 0;
    if (speed > 0) vehicle.startWaitFrames = 0;
    const move = Math.min((vehicle.speed + speed) * 0.5 * dt, this.maxMoves[index]!);
    vehicle.speed = speed;
    if (vehicle.role === 'inbound') vehicle.near -= move;
    else vehicle.near += move;

    if (vehicle.laneChangeProgress < 1) vehicle.laneChangeProgress = Math.min(1, vehicle.laneChangeProgress + dt / LANE_CHANGE_S);
    if (vehicle.role === 'inbound' && vehicle.turn !== 0 && vehicle.near < this.geometry.stopZ) {
      const past = this.geometry.stopZ - vehicle.near;
      vehicle.turnOffset = (vehicle.turn * past * past) / (2 * TURN_RADIUS_M);
    }
  }

  /** Now and then a vehicle upstream behind a slower one moves to an adjacent lane with room. */
  private considerLaneChanges(): void {
    const lanes = this.geometry.inboundLanes;
    for (const vehicle of this.pool) {
      if (!vehicle.active || vehicle.role !== 'inbound' || vehicle.turn !== 0 || vehicle.stopper !== 'none' || vehicle.runsRed) continue;
      if (vehicle.laneChangeProgress < 1 || vehicle.near < this.geometry.stopZ + LANE_CHANGE_MIN_UPSTREAM || vehicle.near > 200) continue;
      const leader = this.leaderOf(vehicle);
      const blocked = leader !== null && leader.speed < vehicle.desiredSpeed * 0.8 && vehicle.near - leader.near < 40;
      if (this.random() >= (blocked ? 0.08 : 0.004) * this.dt) continue;
      const target = vehicle.lane + (this.random() < 0.5 ? -1 : 1);
      if (target < 0 || target >= lanes || !this.laneHasRoom(target, vehicle)) continue;
      vehicle.laneChangeFromX = this.geometry.laneCenterX(vehicle.lane) + vehicle.lateral;
      vehicle.lane = target;
      vehicle.lateral = (2 * this.random() - 1) * vehicle.spec.lateralJitter;
      vehicle.laneChangeProgress = 0;
    }
  }

  private laneHasRoom(lane: number, vehicle: Vehicle): boolean {
    const margin = Math.max(10, vehicle.speed * 1.5);
    for (const other of this.pool) {
      if (!other.active || other.role !== 'inbound' || other.lane !== lane) continue;
      if (other.near < vehicle.near + vehicle.spec.length + margin && other.near + other.spec.length > vehicle.near - margin) return false;
    }
    return true;
  }
}
