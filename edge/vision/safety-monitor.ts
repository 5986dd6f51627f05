import type { SignalAspect } from '../../protocol/index.js';
import { FRAME_INDEX, FRAME_TS, createFrameClock, setFrameClock, type FrameClock } from './frame-clock.js';
import { sideOf, type Point } from './geometry.js';
import type { LineCounter } from './line-counter.js';
import { StandingForeground, STANDING_FOREGROUND_DEFAULTS } from './standing-foreground.js';
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
  /**
   * The count lines' geometry (source pixels), in the order of the line names. With it the monitor follows
   * tracks across stop lines itself: the counter counts a crossing only once it is sure of it, and never
   * for a track born past the line (a runner pulling out of a merged queue is often tracked anew there).
   */
  lines?: readonly { a: Point; b: Point }[];
  /**
   * Stops that began this soon after the first update() are not reported, ms: the motion backend is still
   * learning its background then, and what stood there is as likely the lasting ghost of a vehicle it
   * learnt (foreground is learnt slowly) as a vehicle.
   */
  settleMs?: number;
  /**
   * The image sizes, to watch no-stopping zones pixel by pixel as well (StandingForeground) once seeImage()
   * gives the mask and frame each frame: a stopped vehicle merged with passing traffic gets no steady
   * track, but its pixels stand. Without it (or zones without pixelsOf) stops are judged on tracks alone.
   */
  image?: { workingWidth: number; sourceWidth: number };
}

export const SAFETY_DEFAULTS = {
  graceMs: 500,
  // 8 px/s (320×240 simulator scenes): a runner that pulls out of the head of the queue crosses the line
  // still slow (its box centre is half a vehicle behind its front); 20 px/s missed 4 of 25 of them. Queue
  // shuffling at the line is told apart by measuredWithinMs instead.
  runnerMinSpeedPxPerS: 8,
  maxStopMs: 10_000,
  // 5 px (320×240 simulator scenes): a standing vehicle's box centre jitters by a pixel or so alone, by
  // more as neighbours merge into its blob and leave; 3 px found 16 of 29 stops with 58 raised, 5 px 19
  // with 59, 8 px 19 with 73. The tracker's velocity is no measure of standing, as segmentation jumps
  // leave it at 10–30 px/s for seconds.
  stillRadiusPx: 5,
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
  // Simulator scenes: the ghosts of vehicles standing while the background was first learnt were 4 of
  // 49 illegal stops raised on the tuning seeds, all standing since 2–5 s after the start.
  settleMs: 10_000,
} as const;

/** What the safety monitor needs from the zone monitor: names and a containment test in working pixels. */
export interface ZoneLookup {
  readonly names: readonly string[];
  contains(z: number, x: number, y: number): boolean;
  /** contains() for (point[0], point[1]): nothing boxed on the way. */
  containsPoint(z: number, point: Float64Array): boolean;
  /** The working-pixel indices zone z covers (for standing foreground in no-stopping zones; see seeImage). */
  pixelsOf?(z: number): Int32Array;
}

export type SafetyEventKind = 'red-light' | 'wrong-way' | 'illegal-stop';

/** The part of LineCounter's crossing log the monitor reads (see LineCounter.logSlot). */
export type CrossingLog = Pick<LineCounter, 'logLine' | 'logDirection' | 'logTrack' | 'logFrame' | 'logTs' | 'logX' | 'logY'>;

