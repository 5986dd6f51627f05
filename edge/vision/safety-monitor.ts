import type { SignalAspect } from '../../protocol/index.js';
import { FRAME_INDEX, FRAME_TS, createFrameClock, setFrameClock, type FrameClock } from './frame-clock.js';
import type { Point } from './geometry.js';
import type { LineCounter } from './line-counter.js';
import type { TrackView } from './track-view.js';
import { TRACKER_DEFAULTS } from './tracker.js';

/** "Not set" for time fields; a module constant because code run too rarely to be optimised allocates a new number for each Number.NaN it reads. */
const UNSET = Number.NaN;

export interface StopLineRule {
  /** A count line name. */
  line: string;
  /** The signal group controlling the approach. */
  group: string;
  /** Crossings this soon after the group turned red are not violations (the vehicle was committed), ms. */
  graceMs?: number;
  /**
   * Which crossing direction enters the junction. Without it, a crossing inside a lane zone must move
   * along the lane's direction, and any other crossing counts in either direction.
   */
  direction?: 'lr' | 'rl';
  /**
   * A runner is moving: slower crossings (a queue whose blobs merge and split at the line) are not
   * reported, source pixels per second.
   */
  minSpeedPxPerS?: number;
}

export interface LaneRule {
  /** A zone name. */
  zone: string;
  /** Expected travel direction in the image (any length). */
  direction: Point;
}

export interface NoStoppingRule {
  /** A zone name. */
  zone: string;
  /** Standing still longer than this is an illegal stop, ms. */
  maxStopMs?: number;
}

export interface SafetyConfig {
  stopLines?: readonly StopLineRule[];
  lanes?: readonly LaneRule[];
  noStopping?: readonly NoStoppingRule[];
}

export interface SafetyMonitorOptions {
  /** Source pixels per working pixel (the pipeline's downscale factor). */
  factor: number;
  /** Track slots (the tracker's capacity). */
  trackCapacity: number;
  /** Detections before a track is judged; the tracker's own confirmation by default. */
  confirmHits?: number;
  /** Wrong way needs at least this speed against the lane, source pixels per second. */
  wrongWayMinSpeedPxPerS?: number;
  /** … kept up for at least this long, ms … */
  wrongWayMinMs?: number;
  /** … and covering at least this distance against the lane, source pixels … */
  wrongWayMinDistancePx?: number;
  /** … measured (not extrapolated by the tracker) at least this many times on the way. */
  wrongWayMinMeasurements?: number;
  /** A track whose centre stays within this distance of where it stopped is standing still, source pixels. */
  stillRadiusPx?: number;
  /** Crossings buffered between two update() calls; more are dropped and counted. */
  crossingCapacity?: number;
  /**
   * A crossing is evidence only if the track was measured (its position moved other than by its own
   * extrapolation) at least twice within this long before it, ms. A track coasting on its prediction
   * through a merged queue blob crosses the line on arithmetic alone.
   */
  measuredWithinMs?: number;
  /** Another crossing this soon after a reported runner, where its box went meanwhile, is the same runner, ms. */
  sameRunnerMs?: number;
}

export const SAFETY_DEFAULTS = {
  graceMs: 500,
  // 8 px/s (320×240 simulator scenes): a runner that pulls out of the head of the queue crosses the line
  // still slow (its box centre is half a vehicle behind its front); 20 px/s missed 4 of 25 of them. Queue
  // shuffling at the line is told apart by measuredWithinMs instead.
  runnerMinSpeedPxPerS: 8,
  maxStopMs: 10_000,
  // 3 px (320×240 simulator scenes): a standing vehicle's box centre jitters by a pixel or so; the
  // tracker's velocity is no measure of standing, as segmentation jumps leave it at 10–30 px/s for seconds.
  stillRadiusPx: 3,
  wrongWayMinSpeedPxPerS: 20,
  // 1.5 s, 45 px and 6 measurements (320×240 simulator scenes, tuned on seed offsets 0 and 1000): the
  // rider is in view for about 3 s, often merged with outbound traffic; 2 s / 60 px without the
  // measurement count found 10 of 20 with 41 raised, these 14 of 20 with 18 raised.
  wrongWayMinMs: 1500,
  wrongWayMinDistancePx: 45,
  wrongWayMinMeasurements: 6,
  crossingCapacity: 256,
  // Simulator scenes: false red-light reports 55 -> 30 for 18 -> 16 of 25 runners found (2.5 s: 40, 18).
  measuredWithinMs: 1000,
  sameRunnerMs: 2000,
} as const;

/** What the safety monitor needs from the zone monitor: names and a containment test in working pixels. */
export interface ZoneLookup {
  readonly names: readonly string[];
  contains(z: number, x: number, y: number): boolean;
}

export type SafetyEventKind = 'red-light' | 'wrong-way' | 'illegal-stop';

/** The part of LineCounter's crossing log the monitor reads (see LineCounter.logSlot). */
export type CrossingLog = Pick<LineCounter, 'logLine' | 'logDirection' | 'logTrack' | 'logFrame' | 'logTs' | 'logX' | 'logY'>;

export interface SafetyEvent {
  kind: SafetyEventKind;
  trackId: number;
  tsMs: number;
  frame: number;
  line?: string;
  zone?: string;
  group?: string;
  /** The group's aspect at the time. */
  signal?: SignalAspect;
  /** How long the group had been red (as far as this monitor saw it). */
  redForMs?: number;
  /** The vehicle's box, source pixels, top-left corner and size. */
  box: { x: number; y: number; w: number; h: number };
}

