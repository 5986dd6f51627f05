import type { SignalAspect } from '../../protocol/index.js';
import { FRAME_INDEX, FRAME_TS, createFrameClock, setFrameClock, type FrameClock } from './frame-clock.js';
import type { Point } from './geometry.js';
import type { TrackView } from './track-view.js';
import { TRACKER_DEFAULTS } from './tracker.js';

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
  /** Below this speed a vehicle is standing still, source pixels per second. */
  stillPxPerS?: number;
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
  /** Crossings buffered between two update() calls; more are dropped and counted. */
  crossingCapacity?: number;
  /**
   * A crossing is evidence only if the track was measured (its position moved other than by its own
   * extrapolation) at least twice within this long before it, ms. A track coasting on its prediction
   * through a merged queue blob crosses the line on arithmetic alone.
   */
  measuredWithinMs?: number;
  /** Another crossing this soon after a reported runner, within its box, is the same runner, ms. */
  sameRunnerMs?: number;
}

export const SAFETY_DEFAULTS = {
  graceMs: 500,
  // 8 px/s (320×240 simulator scenes): a runner that pulls out of the head of the queue crosses the line
  // still slow (its box centre is half a vehicle behind its front); 20 px/s missed 4 of 25 of them. Queue
  // shuffling at the line is told apart by measuredWithinMs instead.
  runnerMinSpeedPxPerS: 8,
  maxStopMs: 10_000,
  stillPxPerS: 3,
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

/** Time constant of the averaged velocity that "standing still" is judged on, ms. */
const STILL_AVERAGE_MS = 1000;
const DIRECTION_ANY = -1;
/** A stop reported in the same place this recently is the same stop (vehicles stand there for minutes at most), ms. */
const SAME_STOP_MS = 60_000;
/** A position this close to the extrapolated one, with the velocity unchanged, is the extrapolation, working px. */
const EXTRAPOLATION_EPSILON_PX = 1e-6;
const NONE = -1;
/**
 * Not yet seen, for resetSlot(): a constant, because unoptimised code (resetSlot runs only when a slot gets a
 * new track, too rarely to be optimised) boxes a fresh number on every read of Number.NaN.
 */
const UNSET = Number.NaN;

/**
 * Traffic-safety events from tracks, line crossings and the signal state:
 * - red-light: a crossing of a stop line, in the approach's direction, while its group has been red for
 *   longer than graceMs. Red time is measured from the first update() that saw the group red, so after a
 *   start the monitor underestimates it (never reports a violation it cannot be sure of). The crossing
 *   track must have been measured twice within measuredWithinMs (a track coasting on its prediction
 *   through a merged queue blob crosses on arithmetic alone) and move at minSpeedPxPerS; a crossing
 *   within a reported runner's box soon after is the same runner split in two by the tracker.
 * - wrong-way: a confirmed track in a lane zone moving against the lane at wrongWayMinSpeedPxPerS or more,
 *   continuously for wrongWayMinMs and wrongWayMinDistancePx (both: time alone would flag a slow drift of
 *   the velocity estimate, distance alone one bad association), measured wrongWayMinMeasurements times on
 *   the way. Once per track.
 * - illegal-stop: a confirmed track whose centre stays in a no-stopping zone below stillPxPerS for longer
 *   than maxStopMs. Once per track per zone visit, and once per place: a standing vehicle the tracker
 *   gave several tracks over time is one stop.
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
  private readonly options: Required<Omit<SafetyMonitorOptions, 'factor' | 'trackCapacity'>>;
  private readonly listeners: SafetyEventListener[] = [];
  /** For update() with the time as numbers. */
  private readonly frameClock = createFrameClock();
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
  private readonly noStopStillPxPerS: Float64Array;
  // Per track slot.
  private readonly slotId: Int32Array;
  private readonly reverseLane: Int32Array;
  private readonly reverseSinceMs: Float64Array;
  private readonly reverseStartX: Float64Array;
  private readonly reverseStartY: Float64Array;
  private readonly wrongWayReported: Uint8Array;
  /** Measurements (not extrapolations) during the current run against the lane. */
  private readonly reverseMeasured: Int32Array;
  // Per track slot × no-stopping rule, t * rules + r.
  private readonly stillSinceMs: Float64Array;
  /** Per track slot: velocity averaged over about a second, and when it was last updated. */
  private readonly meanVx: Float64Array;
  private readonly meanVy: Float64Array;
  private readonly meanAtMs: Float64Array;
  private readonly stopReported: Uint8Array;
  /** Per track slot: the state last seen, to tell a measurement from the tracker's own extrapolation. */
  private readonly lastCx: Float64Array;
  private readonly lastCy: Float64Array;
  private readonly lastVx: Float64Array;
  private readonly lastVy: Float64Array;
  private readonly lastSeenMs: Float64Array;
  /** Per track slot: the times of its two latest measurements. */
  private readonly measuredMs: Float64Array;
  private readonly measuredBeforeMs: Float64Array;
  /** Per no-stopping rule: the last stop reported, its time and box (working pixels), to report each stop once. */
  private readonly stopMs: Float64Array;
  private readonly stopBox: Float64Array;
  private readonly stopTrack: Int32Array;
  /** Per stop rule: the last runner reported, its time and box (working pixels), to report each runner once. */
  private readonly runnerMs: Float64Array;
  private readonly runnerBox: Float64Array;
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
    this.noStopStillPxPerS = Float64Array.from(noStopping, (rule) => rule.stillPxPerS ?? SAFETY_DEFAULTS.stillPxPerS);

    const slots = this.trackCapacity;
    this.slotId = new Int32Array(slots).fill(-1);
    this.reverseLane = new Int32Array(slots).fill(NONE);
    this.reverseSinceMs = new Float64Array(slots).fill(Number.NaN);
    this.reverseStartX = new Float64Array(slots);
    this.reverseStartY = new Float64Array(slots);
    this.wrongWayReported = new Uint8Array(slots);
    this.reverseMeasured = new Int32Array(slots);
    this.stillSinceMs = new Float64Array(slots * noStopping.length).fill(Number.NaN);
    this.meanVx = new Float64Array(slots);
    this.meanVy = new Float64Array(slots);
    this.meanAtMs = new Float64Array(slots).fill(Number.NaN);
    this.stopReported = new Uint8Array(slots * noStopping.length);
    this.lastCx = new Float64Array(slots);
    this.lastCy = new Float64Array(slots);
    this.lastVx = new Float64Array(slots);
    this.lastVy = new Float64Array(slots);
    this.lastSeenMs = new Float64Array(slots).fill(Number.NaN);
    this.measuredMs = new Float64Array(slots).fill(Number.NaN);
    this.measuredBeforeMs = new Float64Array(slots).fill(Number.NaN);
    this.runnerMs = new Float64Array(stopLines.length).fill(Number.NaN);
    this.stopMs = new Float64Array(noStopping.length).fill(Number.NaN);
    this.stopBox = new Float64Array(noStopping.length * 4);
    this.stopTrack = new Int32Array(noStopping.length).fill(-1);
    this.runnerBox = new Float64Array(stopLines.length * 4);

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

  /** One frame, after the tracker's update and after this frame's crossings were handed to onCrossing(). */
  update(tracks: TrackView, signalOf: (group: string) => SignalAspect, tsMs: number, frame: number): void {
    this.updateAt(tracks, signalOf, setFrameClock(this.frameClock, tsMs, frame));
  }

  /** update() at the frame the clock holds (no float argument: see FrameClock). */
  updateAt(tracks: TrackView, signalOf: (group: string) => SignalAspect, frameClock: FrameClock): void {
    const tsMs = frameClock[FRAME_TS]!;
    for (let g = 0; g < this.groupNames.length; g++) {
      const aspect = signalOf(this.groupNames[g]!);
      this.groupAspect[g] = aspect;
      if (aspect !== 'red') this.redSinceMs[g] = Number.NaN;
      else if (Number.isNaN(this.redSinceMs[g]!)) this.redSinceMs[g] = tsMs;
    }
    const capacity = Math.min(this.trackCapacity, tracks.capacity);
    for (let t = 0; t < capacity; t++) {
      if (!tracks.isActive(t)) continue;
      if (this.slotId[t] !== tracks.id[t]) this.resetSlot(t, tracks.id[t]!);
      this.noteMeasurement(t, tracks, frameClock);
    }
    for (let c = 0; c < this.crossingCount; c++) this.judgeCrossing(c, tracks);
    this.crossingCount = 0;

    for (let t = 0; t < capacity; t++) {
      if (!tracks.isActive(t)) continue;
      if (tracks.hits[t]! < this.options.confirmHits) continue;
      if (tracks.observed[t] === 1) this.watchWrongWay(t, tracks, frameClock);
      this.watchStopping(t, tracks, frameClock);
    }
  }

  /**
   * Whether the tracker measured the track this frame: seen, and not exactly where its own constant-velocity
   * extrapolation put it with its velocity unchanged (what a track coasting inside a merged blob does).
   */
  private noteMeasurement(t: number, tracks: TrackView, frameClock: FrameClock): void {
    const tsMs = frameClock[FRAME_TS]!;
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
   * Whether the standing track is a stop already reported in this zone under another track (the tracker
   * gave a standing vehicle several tracks: fragments, re-births): its centre within that stop's box, while
   * that vehicle may still be standing there. The same track stopping again is a new visit. Records this
   * stop otherwise.
   */
  private sameStop(r: number, t: number, tracks: TrackView, tsMs: number): boolean {
    const box = this.stopBox;
    const x = tracks.cx[t]!;
    const y = tracks.cy[t]!;
    const id = tracks.id[t]!;
    if (id !== this.stopTrack[r] && tsMs - this.stopMs[r]! <= SAME_STOP_MS && x >= box[r * 4]! && x <= box[r * 4 + 2]! && y >= box[r * 4 + 1]! && y <= box[r * 4 + 3]!) return true;
    this.stopMs[r] = tsMs;
    this.stopTrack[r] = id;
    box[r * 4] = x - tracks.w[t]! / 2;
    box[r * 4 + 1] = y - tracks.h[t]! / 2;
    box[r * 4 + 2] = x + tracks.w[t]! / 2;
    box[r * 4 + 3] = y + tracks.h[t]! / 2;
    return false;
  }

  /** A second track on a runner already reported (the tracker split it): within its box, soon after. */
  private sameRunner(s: number, tsMs: number, x: number, y: number): boolean {
    if (!(tsMs - this.runnerMs[s]! <= this.options.sameRunnerMs)) return false;
    // The box of a split track is a part of the vehicle: allow half its size again on every side.
    const box = this.runnerBox;
    const marginX = (box[s * 4 + 2]! - box[s * 4]!) / 2;
    const marginY = (box[s * 4 + 3]! - box[s * 4 + 1]!) / 2;
    return x >= box[s * 4]! - marginX && x <= box[s * 4 + 2]! + marginX && y >= box[s * 4 + 1]! - marginY && y <= box[s * 4 + 3]! + marginY;
  }

  /** Whether a velocity at a point inside a lane zone runs against that lane. */
  private againstLaneAt(x: number, y: number, vx: number, vy: number): boolean {
    for (let lane = 0; lane < this.laneZone.length; lane++) {
      if (this.zones.contains(this.laneZone[lane]!, x, y)) return vx * this.laneDx[lane]! + vy * this.laneDy[lane]! < 0;
    }
    return false;
  }

  private watchWrongWay(t: number, tracks: TrackView, frameClock: FrameClock): void {
    const tsMs = frameClock[FRAME_TS]!;
    const frame = frameClock[FRAME_INDEX]!;
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

  private watchStopping(t: number, tracks: TrackView, frameClock: FrameClock): void {
    const tsMs = frameClock[FRAME_TS]!;
    const frame = frameClock[FRAME_INDEX]!;
    const rules = this.noStopZone.length;
    if (rules === 0) return;
    const x = tracks.cx[t]!;
    const y = tracks.cy[t]!;
    // Standing still is judged on the velocity averaged over about a second (as a vector): the box of a
    // standing vehicle jitters by a pixel or so every frame, which alone reads as several px/s.
    const since = this.meanAtMs[t]!;
    const weight = Number.isNaN(since) ? 1 : Math.min(1, (tsMs - since) / STILL_AVERAGE_MS);
    this.meanVx[t] = this.meanVx[t]! + (tracks.vx[t]! - this.meanVx[t]!) * weight;
    this.meanVy[t] = this.meanVy[t]! + (tracks.vy[t]! - this.meanVy[t]!) * weight;
    this.meanAtMs[t] = tsMs;
    const speedPxPerS = Math.sqrt(this.meanVx[t]! * this.meanVx[t]! + this.meanVy[t]! * this.meanVy[t]!) * this.factor * 1000;
    for (let r = 0; r < rules; r++) {
      const k = t * rules + r;
      if (!this.zones.contains(this.noStopZone[r]!, x, y)) {
        // Leaving ends the visit: the next one may be reported again.
        this.stillSinceMs[k] = Number.NaN;
        this.stopReported[k] = 0;
        continue;
      }
      if (speedPxPerS >= this.noStopStillPxPerS[r]!) {
        this.stillSinceMs[k] = Number.NaN;
        continue;
      }
      if (Number.isNaN(this.stillSinceMs[k]!)) this.stillSinceMs[k] = tsMs;
      if (this.stopReported[k] === 1 || !(tsMs - this.stillSinceMs[k]! > this.noStopMaxMs[r]!)) continue;
      this.stopReported[k] = 1;
      if (this.sameStop(r, t, tracks, tsMs)) continue;
      this.emit({ kind: 'illegal-stop', trackId: tracks.id[t]!, tsMs, frame, zone: this.zones.names[this.noStopZone[r]!]!, box: this.boxOf(tracks, t) });
    }
  }

  private resetSlot(t: number, id: number): void {
    this.slotId[t] = id;
    this.reverseLane[t] = NONE;
    this.reverseSinceMs[t] = UNSET;
    this.wrongWayReported[t] = 0;
    this.meanVx[t] = 0;
    this.meanVy[t] = 0;
    this.meanAtMs[t] = UNSET;
    this.lastSeenMs[t] = UNSET;
    this.measuredMs[t] = UNSET;
    this.measuredBeforeMs[t] = UNSET;
    const rules = this.noStopZone.length;
    for (let r = 0; r < rules; r++) {
      this.stillSinceMs[t * rules + r] = UNSET;
      this.stopReported[t * rules + r] = 0;
    }
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
    if (rule.stillPxPerS !== undefined && !(rule.stillPxPerS >= 0)) problems.push(`${where}.stillPxPerS: must be >= 0, got ${rule.stillPxPerS}`);
  });
  return problems;
}