export interface SafetyEvent {
  kind: SafetyEventKind;
  /** The track that did it, or -1 for an illegal stop seen in the image with no track on it (StandingForeground). */
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
/**
 * Fragments of one standing vehicle: boxes that overlap or lie this close, source pixels. The tracker often
 * splits a stopped vehicle in two (roof and body); the fragment that did the arriving may stand outside
 * the zone while the one inside was born on the vehicle or coasted there, with no travel of its own.
 */
const FRAGMENT_GAP_PX = 2;
/** A measured position further than this fraction of the box's size from the track's prediction is a segmentation jump, not travel. */
const JUMP_FRACTION = 0.3;
/** Smaller standing boxes are not a vehicle (a painted line or a shadow edge flickering), source pixels. */
const MIN_STANDING_SIDE_PX = 10;
/**
 * A region of standing pixels (StandingForeground) this large is a stopped vehicle, source pixels: about
 * half a car at 320×240. Smaller regions were mostly passing traffic whose pixels matched by chance
 * (simulator scenes, offsets 0–4000: 150 px² raised 107 stops for 38 of 49, 500 px² 55 for 47). A stopped
 * motorbike is smaller: the tracks still find it.
 */
const STANDING_MIN_AREA_PX = 500;
/** A measured step at least this long is driving, not a standing box's jitter, source pixels. */
const LATCH_STEP_PX = 1.5;
/** A track standing this long confirms (or opens) a standing place, ms. */
const SPOT_CONFIRM_MS = 1000;
/**
 * A standing place (spot) lives while some standing track keeps its centre inside it; the tracker gives a
 * standing vehicle fragments and new tracks, so one that is briefly without any is still there, ms.
 */
const SPOT_HOLD_MS = 3000;
/** Illegal stops reported within this long of each other, on boxes within half a box, are one vehicle's. */
const SAME_STOP_MS = 30_000;
const RECENT_STOP_REPORTS = 8;
/**
 * A stop about to be reported whose standing pixels look as they did when last empty, this many of them
 * within GHOST_TOLERANCE_GRAY, is a ghost (StandingForeground.emptyFraction), not reported. Simulator
 * offsets 0–6000 (69 true stops reported, 9 false): true stops had at most 0.54 of their pixels so, 3 of
 * the false 0.86–0.96 (the other false ones were not ghosts: 0.59 and less).
 */
const GHOST_EMPTY_FRACTION = 0.7;
/** Gray levels: looser than a standing pixel's drift (toleranceGray), for sensor noise and light between the two looks. */
const GHOST_TOLERANCE_GRAY = 20;
/** A standing track whose box overlaps a standing place by this fraction of the smaller is on it. */
const SPOT_OVERLAP = 0.3;
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
/** A candidate runner is confirmed once followed this far past where it crossed the stop line, source pixels … */
const RUNNER_CONFIRM_PX = 20;
/** … within this long of the crossing, ms. */
const RUNNER_CONFIRM_MS = 2500;
/** A track that kept within the still radius this long stood (see stoodPastLine), ms … */
const STOOD_MS = 2000;
/** A red-light candidate whose box is this much pixels that stood this long (ms) in a no-stopping zone is a vehicle leaving it. */
const STOOD_PIXELS_MS = 3000;
const STOOD_PIXELS_FRACTION = 0.5;
/** … and still counts as having stood this long after it moved off, ms. */
const STOOD_RECENT_MS = 6000;
/** A track crossing a line against its lane has come at least this far against it since it was born, source pixels. */
const WRONG_WAY_CROSSING_PX = 20;
/** Beyond this distance from a stop line a track's centre is on one side of it, working pixels. */
const LINE_DEADBAND_PX = 1;
/** A track first seen this soon after its birth on the junction side of a stop line … */
const RUNNER_BORN_MS = 500;
/** … and this close to the line may have come across it (a runner tracked anew as it pulls out), source pixels. */
const RUNNER_BORN_PX = 25;
/** A standing blob whose centre is less than this past a stop line is the queue's spilling over it, source pixels. */
const QUEUE_SPILL_PX = 8;
/** A wrong-way track is reported only if measured within this long, ms. */
const WRONG_WAY_MEASURED_WITHIN_MS = 400;
const NONE = -1;

/**
 * Traffic-safety events from tracks, line crossings and the signal state:
 * - red-light: a crossing of a stop line into the junction while its group has been red for longer than
 *   graceMs. Red time is measured from the first update() that saw the group red, so after a start the
 *   monitor underestimates it (never reports a violation it cannot be sure of). Crossings come from the
 *   counter (onCrossing) and, when the lines' geometry is given, from the monitor following each track's
 *   centre across the line itself, including a track born just past it (the tracker often tracks a
 *   runner anew as it pulls out of a merged queue). A crossing makes the track a candidate; it is
 *   reported at once if the counter's crossing carries its own evidence (measured twice within
 *   measuredWithinMs, moving at minSpeedPxPerS, gone RUNNER_MIN_TRAVEL_PX lately in measured steps), else
 *   once the track is followed on into the junction (RUNNER_CONFIRM_PX in measured steps, and that far
 *   past the line when its geometry is known): a queue vehicle's box jittering, jumping or coasting across
 *   the line goes no further. A track that stood lately on the junction side (a vehicle stopped in the box
 *   junction driving off) is leaving, not entering. A report in the region a reported runner swept since
 *   is the same runner, split or re-tracked by the tracker.
 * - wrong-way: a confirmed track in a lane zone moving against the lane at wrongWayMinSpeedPxPerS or more,
 *   continuously for wrongWayMinMs and wrongWayMinDistancePx (both: time alone would flag a slow drift of
 *   the velocity estimate, distance alone one bad association), measured wrongWayMinMeasurements times on
 *   the way and lately (its box still on the rider); or sooner, a counted crossing of a line other than a
 *   stop line inside a lane zone, against the lane, by a track that came WRONG_WAY_CROSSING_PX up the lane
 *   since it was born. Once per track, and once per rider (a second track in the region a reported one
 *   swept since is the same rider).
 * - illegal-stop: a vehicle standing in a no-stopping zone for longer than maxStopMs. Standing is judged
 *   on positions (a track whose centre stays within stillRadiusPx, segmentation jumps aside), not on the
 *   tracker's velocity. A place opens when a confirmed, vehicle-sized track that arrived (travelled there
 *   in measured steps: a ghost is born standing; and not by a jump straight out of driving, which is a
 *   passing vehicle's track latching onto a ghost) stands in the zone, and lives while standing tracks on
 *   it (centre near, or box overlapping) confirm it: the fragments and new tracks the tracker gives one
 *   standing vehicle are one stop, timed from when the first of them stopped. Once per place. A standing
 *   fragment that was born on the vehicle arrived if an arrived standing fragment touches it. Given the
 *   image (options.image, seeImage), the zone is also watched pixel by pixel (StandingForeground): a
 *   region that has stood past the limit is a stop, one event with any track-found stop on it.
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
  /** A track's centre for zone tests (see trackPoint). */
  private readonly point = new Float64Array(2);
  private readonly options: Required<Omit<SafetyMonitorOptions, 'factor' | 'trackCapacity' | 'stillRadiusPx' | 'lines' | 'image'>>;
  private readonly listeners: SafetyEventListener[] = [];
  // Stop lines, and the signal groups they watch.
  private readonly stopRuleOfLine: Int32Array;
  private readonly stopLineOfRule: Int32Array;
  /** Per stop rule, when the line's geometry is known (else NaN): A and B, working pixels, and the length. */
  private readonly stopAx: Float64Array;
  private readonly stopAy: Float64Array;
  private readonly stopBx: Float64Array;
  private readonly stopBy: Float64Array;
  private readonly stopLength: Float64Array;
  /** Per stop rule: the side of the line (sign of sideOf) that is inside the junction, 0 when not known. */
  private readonly stopEntering: Int8Array;
  /** Per track slot × stop rule (t * rules + s): the side of the line its centre was last on (0 = none yet). */
  private readonly lineSide: Int8Array;
  /** A lane-line crossing being judged: x, y (working pixels), time, frame (see riderCrossing). */
  private readonly laneCrossing = new Float64Array(4);
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
  /** Per no-stopping rule: its zone watched pixel by pixel, or null (no image sizes given). */
  private readonly standing: (StandingForeground | null)[];
  /** This frame's mask and frame, from seeImage(), until update() has used them. */
  private imageMask: Uint8Array | null = null;
  private imageFrame: Uint8Array | null = null;
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
  /** Set by arrivedStanding: the slot of the arrived fragment beside the track it judged, or NONE. */
  private arrivedBeside = NONE;
  /** A box for calls that take one (onStoodPixels). */
  private readonly scratchBox = new Float64Array(4);
  private readonly anchorX: Float64Array;
  private readonly anchorY: Float64Array;
  private readonly anchorMs: Float64Array;
  /** Per track slot: 1 if its box came to its anchor by a jump out of driving (see followAnchor). */
  private readonly anchorJumped: Uint8Array;
  /** Per track slot: this frame's and the last frame's measured step that was not a jump (else 0), working pixels. */
  private readonly lastStep: Float64Array;
  private readonly previousStep: Float64Array;
  /** Per track slot: where it was first seen. */
  private readonly birthX: Float64Array;
  private readonly birthY: Float64Array;
  /** Per track slot: where it last stood for STOOD_MS or longer, and until when (NaN = never). */
  private readonly stoodX: Float64Array;
  private readonly stoodY: Float64Array;
  private readonly stoodUntilMs: Float64Array;
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
   * Per track slot: when the tracker last placed it from a blob of its own (TrackView.measured). The
   * wrong-way rules ask for this: a rider is judged by its own blob, not by a position inside a merged
   * platoon (the front edge of an outbound platoon moving up is no rider).
   */
  private readonly ownBlobMs: Float64Array;
  /** The last few illegal stops reported: their places' boxes (working px) and times, for one event a vehicle. */
  private readonly stopReportBox = new Float64Array(RECENT_STOP_REPORTS * 4);
  private readonly stopReportMs = new Float64Array(RECENT_STOP_REPORTS).fill(Number.NaN);
  private stopReportNext = 0;
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
  private readonly spotSlot: Int32Array;
  /** Per track slot: 1 once a place it opened was reported. */
  private readonly stopReported: Uint8Array;
  /** The time of the first update(), ms. */
  private startedMs = Number.NaN;
  /**
   * The last vehicle reported per stop rule (runners, index s) and per lane (wrong-way riders, index
   * stopRules + lane): its time, box (working pixels) and velocity, to report each vehicle once.
   */
  private readonly reportedMs: Float64Array;
  private readonly reportedBox: Float64Array;
  private readonly reportedVx: Float64Array;
  private readonly reportedVy: Float64Array;
  /**
   * Per track slot: a crossing of a stop line into the junction on red (past the grace), waiting for the
   * track to be followed on past the line: the rule (NONE = none), when, where (working pixels), the frame,
   * how long the group had been red then, and the track's measured travel at that moment.
   */
  private readonly pendingRule: Int32Array;
  private readonly pendingMs: Float64Array;
  private readonly pendingX: Float64Array;
  private readonly pendingY: Float64Array;
  private readonly pendingRedForMs: Float64Array;
  private readonly pendingTravel: Float64Array;
  private readonly pendingFrame: Int32Array;
  /** Per track slot: when the track was first seen. */
  private readonly bornMs: Float64Array;
  /** Per track slot: 1 once it was reported as a runner. */
  private readonly runnerReported: Uint8Array;
  // Crossings handed in since the last update, evaluated there against fresh signal state.
  /**
   * The crossings kept until the next update(), each as the log it is in and its slot there: keeping one
   * copies no float (a crossing is too rare for the code keeping it to be optimised, and unoptimised code
   * boxes every float it reads).
   */
  private readonly crossingSource: CrossingLog[];
  private readonly crossingSlot: Int32Array;
  /** Where onCrossing() writes the crossings handed to it as numbers. */
  private readonly handedLog: CrossingLog;
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
      settleMs: options.settleMs ?? SAFETY_DEFAULTS.settleMs,
    };

    const stopLines = config.stopLines ?? [];
    this.groupNames = [...new Set(stopLines.map((rule) => rule.group))];
    this.groupAspect = this.groupNames.map(() => 'dark');
    this.redSinceMs = new Float64Array(this.groupNames.length).fill(Number.NaN);
    this.stopRuleOfLine = new Int32Array(lineNames.length).fill(NONE);
    stopLines.forEach((rule, s) => (this.stopRuleOfLine[lineNames.indexOf(rule.line)] = s));
    this.stopLineOfRule = Int32Array.from(stopLines, (rule) => lineNames.indexOf(rule.line));
    const geometry = options.lines !== undefined && options.lines.length === lineNames.length ? options.lines : undefined;
    const end = (s: number, key: 'a' | 'b', axis: 'x' | 'y') => (geometry === undefined ? Number.NaN : geometry[this.stopLineOfRule[s]!]![key][axis] / options.factor);
    this.stopAx = Float64Array.from(stopLines, (_, s) => end(s, 'a', 'x'));
    this.stopAy = Float64Array.from(stopLines, (_, s) => end(s, 'a', 'y'));
    this.stopBx = Float64Array.from(stopLines, (_, s) => end(s, 'b', 'x'));
    this.stopBy = Float64Array.from(stopLines, (_, s) => end(s, 'b', 'y'));
    this.stopLength = Float64Array.from(stopLines, (_, s) => Math.hypot(this.stopBx[s]! - this.stopAx[s]!, this.stopBy[s]! - this.stopAy[s]!));
    // 'lr' enters from side < 0 to side > 0 (geometry.ts); without a direction the lanes decide, per crossing.
    this.stopEntering = Int8Array.from(stopLines, (rule, s) => (!(this.stopLength[s]! > 0) ? 0 : rule.direction === 'lr' ? 1 : rule.direction === 'rl' ? -1 : 0));
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
    const image = options.image;
    this.standing = noStopping.map((_, r) => {
      const z = this.noStopZone[r]!;
      if (image === undefined || zones.pixelsOf === undefined || z < 0) return null;
      const side = Math.ceil(MIN_STANDING_SIDE_PX / options.factor);
      const minArea = Math.ceil(STANDING_MIN_AREA_PX / (options.factor * options.factor));
      const limits = { ...STANDING_FOREGROUND_DEFAULTS, minArea, minSide: side, standingForMs: this.noStopMaxMs[r]! };
      return new StandingForeground(zones.pixelsOf(z), image.workingWidth, options.factor, image.sourceWidth, limits, this.clock);
    });
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
    this.anchorJumped = new Uint8Array(slots);
    this.lastStep = new Float64Array(slots);
    this.previousStep = new Float64Array(slots);
    this.birthX = new Float64Array(slots);
    this.birthY = new Float64Array(slots);
    this.stoodX = new Float64Array(slots);
    this.stoodY = new Float64Array(slots);
    this.stoodUntilMs = new Float64Array(slots).fill(Number.NaN);
    this.lastCx = new Float64Array(slots);
    this.lastCy = new Float64Array(slots);
    this.lastVx = new Float64Array(slots);
    this.lastVy = new Float64Array(slots);
    this.lastSeenMs = new Float64Array(slots).fill(Number.NaN);
    this.measuredMs = new Float64Array(slots).fill(Number.NaN);
    this.measuredBeforeMs = new Float64Array(slots).fill(Number.NaN);
    this.ownBlobMs = new Float64Array(slots).fill(Number.NaN);
    // Reported vehicles: one per stop rule (runners), then one per lane (wrong-way riders).
    const reported = stopLines.length + lanes.length;
    this.reportedMs = new Float64Array(reported).fill(Number.NaN);
    const spots = noStopping.length * SPOTS_PER_ZONE;
    this.spotBox = new Float64Array(spots * 4);
    this.spotSinceMs = new Float64Array(spots);
    this.spotSeenMs = new Float64Array(spots).fill(Number.NaN);
    this.spotReported = new Uint8Array(spots);
    this.spotTrack = new Int32Array(spots);
    this.spotSlot = new Int32Array(spots);
    this.stopReported = new Uint8Array(slots);
    this.reportedBox = new Float64Array(reported * 4);
    this.reportedVx = new Float64Array(reported);
    this.reportedVy = new Float64Array(reported);
    this.lineSide = new Int8Array(slots * stopLines.length);
    this.pendingRule = new Int32Array(slots).fill(NONE);
    this.pendingMs = new Float64Array(slots).fill(Number.NaN);
    this.pendingX = new Float64Array(slots);
    this.pendingY = new Float64Array(slots);
    this.pendingRedForMs = new Float64Array(slots);
    this.pendingTravel = new Float64Array(slots);
    this.pendingFrame = new Int32Array(slots);
    this.runnerReported = new Uint8Array(slots);
    this.bornMs = new Float64Array(slots);

    const crossings = this.options.crossingCapacity;
    this.handedLog = {
      logLine: new Int32Array(crossings),
      logDirection: new Uint8Array(crossings),
      logTrack: new Int32Array(crossings),
      logFrame: new Int32Array(crossings),
      logTs: new Float64Array(crossings),
      logX: new Float32Array(crossings),
      logY: new Float32Array(crossings),
    };
    this.crossingSource = new Array<CrossingLog>(crossings).fill(this.handedLog);
    this.crossingSlot = new Int32Array(crossings);
  }

  onEvent(listener: SafetyEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * One counted crossing (working pixels), in LineCounter.drain's argument order, so a caller can pass
   * `safety.onCrossing` to drain directly. Kept until the next update().
   */
  readonly onCrossing = (line: number, direction: number, trackId: number, frame: number, tsMs: number, x: number, y: number): void => {
    const log = this.handedLog;
    // Written where onLogged() keeps it; with the kept crossings full, past the arrays' ends (a no-op),
    // and onLogged() drops and counts it.
    const i = this.crossingCount;
    log.logLine[i] = line;
    log.logDirection[i] = direction;
    log.logTrack[i] = trackId;
    log.logFrame[i] = frame;
    log.logTs[i] = tsMs;
    log.logX[i] = x;
    log.logY[i] = y;
    this.onLogged(log, i);
  };

  /**
   * onCrossing() for the crossing in slot k of a counter's log, kept in place (read at the next update(),
   * before the log's ring comes round to that slot again).
   */
  onLogged(log: CrossingLog, k: number): void {
    const i = this.crossingCount;
    if (i >= this.crossingSlot.length) {
      this.crossingsDropped++;
      return;
    }
    const line = log.logLine[k]!;
    if (line < 0 || line >= this.stopRuleOfLine.length || (this.stopRuleOfLine[line] === NONE && this.laneZone.length === 0)) return;
    this.crossingSource[i] = log;
    this.crossingSlot[i] = k;
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
    if (Number.isNaN(this.startedMs)) this.startedMs = tsMs;
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
      for (let s = 0; s < this.stopEntering.length; s++) if (this.stopEntering[s] !== 0) this.followStopLine(t, s, tracks);
    }
    for (let c = 0; c < this.crossingCount; c++) this.judgeCrossing(c, tracks);
    this.crossingCount = 0;
    for (let t = 0; t < capacity; t++) if (tracks.isActive(t) && this.pendingRule[t] !== NONE) this.confirmRunner(t, tracks);

    for (let t = 0; t < capacity; t++) {
      if (!tracks.isActive(t)) continue;
      if (tracks.hits[t]! < this.options.confirmHits) continue;
      if (tracks.observed[t] === 1) this.watchWrongWay(t, tracks);
      this.watchStopping(t, tracks);
    }
    this.reportStops();
    this.watchStandingPixels(tracks);
  }

  /**
   * This frame's foreground mask (working size, 1 = foreground) and gray frame (source size), for the
   * pixel-level watch of no-stopping zones at the next update(). The arrays are read then, not copied.
   */
  seeImage(mask: Uint8Array, frame: Uint8Array): void {
    this.imageMask = mask;
    this.imageFrame = frame;
  }

  /** The no-stopping zones pixel by pixel: a region that has stood past the rule's limit is a stop. */
  private watchStandingPixels(tracks: TrackView): void {
    const mask = this.imageMask;
    const frame = this.imageFrame;
    this.imageMask = null;
    this.imageFrame = null;
    if (mask === null || frame === null) return;
    for (let r = 0; r < this.standing.length; r++) {
      const standing = this.standing[r];
      if (!standing) continue;
      standing.observe(mask, frame);
      const found = standing.find();
      for (let k = 0; k < found; k++) this.reportStandingRegion(r, k, tracks);
    }
  }

  /** Region k of rule r's last find(): reported (with a track whose centre is in it, if any) unless it stood since the monitor's first seconds. */
  private reportStandingRegion(r: number, k: number, tracks: TrackView): void {
    const standing = this.standing[r]!;
    // Reported now, or too early to be trusted: either way not looked at again while it stands.
    standing.markReported(k);
    if (standing.sinceMs[k]! < this.startedMs + this.options.settleMs) return;
    const box = standing.boxes;
    let trackId = -1;
    const capacity = Math.min(this.trackCapacity, tracks.capacity);
    for (let t = 0; t < capacity && trackId < 0; t++) {
      if (!tracks.isActive(t)) continue;
      const x = tracks.cx[t]!;
      const y = tracks.cy[t]!;
      if (x >= box[k * 4]! && x <= box[k * 4 + 2]! && y >= box[k * 4 + 1]! && y <= box[k * 4 + 3]!) trackId = tracks.id[t]!;
    }
    this.reportStopBox(box, k, r, trackId, this.clock[FRAME_INDEX]!);
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
    // A box that jumped straight out of driving (its last step a real move) and then stands latched onto
    // something standing there (a ghost, a parked blob); a vehicle that stopped is merged with its
    // neighbours only later, after steps of jitter.
    if ((this.jumpX[t] !== 0 || this.jumpY[t] !== 0) && this.previousStep[t]! * this.factor >= LATCH_STEP_PX) this.anchorJumped[t] = 1;
    const dx = tracks.cx[t]! - this.anchorX[t]!;
    const dy = tracks.cy[t]! - this.anchorY[t]!;
    if (dx * dx + dy * dy <= this.stillRadius * this.stillRadius) return;
    if (tsMs - this.anchorMs[t]! >= STOOD_MS) {
      this.stoodX[t] = this.anchorX[t]!;
      this.stoodY[t] = this.anchorY[t]!;
      this.stoodUntilMs[t] = tsMs;
    }
    this.anchorX[t] = tracks.cx[t]!;
    this.anchorY[t] = tracks.cy[t]!;
    this.anchorMs[t] = tsMs;
    this.travelAtAnchor[t] = this.travel[t]!;
    this.anchorJumped[t] = 0;
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
    if (tracks.measured[t] === 1) this.ownBlobMs[t] = tsMs;
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
    this.previousStep[t] = this.lastStep[t]!;
    this.lastStep[t] = 0;
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
        this.lastStep[t] = step;
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

  /**
   * A counted crossing. Of a stop line into the junction on red, past the grace: the track becomes a
   * candidate runner, reported at once with the counter's evidence (runnerAtCrossing) or once it is
   * followed on past the line (confirmRunner). Of another line: judgeLaneCrossing.
   */
  private judgeCrossing(c: number, tracks: TrackView): void {
    const log = this.crossingSource[c]!;
    const k = this.crossingSlot[c]!;
    const line = log.logLine[k]!;
    const s = this.stopRuleOfLine[line]!;
    if (s === NONE) {
      this.judgeLaneCrossing(c, tracks);
      return;
    }
    // Most crossings are on green: told apart before any float is read, since this runs too rarely to be
    // optimised and unoptimised code boxes every float it reads (a heap number each).
    if (this.groupAspect[this.stopGroup[s]!] !== 'red') return;
    const tsMs = log.logTs[k]!;
    if (!this.redPastGrace(s, tsMs)) return;
    const t = slotOf(tracks, log.logTrack[k]!);
    if (t < 0 || this.runnerReported[t] === 1 || this.pendingRule[t] !== NONE) return;
    const wanted = this.stopDirection[s]!;
    if (wanted !== DIRECTION_ANY) {
      if (log.logDirection[k] !== wanted) return;
    } else if (this.againstLaneAt(log.logX[k]!, log.logY[k]!, tracks.vx[t]!, tracks.vy[t]!)) {
      return;
    }
    if (this.stoodPastLine(t, s)) return;
    this.openCandidate(t, s, tsMs, log.logFrame[k]!, log.logX[k]!, log.logY[k]!);
    if (this.runnerAtCrossing(t, tracks)) this.reportRunner(t, tracks, true);
  }

  /**
   * Stop rule s's line, followed by track t's centre (the line's geometry known): a move onto the junction
   * side within the segment, or a track born there within RUNNER_BORN_PX of the line, makes it a candidate
   * runner (on red, past the grace), reported only once followed on (confirmRunner): these crossings are
   * not checked as the counter checks its own.
   */
  private followStopLine(t: number, s: number, tracks: TrackView): void {
    const k = t * this.stopEntering.length + s;
    const ax = this.stopAx[s]!;
    const ay = this.stopAy[s]!;
    const bx = this.stopBx[s]!;
    const by = this.stopBy[s]!;
    const length = this.stopLength[s]!;
    const x = tracks.cx[t]!;
    const y = tracks.cy[t]!;
    const distance = sideOf(ax, ay, bx, by, x, y) / length;
    const side = distance > LINE_DEADBAND_PX ? 1 : distance < -LINE_DEADBAND_PX ? -1 : 0;
    if (side === 0) return;
    const previous = this.lineSide[k]!;
    this.lineSide[k] = side;
    const entering = this.stopEntering[s]!;
    if (side !== entering || previous === entering) return;
    // A first side that is the junction's: born there, near the line, or not from across it at all.
    if (previous === 0 && !(this.clock[FRAME_TS]! - this.bornMs[t]! <= RUNNER_BORN_MS && Math.abs(distance) * this.factor <= RUNNER_BORN_PX)) return;
    const along = ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / (length * length);
    if (along < 0 || along > 1) return;
    const tsMs = this.clock[FRAME_TS]!;
    if (!this.redPastGrace(s, tsMs)) return;
    if (this.runnerReported[t] === 1 || this.pendingRule[t] !== NONE || tracks.observed[t] !== 1) return;
    if (this.stoodPastLine(t, s)) return;
    this.openCandidate(t, s, tsMs, this.clock[FRAME_INDEX]!, x, y);
  }

  /** Whether stop rule s's group is red at tsMs and has been for longer than the rule's grace. */
  private redPastGrace(s: number, tsMs: number): boolean {
    const g = this.stopGroup[s]!;
    return this.groupAspect[g] === 'red' && tsMs - this.redSinceMs[g]! > this.stopGraceMs[s]!;
  }

  /** Track t becomes a candidate runner of stop rule s, having crossed at (x, y) at tsMs, frame. */
  private openCandidate(t: number, s: number, tsMs: number, frame: number, x: number, y: number): void {
    this.pendingRule[t] = s;
    this.pendingMs[t] = tsMs;
    this.pendingFrame[t] = frame;
    this.pendingX[t] = x;
    this.pendingY[t] = y;
    this.pendingRedForMs[t] = tsMs - this.redSinceMs[this.stopGroup[s]!]!;
    this.pendingTravel[t] = this.travel[t]!;
  }

  /**
   * Whether track t, crossing stop rule s's line now, stood lately already on the junction side: a
   * vehicle stopped there (or the blob of one merged with the queue behind it) driving off is leaving the
   * junction, not entering it on red. Without the line's geometry the junction is the no-stopping zones
   * (the counter's crossing point is where the track was when the crossing was confirmed, not on the
   * line, so it cannot tell the sides apart).
   */
  private stoodPastLine(t: number, s: number): boolean {
    const tsMs = this.clock[FRAME_TS]!;
    let x: number;
    let y: number;
    if (tsMs - this.anchorMs[t]! >= STOOD_MS) {
      x = this.anchorX[t]!;
      y = this.anchorY[t]!;
    } else if (this.stoodUntilMs[t]! >= tsMs - STOOD_RECENT_MS) {
      x = this.stoodX[t]!;
      y = this.stoodY[t]!;
    } else {
      return false;
    }
    const entering = this.stopEntering[s]!;
    if (entering !== 0) {
      const ax = this.stopAx[s]!;
      const ay = this.stopAy[s]!;
      const distance = ((this.stopBx[s]! - ax) * (y - ay) - (this.stopBy[s]! - ay) * (x - ax)) / this.stopLength[s]!;
      return distance * entering > 0;
    }
    for (let r = 0; r < this.noStopZone.length; r++) if (this.zones.contains(this.noStopZone[r]!, x, y)) return true;
    return false;
  }

  /**
   * Evidence at the crossing itself: measured twice within measuredWithinMs before it (not extrapolated
   * across the line), moving at the rule's minimum speed, and gone RUNNER_MIN_TRAVEL_PX lately in measured
   * steps (a queue vehicle's box jittering or jumping at the line goes nowhere).
   */
  private runnerAtCrossing(t: number, tracks: TrackView): boolean {
    const s = this.pendingRule[t]!;
    if (!(this.measuredBeforeMs[t]! >= this.pendingMs[t]! - this.options.measuredWithinMs)) return false;
    const vx = tracks.vx[t]!;
    const vy = tracks.vy[t]!;
    if (Math.sqrt(vx * vx + vy * vy) * this.factor * 1000 < this.stopMinSpeed[s]!) return false;
    const goneX = this.stepSumX[t]! - this.laggedSumX[t]!;
    const goneY = this.stepSumY[t]! - this.laggedSumY[t]!;
    return Math.sqrt(goneX * goneX + goneY * goneY) * this.factor >= RUNNER_MIN_TRAVEL_PX;
  }

  /**
   * A candidate runner is reported when the tracker follows it on into the junction: measured this frame
   * (not a jump), RUNNER_CONFIRM_PX from where it crossed in measured steps and in a straight line, moving
   * away from the line at the rule's minimum speed. A queue vehicle whose box jitters or jumps across the
   * line, or a track coasting across on its prediction, goes no further. Given up after RUNNER_CONFIRM_MS.
   */
  private confirmRunner(t: number, tracks: TrackView): void {
    const tsMs = this.clock[FRAME_TS]!;
    const s = this.pendingRule[t]!;
    if (tsMs - this.pendingMs[t]! > RUNNER_CONFIRM_MS) {
      this.pendingRule[t] = NONE;
      return;
    }
    if (this.measuredMs[t] !== tsMs || this.jumpX[t] !== 0 || this.jumpY[t] !== 0) return;
    const f = this.factor;
    if ((this.travel[t]! - this.pendingTravel[t]!) * f < RUNNER_CONFIRM_PX) return;
    const dx = tracks.cx[t]! - this.pendingX[t]!;
    const dy = tracks.cy[t]! - this.pendingY[t]!;
    if (Math.sqrt(dx * dx + dy * dy) * f < RUNNER_CONFIRM_PX) return;
    const vx = tracks.vx[t]!;
    const vy = tracks.vy[t]!;
    if (vx * dx + vy * dy <= 0 || Math.sqrt(vx * vx + vy * vy) * f * 1000 < this.stopMinSpeed[s]!) return;
    const entering = this.stopEntering[s]!;
    if (entering !== 0) {
      const ax = this.stopAx[s]!;
      const ay = this.stopAy[s]!;
      const distance = ((this.stopBx[s]! - ax) * (tracks.cy[t]! - ay) - (this.stopBy[s]! - ay) * (tracks.cx[t]! - ax)) / this.stopLength[s]!;
      if (distance * entering * f < RUNNER_CONFIRM_PX) return;
    }
    this.reportRunner(t, tracks, false);
  }

  /** Reports track t's pending crossing as a runner, unless it is one reported already (sameVehicle). */
  private reportRunner(t: number, tracks: TrackView, atCrossing: boolean): void {
    const s = this.pendingRule[t]!;
    this.pendingRule[t] = NONE;
    if (this.sameVehicle(s, t, tracks)) return;
    const tsMs = this.clock[FRAME_TS]!;
    this.runnerReported[t] = 1;
    if (this.onStoodPixels(t, tracks)) return;
    this.rememberReported(s, t, tracks);
    const line = this.stopLineOfRule[s]!;
    this.emit({
      kind: 'red-light',
      trackId: tracks.id[t]!,
      tsMs: atCrossing ? this.pendingMs[t]! : tsMs,
      frame: atCrossing ? this.pendingFrame[t]! : this.clock[FRAME_INDEX]!,
      line: this.lineNames[line]!,
      group: this.groupNames[this.stopGroup[s]!]!,
      signal: 'red',
      redForMs: this.pendingRedForMs[t]!,
      box: this.boxOf(tracks, t),
    });
  }

  /**
   * Whether most of track t's box, where it lies in a no-stopping zone, has stood there for STOOD_PIXELS_MS
   * (StandingForeground): a vehicle that stood in the junction and drives off on red, or a fragment of it,
   * not a runner. The track rule (stoodPastLine) misses it when the standing vehicle had no steady track.
   */
  private onStoodPixels(t: number, tracks: TrackView): boolean {
    const box = this.scratchBox;
    boxInto(box, 0, tracks, t);
    for (const standing of this.standing) if (standing !== null && standing.stoodFraction(box, 0, STOOD_PIXELS_MS) >= STOOD_PIXELS_FRACTION) return true;
    return false;
  }

  /**
   * A second track on vehicle i already reported (a runner or rider the tracker split or gave a new id):
   * soon after (sameRunnerMs), its box touching the region the reported box swept from the report on at
   * its velocity then (allowing half of either box again on every side, as a split track's box is a part
   * of the vehicle). A runner pulling away from the line speeds up, so the sweep goes twice as far as that
   * velocity would carry it.
   */
  private sameVehicle(i: number, t: number, tracks: TrackView): boolean {
    const dt = this.clock[FRAME_TS]! - this.reportedMs[i]!;
    const x = tracks.cx[t]!;
    const y = tracks.cy[t]!;
    if (!(dt <= this.options.sameRunnerMs)) return false;
    const box = this.reportedBox;
    const x0 = box[i * 4]!;
    const y0 = box[i * 4 + 1]!;
    const x1 = box[i * 4 + 2]!;
    const y1 = box[i * 4 + 3]!;
    const sweepX = 2 * this.reportedVx[i]! * dt;
    const sweepY = 2 * this.reportedVy[i]! * dt;
    // The track's box, not only its centre: a runner first reported by a small fragment of it (its roof)
    // and then by a track on the whole vehicle, whose centre is off the fragment's box, is one runner.
    const halfW = tracks.w[t]! / 2;
    const halfH = tracks.h[t]! / 2;
    // Either box grown by half its own size: a small fragment reported first allows little room, and a
    // larger track on another part of the vehicle can lie a few pixels off it.
    const marginX = Math.max((x1 - x0) / 2, halfW);
    const marginY = Math.max((y1 - y0) / 2, halfH);
    return (
      x + halfW >= x0 + Math.min(0, sweepX) - marginX &&
      x - halfW <= x1 + Math.max(0, sweepX) + marginX &&
      y + halfH >= y0 + Math.min(0, sweepY) - marginY &&
      y - halfH <= y1 + Math.max(0, sweepY) + marginY
    );
  }

  /**
   * A counted crossing of a line other than a stop line (where a queue's blobs shuffle back and forth)
   * inside a lane zone by a track moving against the lane: a wrong-way rider
   * crossing a count line is seen where the count is taken, often before the tracker has followed it for
   * long. It must have come from the lane's far end: its centre has moved WRONG_WAY_CROSSING_PX against
   * the lane since the track was born (a queue blob whose centre shifts back as vehicles merge has not),
   * and been measured within WRONG_WAY_MEASURED_WITHIN_MS.
   */
  private judgeLaneCrossing(c: number, tracks: TrackView): void {
    const log = this.crossingSource[c]!;
    const k = this.crossingSlot[c]!;
    const t = slotOf(tracks, log.logTrack[k]!);
    if (t < 0) return;
    const at = this.laneCrossing;
    at[0] = log.logX[k]!;
    at[1] = log.logY[k]!;
    at[2] = log.logTs[k]!;
    at[3] = log.logFrame[k]!;
    this.riderCrossing(t, log.logLine[k]!, tracks);
  }

  /**
   * Line `line` crossed by track t where and when laneCrossing holds (x, y working pixels, time, frame):
   * a wrong-way rider if inside a lane zone, against the lane, come up it and measured lately.
   * (Following tracks across count lines here as well, like stop lines, found no rider the counter had
   * not counted in the simulator scenes, only more false reports.)
   */
  private riderCrossing(t: number, line: number, tracks: TrackView): void {
    // Seen as many times as a rider followed up its lane must have been measured: a track a few frames old
    // counted against the lane is a merged blob re-tracked (simulator: the false ones were 3-6 frames old).
    if (this.wrongWayReported[t] === 1 || tracks.hits[t]! < this.options.wrongWayMinMeasurements) return;
    const at = this.laneCrossing;
    const tsMs = at[2]!;
    if (!(this.ownBlobMs[t]! >= tsMs - WRONG_WAY_MEASURED_WITHIN_MS)) return;
    let lane = NONE;
    for (let l = 0; l < this.laneZone.length; l++) {
      if (this.zones.containsPoint(this.laneZone[l]!, at)) {
        lane = l;
        break;
      }
    }
    if (lane === NONE) return;
    const dx = this.laneDx[lane]!;
    const dy = this.laneDy[lane]!;
    if (-(tracks.vx[t]! * dx + tracks.vy[t]! * dy) * this.factor * 1000 < this.options.wrongWayMinSpeedPxPerS) return;
    const againstPx = -((tracks.cx[t]! - this.birthX[t]!) * dx + (tracks.cy[t]! - this.birthY[t]!) * dy) * this.factor;
    if (againstPx < WRONG_WAY_CROSSING_PX) return;
    this.wrongWayReported[t] = 1;
    const reported = this.stopGroup.length + lane;
    if (this.sameVehicle(reported, t, tracks)) return;
    this.rememberReported(reported, t, tracks);
    this.emit({ kind: 'wrong-way', trackId: tracks.id[t]!, tsMs, frame: at[3]!, line: this.lineNames[line]!, zone: this.zones.names[this.laneZone[lane]!]!, box: this.boxOf(tracks, t) });
  }



  /** Remembers track t, reported now, as vehicle i (see sameVehicle). */
  private rememberReported(i: number, t: number, tracks: TrackView): void {
    this.reportedMs[i] = this.clock[FRAME_TS]!;
    boxInto(this.reportedBox, i, tracks, t);
    this.reportedVx[i] = tracks.vx[t]!;
    this.reportedVy[i] = tracks.vy[t]!;
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
      if (this.zones.containsPoint(this.laneZone[l]!, this.trackPoint(t, tracks))) {
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
    if (this.ownBlobMs[t] === tsMs) this.reverseMeasured[t]!++;
    const againstPx = -((x - this.reverseStartX[t]!) * dx + (y - this.reverseStartY[t]!) * dy) * this.factor;
    if (tsMs - this.reverseSinceMs[t]! < this.options.wrongWayMinMs || againstPx < this.options.wrongWayMinDistancePx) return;
    // A track coasting on its prediction (inside a merged blob) keeps the velocity it had and covers any
    // distance on arithmetic alone: the run must have been measured, not only extrapolated.
    if (this.reverseMeasured[t]! < this.options.wrongWayMinMeasurements) return;
    // The box reported must still be on the rider: measured lately (a track coasting for long drifts off
    // it), not jumping this frame.
    if (!(this.ownBlobMs[t]! >= tsMs - WRONG_WAY_MEASURED_WITHIN_MS) || this.jumpX[t] !== 0 || this.jumpY[t] !== 0) return;
    this.wrongWayReported[t] = 1;
    const reported = this.stopGroup.length + lane;
    if (this.sameVehicle(reported, t, tracks)) return;
    this.rememberReported(reported, t, tracks);
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
    const standing = tsMs - this.anchorMs[t]! >= SPOT_CONFIRM_MS;
    for (let r = 0; r < rules; r++) {
      // Looked up for every observed track, standing or not, in the zone or not: a lookup made only while a
      // vehicle stands in a zone runs too rarely to be optimised, and unoptimised code boxes every float it
      // reads (about 20 bytes a frame, all of the frame loop's allocation).
      // So is whether it arrived, needed only when it stands in the zone where no place is open yet.
      const spot = this.spotAt(r, t, tracks);
      const arrived = this.arrivedStanding(t, tracks);
      if (!standing || !this.zones.containsPoint(this.noStopZone[r]!, this.trackPoint(t, tracks))) continue;
      if (spot >= 0) this.spotSeenMs[spot] = tsMs;
      else if (arrived) this.openSpot(r, t, tracks);
    }
  }

  /**
   * Whether standing track t arrived where it stands, so may open a standing place: a box that jumped this
   * frame (blobs merging) is not where a vehicle stands, and a track reported standing opens no other place
   * (moving on a little and standing again, or its box creeping as the blob changes, is the same stop; a
   * vehicle that drives off and stops somewhere else illegally is missed if the tracker kept its track all
   * the while). It must be the size of a vehicle, not spill over a stop line from a queue, and have come
   * ARRIVAL_PX.
   */
  private arrivedStanding(t: number, tracks: TrackView): boolean {
    const jumped = this.jumpX[t] !== 0 || this.jumpY[t] !== 0;
    if (jumped || this.anchorJumped[t] !== 0 || this.stopReported[t] !== 0 || this.atStopLine(t, tracks)) return false;
    if (Math.min(tracks.w[t]!, tracks.h[t]!) * this.factor < MIN_STANDING_SIDE_PX) return false;
    if (this.travelAtAnchor[t]! * this.factor >= ARRIVAL_PX) {
      this.arrivedBeside = NONE;
      return true;
    }
    this.arrivedBeside = this.arrivedFragmentBeside(t, tracks);
    return this.arrivedBeside !== NONE;
  }

  /**
   * A standing track that arrived (as arrivedStanding asks, bar the zone and the stop line) with its box
   * overlapping or within FRAGMENT_GAP_PX of standing track t's: another fragment of the same vehicle, the
   * one that did the arriving. Its slot, or -1.
   */
  private arrivedFragmentBeside(t: number, tracks: TrackView): number {
    const tsMs = this.clock[FRAME_TS]!;
    const gap = FRAGMENT_GAP_PX / this.factor;
    const capacity = Math.min(this.trackCapacity, tracks.capacity);
    for (let other = 0; other < capacity; other++) {
      if (other === t || !tracks.isActive(other) || tracks.observed[other] !== 1 || tracks.hits[other]! < this.options.confirmHits) continue;
      if (!(tsMs - this.anchorMs[other]! >= SPOT_CONFIRM_MS) || this.anchorJumped[other] !== 0 || this.stopReported[other] !== 0) continue;
      if (this.travelAtAnchor[other]! * this.factor < ARRIVAL_PX) continue;
      const apartX = Math.abs(tracks.cx[other]! - tracks.cx[t]!) - (tracks.w[other]! + tracks.w[t]!) / 2;
      const apartY = Math.abs(tracks.cy[other]! - tracks.cy[t]!) - (tracks.h[other]! + tracks.h[t]!) / 2;
      if (apartX <= gap && apartY <= gap) return other;
    }
    return -1;
  }

  /** Track t's centre in `point`, for zones.containsPoint (floats passed to a call would be boxed). */
  private trackPoint(t: number, tracks: TrackView): Float64Array {
    const point = this.point;
    point[0] = tracks.cx[t]!;
    point[1] = tracks.cy[t]!;
    return point;
  }

  /**
   * Whether track t's centre stands within QUEUE_SPILL_PX past a stop line (its geometry known): the
   * blobs of a queue at the line, merged with each other or their shadows, spill over it by that much.
   */
  private atStopLine(t: number, tracks: TrackView): boolean {
    for (let s = 0; s < this.stopEntering.length; s++) {
      const entering = this.stopEntering[s]!;
      if (entering === 0) continue;
      const ax = this.stopAx[s]!;
      const ay = this.stopAy[s]!;
      const bx = this.stopBx[s]!;
      const by = this.stopBy[s]!;
      const length = this.stopLength[s]!;
      const x = tracks.cx[t]!;
      const y = tracks.cy[t]!;
      const past = (sideOf(ax, ay, bx, by, x, y) / length) * entering * this.factor;
      const along = ((bx - ax) * (x - ax) + (by - ay) * (y - ay)) / (length * length);
      if (past >= 0 && past < QUEUE_SPILL_PX && along >= 0 && along <= 1) return true;
    }
    return false;
  }

  /**
   * The live standing place of rule r near track t's centre: within its box grown by half its size on every
   * side (the box is the first track's, often a fragment of the vehicle), or -1. The centre is read from
   * the table, not passed: float arguments to a call that is not inlined are boxed.
   */
  private spotAt(r: number, t: number, tracks: TrackView): number {
    const x = tracks.cx[t]!;
    const y = tracks.cy[t]!;
    const halfW = tracks.w[t]! / 2;
    const halfH = tracks.h[t]! / 2;
    const box = this.spotBox;
    for (let i = r * SPOTS_PER_ZONE; i < (r + 1) * SPOTS_PER_ZONE; i++) {
      if (Number.isNaN(this.spotSeenMs[i]!)) continue;
      const x0 = box[i * 4]!;
      const y0 = box[i * 4 + 1]!;
      const x1 = box[i * 4 + 2]!;
      const y1 = box[i * 4 + 3]!;
      const marginX = (x1 - x0) / 2;
      const marginY = (y1 - y0) / 2;
      if (x >= x0 - marginX && x <= x1 + marginX && y >= y0 - marginY && y <= y1 + marginY) return i;
      // Or its box overlaps the place by SPOT_OVERLAP of the smaller: another fragment of the vehicle.
      const ix = Math.min(x1, x + halfW) - Math.max(x0, x - halfW);
      const iy = Math.min(y1, y + halfH) - Math.max(y0, y - halfH);
      if (ix > 0 && iy > 0 && ix * iy >= SPOT_OVERLAP * Math.min((x1 - x0) * (y1 - y0), 4 * halfW * halfH)) return i;
    }
    return -1;
  }

  /** A new standing place under track t (a free one, or else the one confirmed longest ago). */
  private openSpot(r: number, t: number, tracks: TrackView): void {
    const tsMs = this.clock[FRAME_TS]!;
    let chosen = r * SPOTS_PER_ZONE;
    for (let i = r * SPOTS_PER_ZONE; i < (r + 1) * SPOTS_PER_ZONE; i++) {
      if (Number.isNaN(this.spotSeenMs[i]!)) {
        chosen = i;
        break;
      }
      if (this.spotSeenMs[i]! < this.spotSeenMs[chosen]!) chosen = i;
    }
    boxInto(this.spotBox, chosen, tracks, t);
    this.spotSinceMs[chosen] = this.anchorMs[t]!;
    // The fragment that did the arriving (arrivedStanding) stood from when the vehicle stopped.
    const beside = this.arrivedBeside;
    if (beside !== NONE && this.anchorMs[beside]! < this.spotSinceMs[chosen]!) this.spotSinceMs[chosen] = this.anchorMs[beside]!;
    this.spotSeenMs[chosen] = tsMs;
    this.spotReported[chosen] = 0;
    this.spotTrack[chosen] = tracks.id[t]!;
    this.spotSlot[chosen] = t;
    // The vehicle may have stood there for a while already under fragments born on it (which did not
    // arrive, so could not open the place): the standing time runs from the earliest of them.
    const capacity = Math.min(this.trackCapacity, tracks.capacity);
    for (let other = 0; other < capacity; other++) {
      if (!tracks.isActive(other) || tracks.observed[other] !== 1 || tracks.hits[other]! < this.options.confirmHits) continue;
      const since = this.anchorMs[other]!;
      if (!(tsMs - since >= SPOT_CONFIRM_MS) || this.spotAt(r, other, tracks) !== chosen) continue;
      if (since < this.spotSinceMs[chosen]!) this.spotSinceMs[chosen] = since;
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
      // Integer division (| 0), not Math.floor: the place's rule indexes arrays in this per-frame loop.
      const r = (i / SPOTS_PER_ZONE) | 0;
      // Only while it is seen standing: a place kept for a moment after its vehicle drove off is not a stop.
      if (seen !== tsMs || this.spotReported[i] === 1 || !(tsMs - this.spotSinceMs[i]! > this.noStopMaxMs[r]!)) continue;
      this.reportStop(i, r, frame);
    }
  }

  /**
   * Reports place i of rule r. Apart from the loop above: run once a stop, it deoptimises when it first
   * runs, and in the loop it took the loop (run every frame) back to the interpreter with it, where every
   * float is boxed: tens of kilobytes a second until the loop was optimised again.
   */
  private reportStop(i: number, r: number, frame: number): void {
    const tsMs = this.clock[FRAME_TS]!;
    // Standing since the monitor's first seconds (see settleMs).
    if (this.spotSinceMs[i]! < this.startedMs + this.options.settleMs) return;
    this.spotReported[i] = 1;
    const slot = this.spotSlot[i]!;
    if (this.slotId[slot] === this.spotTrack[i]) this.stopReported[slot] = 1;
    this.reportStopBox(this.spotBox, i, r, this.spotTrack[i]!, frame);
  }

  /**
   * An illegal stop of rule r in the box at 4i of `box` (working pixels, x0, y0, x1, y1), unless one was
   * reported on about the same box lately. The standing pixels in it are marked reported either way.
   */
  private reportStopBox(box: Float64Array, i: number, r: number, trackId: number, frame: number): void {
    const tsMs = this.clock[FRAME_TS]!;
    this.standing[r]?.markBoxReported(box, i);
    // A place that looks as it did when empty is the ghost of a vehicle gone (see emptyFraction).
    if ((this.standing[r]?.emptyFraction(box, i, GHOST_TOLERANCE_GRAY) ?? 0) >= GHOST_EMPTY_FRACTION) return;
    // A second place on a vehicle reported moments ago (another fragment, or its track lost and found
    // again) is the same stop: one vehicle, one event.
    const recent = this.stopReportBox;
    for (let k = 0; k < RECENT_STOP_REPORTS; k++) {
      if (!(tsMs - this.stopReportMs[k]! <= SAME_STOP_MS)) continue;
      const marginX = (recent[k * 4 + 2]! - recent[k * 4]!) / 2;
      const marginY = (recent[k * 4 + 3]! - recent[k * 4 + 1]!) / 2;
      if (box[i * 4]! <= recent[k * 4 + 2]! + marginX && box[i * 4 + 2]! >= recent[k * 4]! - marginX && box[i * 4 + 1]! <= recent[k * 4 + 3]! + marginY && box[i * 4 + 3]! >= recent[k * 4 + 1]! - marginY) return;
    }
    const k = this.stopReportNext;
    this.stopReportNext = (k + 1) % RECENT_STOP_REPORTS;
    this.stopReportMs[k] = tsMs;
    for (let c = 0; c < 4; c++) recent[k * 4 + c] = box[i * 4 + c]!;
    const f = this.factor;
    this.emit({
      kind: 'illegal-stop',
      trackId,
      tsMs,
      frame,
      zone: this.zones.names[this.noStopZone[r]!]!,
      box: { x: box[i * 4]! * f, y: box[i * 4 + 1]! * f, w: (box[i * 4 + 2]! - box[i * 4]!) * f, h: (box[i * 4 + 3]! - box[i * 4 + 1]!) * f },
    });
  }

  private resetSlot(t: number, tracks: TrackView): void {
    const tsMs = this.clock[FRAME_TS]!;
    this.slotId[t] = tracks.id[t]!;
    this.anchorX[t] = tracks.cx[t]!;
    this.anchorY[t] = tracks.cy[t]!;
    this.anchorMs[t] = tsMs;
    this.birthX[t] = tracks.cx[t]!;
    this.birthY[t] = tracks.cy[t]!;
    this.travel[t] = 0;
    this.travelAtAnchor[t] = 0;
    this.anchorJumped[t] = 0;
    this.stopReported[t] = 0;
    this.lastStep[t] = 0;
    this.stoodUntilMs[t] = UNSET;
    this.stepSumX[t] = 0;
    this.stepSumY[t] = 0;
    this.laggedSumX[t] = 0;
    this.laggedSumY[t] = 0;
    this.reverseLane[t] = NONE;
    this.reverseSinceMs[t] = UNSET;
    this.wrongWayReported[t] = 0;
    this.pendingRule[t] = NONE;
    this.runnerReported[t] = 0;
    this.lineSide.fill(0, t * this.stopGroup.length, (t + 1) * this.stopGroup.length);
    this.bornMs[t] = tsMs;
    this.lastSeenMs[t] = UNSET;
    this.measuredMs[t] = UNSET;
    this.measuredBeforeMs[t] = UNSET;
    this.ownBlobMs[t] = UNSET;
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

/** Track t's box (working pixels, x0, y0, x1, y1) into `out` at 4k: indices only, so no float is boxed on the way. */
function boxInto(out: Float64Array, k: number, tracks: TrackView, t: number): void {
  const halfW = tracks.w[t]! / 2;
  const halfH = tracks.h[t]! / 2;
  out[k * 4] = tracks.cx[t]! - halfW;
  out[k * 4 + 1] = tracks.cy[t]! - halfH;
  out[k * 4 + 2] = tracks.cx[t]! + halfW;
  out[k * 4 + 3] = tracks.cy[t]! + halfH;
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