export type SafetyEventListener = (event: SafetyEvent) => void;

const DIRECTION_ANY = -1;
/**
 * A standing vehicle arrived: its track travelled at least this far, in measured steps, before it stopped,
 * source pixels. A ghost (road uncovered where the background still holds a vehicle that left, or held one
 * at start-up) is born standing, and a track that latches onto one gets there by a segmentation jump.
 */
const ARRIVAL_PX = 8;
/** A measured position further than this fraction of the box's size from the track's prediction is a segmentation jump, not travel. */
const JUMP_FRACTION = 0.3;
/** Smaller standing boxes are not a vehicle (a painted line or a shadow edge flickering), source pixels. */
const MIN_STANDING_SIDE_PX = 10;
/** A track standing this long confirms (or opens) a standing place, ms. */
const SPOT_CONFIRM_MS = 1000;
/**
 * A standing place (spot) lives while some standing track keeps its centre inside it; the tracker gives a
 * standing vehicle fragments and new tracks, so one that is briefly without any is still there, ms.
 */
const SPOT_HOLD_MS = 3000;
/** Standing places remembered per no-stopping zone. */
const SPOTS_PER_ZONE = 8;
/**
 * A runner has been going somewhere: its measured steps (segmentation jumps left out) add up to at least
 * this over about the last second (time constant RECENT_TRAVEL_MS), source pixels. A queue vehicle's box
 * jittering at the line has a speed every frame but goes nowhere.
 */
const RUNNER_MIN_TRAVEL_PX = 4;
const RECENT_TRAVEL_MS = 1000;
/** A position this close to the extrapolated one, with the velocity unchanged, is the extrapolation, working px. */
const EXTRAPOLATION_EPSILON_PX = 1e-6;
const NONE = -1;

/**
 * Traffic-safety events from tracks, line crossings and the signal state:
 * - red-light: a crossing of a stop line, in the approach's direction, while its group has been red for
 *   longer than graceMs. Red time is measured from the first update() that saw the group red, so after a
 *   start the monitor underestimates it (never reports a violation it cannot be sure of). The crossing
 *   track must have been measured twice within measuredWithinMs (a track coasting on its prediction
 *   through a merged queue blob crosses on arithmetic alone), move at minSpeedPxPerS and have gone
 *   RUNNER_MIN_TRAVEL_PX lately in measured steps (a queue vehicle's box jittering or jumping at the
 *   line goes nowhere); a crossing in the region a reported runner swept since is the same runner,
 *   split or re-tracked by the tracker.
 * - wrong-way: a confirmed track in a lane zone moving against the lane at wrongWayMinSpeedPxPerS or more,
 *   continuously for wrongWayMinMs and wrongWayMinDistancePx (both: time alone would flag a slow drift of
 *   the velocity estimate, distance alone one bad association), measured wrongWayMinMeasurements times on
 *   the way. Once per track.
 * - illegal-stop: a vehicle standing in a no-stopping zone for longer than maxStopMs. Standing is judged
 *   on positions (a track whose centre stays within stillRadiusPx, segmentation jumps aside), not on the
 *   tracker's velocity. A place opens when a confirmed, vehicle-sized track that arrived (travelled there
 *   in measured steps: a ghost is born standing) stands in the zone, and lives while standing tracks
 *   confirm it: the fragments and new tracks the tracker gives one standing vehicle are one stop, timed
 *   from when the first of them stopped. Once per place.
 * "Measured": the tracker's position is not exactly its own constant-velocity extrapolation of the last
 * frame with the velocity unchanged, which is what a track inside a merged blob or coasting does.
 * Per-track state lives in typed arrays by tracker slot and is reset when a slot holds a new id. Events
 * (rare) allocate; onCrossing() and update() otherwise allocate nothing.
 */
export class SafetyMonitor {
  /** Crossings dropped because more than crossingCapacity arrived between two updates. */
  crossingsDropped = 0;
  private readonly factor: number;
  private readonly trackCapacity: number;
  private readonly lineNames: readonly string[];
  private readonly zones: ZoneLookup;
  private readonly options: Required<Omit<SafetyMonitorOptions, 'factor' | 'trackCapacity' | 'stillRadiusPx'>>;
  private readonly listeners: SafetyEventListener[] = [];
  // Stop lines, and the signal groups they watch.
  private readonly stopRuleOfLine: Int32Array;
  private readonly stopGroup: Int32Array;
  private readonly stopGraceMs: Float64Array;
  private readonly stopDirection: Int8Array;
  private readonly groupNames: string[];
  private readonly groupAspect: SignalAspect[];
  private readonly redSinceMs: Float64Array;
  private readonly stopMinSpeed: Float64Array;
  // Lanes: zone index and unit travel direction.
  private readonly laneZone: Int32Array;
  private readonly laneDx: Float64Array;
  private readonly laneDy: Float64Array;
  // No-stopping zones.
  private readonly noStopZone: Int32Array;
  private readonly noStopMaxMs: Float64Array;
  /** Working pixels. */
  private readonly stillRadius: number;
  // Per track slot.
  private readonly slotId: Int32Array;
  /** This frame's time and index, read by the per-track steps (see updateAt). */
  private readonly clock = createFrameClock();
  private readonly reverseLane: Int32Array;
  private readonly reverseSinceMs: Float64Array;
  private readonly reverseStartX: Float64Array;
  private readonly reverseStartY: Float64Array;
  private readonly wrongWayReported: Uint8Array;
  /** Measurements (not extrapolations) during the current run against the lane. */
  private readonly reverseMeasured: Int32Array;
  /**
   * Per track slot: how far it travelled in measured steps, and that distance when its anchor was set;
   * where (and since when) its centre has stayed within the still radius.
   */
  private readonly travel: Float64Array;
  private readonly travelAtAnchor: Float64Array;
  /**
   * Per track slot: the sum of its measured steps that were not jumps (a vector), and the same sum lagged
   * by RECENT_TRAVEL_MS: their difference is where it has been going lately.
   */
  private readonly stepSumX: Float64Array;
  private readonly stepSumY: Float64Array;
  private readonly laggedSumX: Float64Array;
  private readonly laggedSumY: Float64Array;
  /** Per track slot: this frame's measured step when it was a segmentation jump (else 0). */
  private readonly jumpX: Float64Array;
  private readonly jumpY: Float64Array;
  private readonly anchorX: Float64Array;
  private readonly anchorY: Float64Array;
  private readonly anchorMs: Float64Array;
  /** Per track slot: the state last seen, to tell a measurement from the tracker's own extrapolation. */
  private readonly lastCx: Float64Array;
  private readonly lastCy: Float64Array;
  private readonly lastVx: Float64Array;
  private readonly lastVy: Float64Array;
  private readonly lastSeenMs: Float64Array;
  /** Per track slot: the times of its two latest measurements. */
  private readonly measuredMs: Float64Array;
  private readonly measuredBeforeMs: Float64Array;
  /**
   * Per no-stopping rule × SPOTS_PER_ZONE: places where a vehicle arrived and stands, index r * SPOTS + i.
   * Box (working pixels, x0 y0 x1 y1), since when it stands, when a standing track last confirmed it
   * (NaN = free), whether it was reported, and the track that arrived.
   */
  private readonly spotBox: Float64Array;
  private readonly spotSinceMs: Float64Array;
  private readonly spotSeenMs: Float64Array;
  private readonly spotReported: Uint8Array;
  private readonly spotTrack: Int32Array;
  /**
   * Per stop rule: the last runner reported, its time, box (working pixels) and velocity, to report each
   * runner once.
   */
  private readonly runnerMs: Float64Array;
  private readonly runnerBox: Float64Array;
  private readonly runnerVx: Float64Array;
  private readonly runnerVy: Float64Array;
  // Crossings handed in since the last update, evaluated there against fresh signal state.
  private readonly crossingLine: Int32Array;
  private readonly crossingDirection: Uint8Array;
  private readonly crossingTrack: Int32Array;
  private readonly crossingFrame: Int32Array;
  private readonly crossingTs: Float64Array;
  private readonly crossingX: Float64Array;
  private readonly crossingY: Float64Array;
  private crossingCount = 0;

  constructor(config: SafetyConfig, lineNames: readonly string[], zones: ZoneLookup, options: SafetyMonitorOptions) {
    const problems = validateSafetyConfig(config, lineNames, zones.names);
    if (!Number.isInteger(options.factor) || options.factor < 1) problems.push(`factor: must be an integer >= 1, got ${options.factor}`);
    if (!Number.isInteger(options.trackCapacity) || options.trackCapacity < 1) problems.push(`trackCapacity: must be an integer >= 1, got ${options.trackCapacity}`);
    if (options.stillRadiusPx !== undefined && !(options.stillRadiusPx > 0)) problems.push(`stillRadiusPx: must be > 0, got ${options.stillRadiusPx}`);
    if (problems.length > 0) throw new Error(`invalid safety config:\n  ${problems.join('\n  ')}`);
    this.factor = options.factor;
    this.trackCapacity = options.trackCapacity;
    this.lineNames = lineNames;
    this.zones = zones;
    this.options = {
      confirmHits: options.confirmHits ?? TRACKER_DEFAULTS.confirmHits,
      wrongWayMinSpeedPxPerS: options.wrongWayMinSpeedPxPerS ?? SAFETY_DEFAULTS.wrongWayMinSpeedPxPerS,
      wrongWayMinMs: options.wrongWayMinMs ?? SAFETY_DEFAULTS.wrongWayMinMs,
      wrongWayMinDistancePx: options.wrongWayMinDistancePx ?? SAFETY_DEFAULTS.wrongWayMinDistancePx,
      wrongWayMinMeasurements: options.wrongWayMinMeasurements ?? SAFETY_DEFAULTS.wrongWayMinMeasurements,
      crossingCapacity: options.crossingCapacity ?? SAFETY_DEFAULTS.crossingCapacity,
      measuredWithinMs: options.measuredWithinMs ?? SAFETY_DEFAULTS.measuredWithinMs,
      sameRunnerMs: options.sameRunnerMs ?? SAFETY_DEFAULTS.sameRunnerMs,
    };

    const stopLines = config.stopLines ?? [];
    this.groupNames = [...new Set(stopLines.map((rule) => rule.group))];
    this.groupAspect = this.groupNames.map(() => 'dark');
    this.redSinceMs = new Float64Array(this.groupNames.length).fill(Number.NaN);
    this.stopRuleOfLine = new Int32Array(lineNames.length).fill(NONE);
    stopLines.forEach((rule, s) => (this.stopRuleOfLine[lineNames.indexOf(rule.line)] = s));
    this.stopGroup = Int32Array.from(stopLines, (rule) => this.groupNames.indexOf(rule.group));
    this.stopGraceMs = Float64Array.from(stopLines, (rule) => rule.graceMs ?? SAFETY_DEFAULTS.graceMs);
    this.stopMinSpeed = Float64Array.from(stopLines, (rule) => rule.minSpeedPxPerS ?? SAFETY_DEFAULTS.runnerMinSpeedPxPerS);
    this.stopDirection = Int8Array.from(stopLines, (rule) => (rule.direction === 'lr' ? 0 : rule.direction === 'rl' ? 1 : DIRECTION_ANY));

    const lanes = config.lanes ?? [];
    this.laneZone = Int32Array.from(lanes, (lane) => zones.names.indexOf(lane.zone));
    this.laneDx = Float64Array.from(lanes, (lane) => lane.direction.x / Math.hypot(lane.direction.x, lane.direction.y));
    this.laneDy = Float64Array.from(lanes, (lane) => lane.direction.y / Math.hypot(lane.direction.x, lane.direction.y));

    const noStopping = config.noStopping ?? [];
    this.noStopZone = Int32Array.from(noStopping, (rule) => zones.names.indexOf(rule.zone));
    this.noStopMaxMs = Float64Array.from(noStopping, (rule) => rule.maxStopMs ?? SAFETY_DEFAULTS.maxStopMs);
    this.stillRadius = (options.stillRadiusPx ?? SAFETY_DEFAULTS.stillRadiusPx) / options.factor;

    const slots = this.trackCapacity;
    this.slotId = new Int32Array(slots).fill(-1);
    this.reverseLane = new Int32Array(slots).fill(NONE);
    this.reverseSinceMs = new Float64Array(slots).fill(Number.NaN);
    this.reverseStartX = new Float64Array(slots);
    this.reverseStartY = new Float64Array(slots);
    this.wrongWayReported = new Uint8Array(slots);
    this.reverseMeasured = new Int32Array(slots);
    this.travel = new Float64Array(slots);
    this.travelAtAnchor = new Float64Array(slots);
    this.jumpX = new Float64Array(slots);
    this.stepSumX = new Float64Array(slots);
    this.stepSumY = new Float64Array(slots);
    this.laggedSumX = new Float64Array(slots);
    this.laggedSumY = new Float64Array(slots);
    this.jumpY = new Float64Array(slots);
    this.anchorX = new Float64Array(slots);
    this.anchorY = new Float64Array(slots);
    this.anchorMs = new Float64Array(slots);
    this.lastCx = new Float64Array(slots);
    this.lastCy = new Float64Array(slots);
    this.lastVx = new Float64Array(slots);
    this.lastVy = new Float64Array(slots);
    this.lastSeenMs = new Float64Array(slots).fill(Number.NaN);
    this.measuredMs = new Float64Array(slots).fill(Number.NaN);
    this.measuredBeforeMs = new Float64Array(slots).fill(Number.NaN);
    this.runnerMs = new Float64Array(stopLines.length).fill(Number.NaN);
    const spots = noStopping.length * SPOTS_PER_ZONE;
    this.spotBox = new Float64Array(spots * 4);
    this.spotSinceMs = new Float64Array(spots);
    this.spotSeenMs = new Float64Array(spots).fill(Number.NaN);
    this.spotReported = new Uint8Array(spots);
    this.spotTrack = new Int32Array(spots);
    this.runnerBox = new Float64Array(stopLines.length * 4);
    this.runnerVx = new Float64Array(stopLines.length);
    this.runnerVy = new Float64Array(stopLines.length);

    const crossings = this.options.crossingCapacity;
    this.crossingLine = new Int32Array(crossings);
    this.crossingDirection = new Uint8Array(crossings);
    this.crossingTrack = new Int32Array(crossings);
    this.crossingFrame = new Int32Array(crossings);
    this.crossingTs = new Float64Array(crossings);
    this.crossingX = new Float64Array(crossings);
    this.crossingY = new Float64Array(crossings);
  }

  onEvent(listener: SafetyEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * One counted crossing (working pixels), in LineCounter.drain's argument order, so the frame loop can
   * pass `safety.onCrossing` to drain directly. Kept until the next update().
   */
  readonly onCrossing = (line: number, direction: number, trackId: number, frame: number, tsMs: number, x: number, y: number): void => {
    if (line < 0 || line >= this.stopRuleOfLine.length || this.stopRuleOfLine[line] === NONE) return;
    const i = this.crossingCount;
    if (i >= this.crossingLine.length) {
      this.crossingsDropped++;
      return;
    }
    this.crossingLine[i] = line;
    this.crossingDirection[i] = direction;
    this.crossingTrack[i] = trackId;
    this.crossingFrame[i] = frame;
    this.crossingTs[i] = tsMs;
    this.crossingX[i] = x;
    this.crossingY[i] = y;
    this.crossingCount = i + 1;
  };

  /**
   * onCrossing() for the crossing in slot k of a counter's log, read in place (the frame loop calls it
   * from code optimised with the frame step; floats passed as arguments to a rarely run call are boxed).
   */
  onLogged(log: CrossingLog, k: number): void {
    const line = log.logLine[k]!;
    if (line < 0 || line >= this.stopRuleOfLine.length || this.stopRuleOfLine[line] === NONE) return;
    const i = this.crossingCount;
    if (i >= this.crossingLine.length) {
      this.crossingsDropped++;
      return;
    }
    this.crossingLine[i] = line;
    this.crossingDirection[i] = log.logDirection[k]!;
    this.crossingTrack[i] = log.logTrack[k]!;
    this.crossingFrame[i] = log.logFrame[k]!;
    this.crossingTs[i] = log.logTs[k]!;
    this.crossingX[i] = log.logX[k]!;
    this.crossingY[i] = log.logY[k]!;
    this.crossingCount = i + 1;
  }

  /** One frame, after the tracker's update and after this frame's crossings were handed to onCrossing(). */
  update(tracks: TrackView, signalOf: (group: string) => SignalAspect, tsMs: number, frame: number): void {
    this.updateAt(tracks, signalOf, setFrameClock(this.clock, tsMs, frame));
  }

  /**
   * update() at the frame a FrameClock holds. The per-track steps read the time from this.clock, not from
   * arguments: a float passed to a call that is not inlined is a new heap number each time.
   */
  updateAt(tracks: TrackView, signalOf: (group: string) => SignalAspect, frameClock: FrameClock): void {
    if (frameClock !== this.clock) setFrameClock(this.clock, frameClock[FRAME_TS]!, frameClock[FRAME_INDEX]!);
    const tsMs = this.clock[FRAME_TS]!;
    for (let g = 0; g < this.groupNames.length; g++) {
      const aspect = signalOf(this.groupNames[g]!);
      this.groupAspect[g] = aspect;
      if (aspect !== 'red') this.redSinceMs[g] = Number.NaN;
      else if (Number.isNaN(this.redSinceMs[g]!)) this.redSinceMs[g] = tsMs;
    }
    const capacity = Math.min(this.trackCapacity, tracks.capacity);
    for (let t = 0; t < capacity; t++) {
      if (!tracks.isActive(t)) continue;
      if (this.slotId[t] !== tracks.id[t]) this.resetSlot(t, tracks);
      this.noteMeasurement(t, tracks);
      this.followAnchor(t, tracks);
    }
    for (let c = 0; c < this.crossingCount; c++) this.judgeCrossing(c, tracks);
    this.crossingCount = 0;

    for (let t = 0; t < capacity; t++) {
      if (!tracks.isActive(t)) continue;
      if (tracks.hits[t]! < this.options.confirmHits) continue;
      if (tracks.observed[t] === 1) this.watchWrongWay(t, tracks);
      this.watchStopping(t, tracks);
    }
    this.reportStops();
  }

  /**
   * Where the track stands: its anchor moves to its centre whenever the centre leaves the still radius
   * around it, so the anchor's age is how long it has stood.
   */
  private followAnchor(t: number, tracks: TrackView): void {
    const tsMs = this.clock[FRAME_TS]!;
    // A segmentation jump (blobs merging, splitting) moves the box, not the vehicle: the anchor moves along.
    this.anchorX[t]! += this.jumpX[t]!;
    this.anchorY[t]! += this.jumpY[t]!;
    const dx = tracks.cx[t]! - this.anchorX[t]!;
    const dy = tracks.cy[t]! - this.anchorY[t]!;
    if (dx * dx + dy * dy <= this.stillRadius * this.stillRadius) return;
    this.anchorX[t] = tracks.cx[t]!;
    this.anchorY[t] = tracks.cy[t]!;
    this.anchorMs[t] = tsMs;
    this.travelAtAnchor[t] = this.travel[t]!;
  }

  /**
   * Whether the tracker measured the track this frame: seen, and not exactly where its own constant-velocity
   * extrapolation put it with its velocity unchanged (what a track coasting inside a merged blob does).
   */
  private noteMeasurement(t: number, tracks: TrackView): void {
    const tsMs = this.clock[FRAME_TS]!;
    const cx = tracks.cx[t]!;
    const cy = tracks.cy[t]!;
    const vx = tracks.vx[t]!;
    const vy = tracks.vy[t]!;
    const lastMs = this.lastSeenMs[t]!;
    let measured = tracks.observed[t] === 1;
    if (measured && !Number.isNaN(lastMs) && vx === this.lastVx[t] && vy === this.lastVy[t]) {
      const dt = tsMs - lastMs;
      const offX = cx - (this.lastCx[t]! + vx * dt);
      const offY = cy - (this.lastCy[t]! + vy * dt);
      measured = offX * offX + offY * offY > EXTRAPOLATION_EPSILON_PX * EXTRAPOLATION_EPSILON_PX;
    }
    if (measured) {
      this.measuredBeforeMs[t] = this.measuredMs[t]!;
      this.measuredMs[t] = tsMs;
    }
    this.jumpX[t] = 0;
    this.jumpY[t] = 0;
    if (measured && !Number.isNaN(lastMs)) {
      const stepX = cx - this.lastCx[t]!;
      const stepY = cy - this.lastCy[t]!;
      const step = Math.sqrt(stepX * stepX + stepY * stepY);
      // Off its own prediction by a good part of its size: blobs merged or split, the vehicle did not jump.
      const offX = stepX - this.lastVx[t]! * (tsMs - lastMs);
      const offY = stepY - this.lastVy[t]! * (tsMs - lastMs);
      const size = Math.max(tracks.w[t]!, tracks.h[t]!);
      if (offX * offX + offY * offY <= JUMP_FRACTION * JUMP_FRACTION * size * size) {
        this.travel[t]! += step;
        this.stepSumX[t]! += stepX;
        this.stepSumY[t]! += stepY;
      } else {
        this.jumpX[t] = stepX;
        this.jumpY[t] = stepY;
      }
    }
    const lag = Number.isNaN(lastMs) ? 1 : Math.min(1, (tsMs - lastMs) / RECENT_TRAVEL_MS);
    this.laggedSumX[t]! += (this.stepSumX[t]! - this.laggedSumX[t]!) * lag;
    this.laggedSumY[t]! += (this.stepSumY[t]! - this.laggedSumY[t]!) * lag;
    this.lastCx[t] = cx;
    this.lastCy[t] = cy;
    this.lastVx[t] = vx;
    this.lastVy[t] = vy;
    this.lastSeenMs[t] = tsMs;
  }

  private judgeCrossing(c: number, tracks: TrackView): void {
    const line = this.crossingLine[c]!;
    const s = this.stopRuleOfLine[line]!;
    const g = this.stopGroup[s]!;
    if (this.groupAspect[g] !== 'red') return;
    const tsMs = this.crossingTs[c]!;
    const redForMs = tsMs - this.redSinceMs[g]!;
    if (!(redForMs > this.stopGraceMs[s]!)) return;
    const trackId = this.crossingTrack[c]!;
    const t = slotOf(tracks, trackId);
    if (t < 0) return;
    // Evidence: measured twice within the last second, not extrapolated across the line.
    if (!(this.measuredBeforeMs[t]! >= tsMs - this.options.measuredWithinMs)) return;
    if (Math.hypot(tracks.vx[t]!, tracks.vy[t]!) * this.factor * 1000 < this.stopMinSpeed[s]!) return;
    const goneX = this.stepSumX[t]! - this.laggedSumX[t]!;
    const goneY = this.stepSumY[t]! - this.laggedSumY[t]!;
    if (Math.sqrt(goneX * goneX + goneY * goneY) * this.factor < RUNNER_MIN_TRAVEL_PX) return;
    if (this.sameRunner(s, tsMs, this.crossingX[c]!, this.crossingY[c]!)) return;
    const wanted = this.stopDirection[s]!;
    if (wanted !== DIRECTION_ANY) {
      if (this.crossingDirection[c] !== wanted) return;
    } else if (this.againstLaneAt(this.crossingX[c]!, this.crossingY[c]!, tracks.vx[t]!, tracks.vy[t]!)) {
      return;
    }
    this.runnerMs[s] = tsMs;
    this.runnerBox[s * 4] = tracks.cx[t]! - tracks.w[t]! / 2;
    this.runnerBox[s * 4 + 1] = tracks.cy[t]! - tracks.h[t]! / 2;
    this.runnerBox[s * 4 + 2] = tracks.cx[t]! + tracks.w[t]! / 2;
    this.runnerBox[s * 4 + 3] = tracks.cy[t]! + tracks.h[t]! / 2;
    this.runnerVx[s] = tracks.vx[t]!;
    this.runnerVy[s] = tracks.vy[t]!;
    this.emit({
      kind: 'red-light',
      trackId,
      tsMs,
      frame: this.crossingFrame[c]!,
      line: this.lineNames[line]!,
      group: this.groupNames[g]!,
      signal: 'red',
      redForMs,
      box: this.boxOf(tracks, t),
    });
  }

  /**
   * A second track on a runner already reported (the tracker split it or gave it a new id): soon after,
   * within the region its box swept from the report on at its velocity then (allowing half the box again
   * on every side, as a split track's box is a part of the vehicle). A runner pulling away from the line
   * speeds up, so the sweep goes twice as far as that velocity would carry it.
   */
  private sameRunner(s: number, tsMs: number, x: number, y: number): boolean {
    const dt = tsMs - this.runnerMs[s]!;
    if (!(dt <= this.options.sameRunnerMs)) return false;
    const box = this.runnerBox;
    const x0 = box[s * 4]!;
    const y0 = box[s * 4 + 1]!;
    const x1 = box[s * 4 + 2]!;
    const y1 = box[s * 4 + 3]!;
    const sweepX = 2 * this.runnerVx[s]! * dt;
    const sweepY = 2 * this.runnerVy[s]! * dt;
    const marginX = (x1 - x0) / 2;
    const marginY = (y1 - y0) / 2;
    return (
      x >= x0 + Math.min(0, sweepX) - marginX &&
      x <= x1 + Math.max(0, sweepX) + marginX &&
      y >= y0 + Math.min(0, sweepY) - marginY &&
      y <= y1 + Math.max(0, sweepY) + marginY
    );
  }

  /** Whether a velocity at a point inside a lane zone runs against that lane. */
  private againstLaneAt(x: number, y: number, vx: number, vy: number): boolean {
    for (let lane = 0; lane < this.laneZone.length; lane++) {
      if (this.zones.contains(this.laneZone[lane]!, x, y)) return vx * this.laneDx[lane]! + vy * this.laneDy[lane]! < 0;
    }
    return false;
  }

  private watchWrongWay(t: number, tracks: TrackView): void {
    const tsMs = this.clock[FRAME_TS]!;
    const frame = this.clock[FRAME_INDEX]!;
    if (this.wrongWayReported[t] === 1) return;
    const x = tracks.cx[t]!;
    const y = tracks.cy[t]!;
    let lane = NONE;
    for (let l = 0; l < this.laneZone.length; l++) {
      if (this.zones.contains(this.laneZone[l]!, x, y)) {
        lane = l;
        break;
      }
    }
    if (lane === NONE) {
      this.reverseLane[t] = NONE;
      return;
    }
    const dx = this.laneDx[lane]!;
    const dy = this.laneDy[lane]!;
    const perSecond = this.factor * 1000;
    const againstPxPerS = -(tracks.vx[t]! * dx + tracks.vy[t]! * dy) * perSecond;
    if (againstPxPerS < this.options.wrongWayMinSpeedPxPerS) {
      this.reverseLane[t] = NONE;
      return;
    }
    if (this.reverseLane[t] !== lane) {
      this.reverseLane[t] = lane;
      this.reverseSinceMs[t] = tsMs;
      this.reverseStartX[t] = x;
      this.reverseStartY[t] = y;
      this.reverseMeasured[t] = 0;
      return;
    }
    if (this.measuredMs[t] === tsMs) this.reverseMeasured[t]!++;
    const againstPx = -((x - this.reverseStartX[t]!) * dx + (y - this.reverseStartY[t]!) * dy) * this.factor;
    if (tsMs - this.reverseSinceMs[t]! < this.options.wrongWayMinMs || againstPx < this.options.wrongWayMinDistancePx) return;
    // A track coasting on its prediction (inside a merged blob) keeps the velocity it had and covers any
    // distance on arithmetic alone: the run must have been measured, not only extrapolated.
    if (this.reverseMeasured[t]! < this.options.wrongWayMinMeasurements) return;
    this.wrongWayReported[t] = 1;
    this.emit({ kind: 'wrong-way', trackId: tracks.id[t]!, tsMs, frame, zone: this.zones.names[this.laneZone[lane]!]!, box: this.boxOf(tracks, t) });
  }

  /**
   * A confirmed track seen standing (its centre within the still radius) for SPOT_CONFIRM_MS with its
   * centre in a no-stopping zone keeps the standing place under it alive, or, if it arrived there (see
   * ARRIVAL_PX) and is the size of a vehicle, opens one. A place's standing time runs from when its
   * first track stopped, whichever fragments or new tracks the tracker gives the vehicle afterwards.
   */
  private watchStopping(t: number, tracks: TrackView): void {
    const tsMs = this.clock[FRAME_TS]!;
    const rules = this.noStopZone.length;
    if (rules === 0 || tracks.observed[t] !== 1) return;
    if (tsMs - this.anchorMs[t]! < SPOT_CONFIRM_MS) return;
    const x = tracks.cx[t]!;
    const y = tracks.cy[t]!;
    const arrived = this.travelAtAnchor[t]! * this.factor >= ARRIVAL_PX && Math.min(tracks.w[t]!, tracks.h[t]!) * this.factor >= MIN_STANDING_SIDE_PX;
    for (let r = 0; r < rules; r++) {
      if (!this.zones.contains(this.noStopZone[r]!, x, y)) continue;
      const spot = this.spotAt(r, t, tracks);
      if (spot >= 0) this.spotSeenMs[spot] = tsMs;
      else if (arrived) this.openSpot(r, t, tracks, this.anchorMs[t]!, tsMs);
    }
  }

  /**
   * The live standing place of rule r near track t's centre: within its box grown by half its size on every
   * side (the box is the first track's, often a fragment of the vehicle), or -1. The centre is read from
   * the table, not passed: float arguments to a call that is not inlined are boxed.
   */
  private spotAt(r: number, t: number, tracks: TrackView): number {
    const x = tracks.cx[t]!;
    const y = tracks.cy[t]!;
    const box = this.spotBox;
    for (let i = r * SPOTS_PER_ZONE; i < (r + 1) * SPOTS_PER_ZONE; i++) {
      if (Number.isNaN(this.spotSeenMs[i]!)) continue;
      const marginX = (box[i * 4 + 2]! - box[i * 4]!) / 2;
      const marginY = (box[i * 4 + 3]! - box[i * 4 + 1]!) / 2;
      if (x >= box[i * 4]! - marginX && x <= box[i * 4 + 2]! + marginX && y >= box[i * 4 + 1]! - marginY && y <= box[i * 4 + 3]! + marginY) return i;
    }
    return -1;
  }

  /** A new standing place under track t (a free one, or else the one confirmed longest ago). */
  private openSpot(r: number, t: number, tracks: TrackView, sinceMs: number, tsMs: number): void {
    let chosen = r * SPOTS_PER_ZONE;
    for (let i = r * SPOTS_PER_ZONE; i < (r + 1) * SPOTS_PER_ZONE; i++) {
      if (Number.isNaN(this.spotSeenMs[i]!)) {
        chosen = i;
        break;
      }
      if (this.spotSeenMs[i]! < this.spotSeenMs[chosen]!) chosen = i;
    }
    const w = tracks.w[t]!;
    const h = tracks.h[t]!;
    this.spotBox[chosen * 4] = tracks.cx[t]! - w / 2;
    this.spotBox[chosen * 4 + 1] = tracks.cy[t]! - h / 2;
    this.spotBox[chosen * 4 + 2] = tracks.cx[t]! + w / 2;
    this.spotBox[chosen * 4 + 3] = tracks.cy[t]! + h / 2;
    this.spotSinceMs[chosen] = sinceMs;
    this.spotSeenMs[chosen] = tsMs;
    this.spotReported[chosen] = 0;
    this.spotTrack[chosen] = tracks.id[t]!;
    // The vehicle may have stood there for a while already under fragments born on it (which did not
    // arrive, so could not open the place): the standing time runs from the earliest of them.
    const capacity = Math.min(this.trackCapacity, tracks.capacity);
    for (let other = 0; other < capacity; other++) {
      if (!tracks.isActive(other) || tracks.observed[other] !== 1 || tracks.hits[other]! < this.options.confirmHits) continue;
      if (tsMs - this.anchorMs[other]! < SPOT_CONFIRM_MS || this.spotAt(r, other, tracks) !== chosen) continue;
      if (this.anchorMs[other]! < this.spotSinceMs[chosen]!) this.spotSinceMs[chosen] = this.anchorMs[other]!;
    }
  }

  /** Standing places past the limit, seen standing now, are reported once; places no standing track confirmed for a while are freed. */
  private reportStops(): void {
    const tsMs = this.clock[FRAME_TS]!;
    const frame = this.clock[FRAME_INDEX]!;
    for (let i = 0; i < this.spotSeenMs.length; i++) {
      const seen = this.spotSeenMs[i]!;
      if (Number.isNaN(seen)) continue;
      if (tsMs - seen > SPOT_HOLD_MS) {
        this.spotSeenMs[i] = Number.NaN;
        continue;
      }
      const r = Math.floor(i / SPOTS_PER_ZONE);
      // Only while it is seen standing: a place kept for a moment after its vehicle drove off is not a stop.
      if (seen !== tsMs || this.spotReported[i] === 1 || !(tsMs - this.spotSinceMs[i]! > this.noStopMaxMs[r]!)) continue;
      this.spotReported[i] = 1;
      const f = this.factor;
      const box = this.spotBox;
      this.emit({
        kind: 'illegal-stop',
        trackId: this.spotTrack[i]!,
        tsMs,
        frame,
        zone: this.zones.names[this.noStopZone[r]!]!,
        box: { x: box[i * 4]! * f, y: box[i * 4 + 1]! * f, w: (box[i * 4 + 2]! - box[i * 4]!) * f, h: (box[i * 4 + 3]! - box[i * 4 + 1]!) * f },
      });
    }
  }

  private resetSlot(t: number, tracks: TrackView): void {
    const tsMs = this.clock[FRAME_TS]!;
    this.slotId[t] = tracks.id[t]!;
    this.anchorX[t] = tracks.cx[t]!;
    this.anchorY[t] = tracks.cy[t]!;
    this.anchorMs[t] = tsMs;
    this.travel[t] = 0;
    this.travelAtAnchor[t] = 0;
    this.stepSumX[t] = 0;
    this.stepSumY[t] = 0;
    this.laggedSumX[t] = 0;
    this.laggedSumY[t] = 0;
    this.reverseLane[t] = NONE;
    this.reverseSinceMs[t] = UNSET;
    this.wrongWayReported[t] = 0;
    this.lastSeenMs[t] = UNSET;
    this.measuredMs[t] = UNSET;
    this.measuredBeforeMs[t] = UNSET;
  }

  private boxOf(tracks: TrackView, t: number): SafetyEvent['box'] {
    const f = this.factor;
    const w = tracks.w[t]!;
    const h = tracks.h[t]!;
    return { x: (tracks.cx[t]! - w / 2) * f, y: (tracks.cy[t]! - h / 2) * f, w: w * f, h: h * f };
  }

  private emit(event: SafetyEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}

function slotOf(tracks: TrackView, trackId: number): number {
  for (let t = 0; t < tracks.capacity; t++) if (tracks.id[t] === trackId && tracks.isActive(t)) return t;
  return -1;
}

/** Every problem with a safety config, each naming its field, e.g. `stopLines[0].line: unknown count line 'X'`. */
export function validateSafetyConfig(config: SafetyConfig, lineNames: readonly string[], zoneNames: readonly string[]): string[] {
  const problems: string[] = [];
  const known = (names: readonly string[]) => (names.length === 0 ? 'none are defined' : `known: ${names.join(', ')}`);
  const usedLines = new Map<string, number>();
  (config.stopLines ?? []).forEach((rule, s) => {
    const where = `stopLines[${s}]`;
    if (!lineNames.includes(rule.line)) problems.push(`${where}.line: unknown count line '${rule.line}' (${known(lineNames)})`);
    else if (usedLines.has(rule.line)) problems.push(`${where}.line: '${rule.line}' is already a stop line in stopLines[${usedLines.get(rule.line)}]`);
    usedLines.set(rule.line, usedLines.get(rule.line) ?? s);
    if (typeof rule.group !== 'string' || rule.group === '') problems.push(`${where}.group: a signal group id is required`);
    if (rule.graceMs !== undefined && !(rule.graceMs >= 0)) problems.push(`${where}.graceMs: must be >= 0, got ${rule.graceMs}`);
    if (rule.direction !== undefined && rule.direction !== 'lr' && rule.direction !== 'rl') problems.push(`${where}.direction: must be 'lr' or 'rl', got '${rule.direction}'`);
  });
  (config.lanes ?? []).forEach((lane, l) => {
    const where = `lanes[${l}]`;
    if (!zoneNames.includes(lane.zone)) problems.push(`${where}.zone: unknown zone '${lane.zone}' (${known(zoneNames)})`);
    const length = Math.hypot(lane.direction?.x, lane.direction?.y);
    if (!(length > 0) || !Number.isFinite(length)) problems.push(`${where}.direction: must be a non-zero vector {x, y}`);
  });
  (config.noStopping ?? []).forEach((rule, r) => {
    const where = `noStopping[${r}]`;
    if (!zoneNames.includes(rule.zone)) problems.push(`${where}.zone: unknown zone '${rule.zone}' (${known(zoneNames)})`);
    if (rule.maxStopMs !== undefined && !(rule.maxStopMs > 0)) problems.push(`${where}.maxStopMs: must be > 0, got ${rule.maxStopMs}`);
  });
  return problems;
}
