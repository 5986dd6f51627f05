import { VisionPipeline, type PipelineOptions } from '../../../edge/vision/pipeline.js';
import { GroundPlane } from '../../../edge/vision/ground-plane.js';
import { ZoneMonitor } from '../../../edge/vision/zone-monitor.js';
import { ApproachScene } from '../../../sim/scene/approach-scene.js';
import { pointInPolygon } from '../../../sim/scene/line-side.js';
import { SCENE_PRESETS } from '../../../sim/scene/presets.js';
import type { CountLine, LaneDirection, SceneOptions, VehicleBox } from '../../../sim/scene/scene-types.js';
import { log, type BenchContext } from '../context.js';
import type { BenchOptions } from '../main.js';
import { addCounts, round } from '../stats.js';

const ERROR_TARGET = 0.03;
/** How far up the road the scenes' queue zones reach from the stop line (m). */
const QUEUE_ZONE_M = 60;
/** A counted crossing can be a truth crossing this many frames away (blob centre vs painted box centre, shadows)… */
const MATCH_TOLERANCE_FRAMES = 12;
/** …and this far apart along the line (source px; across it a count comes later, once the vehicle is well over). */
const MATCH_TOLERANCE_PX = 24;

type Direction = 'lr' | 'rl';

/** Why a counted crossing or a truth crossing did not pair up one-to-one. */
export interface FailureKinds {
  /** Truth crossings nobody counted, split by whether the vehicle's box touched another vehicle's then. */
  missedAlone: number;
  missedTouching: number;
  /** A counted crossing near (in time and place) a truth crossing that another counted crossing already took. */
  double: number;
  /** A counted crossing with no truth crossing of that line and direction near it. */
  spurious: number;
}

export interface LineResult {
  counted: Record<Direction, number>;
  truth: Record<Direction, number>;
  failures: Record<Direction, FailureKinds>;
}

export interface PresetResult {
  name: string;
  seed: number;
  frames: number;
  lines: Record<string, LineResult>;
  /** The stop line's direction against inbound traffic: counted and true crossings. */
  stopLineWrongDirection: { counted: number; truth: number } | null;
  pipelineMs: number;
  renderMs: number;
  /** Every counted and every truth crossing, each with whether it was paired (for development aids). */
  crossings: CrossingDetail[];
  /** Per queue zone: the monitor's volume and the vehicles whose box centre entered the zone (none without the signal feed). */
  zones: Record<string, ZoneVolume>;
  /** Queue length, sampled once a second on every queue zone: the monitor's (on the ground plane) against the scene's. */
  queues: QueueTally;
}

export interface ZoneVolume {
  volume: number;
  truth: number;
}

export interface QueueTally {
  samples: number;
  /** Σ|measured − true| and Σ(measured − true), metres. */
  absErrorM: number;
  signedErrorM: number;
  /** Σ true queue (m), and the samples with a true queue of at least QUEUE_PRESENT_M and those the monitor saw one in. */
  truthM: number;
  withQueue: number;
  withQueueSeen: number;
  /** Samples without a true queue in which the monitor reported one (≥ QUEUE_PRESENT_M). */
  phantom: number;
}

/** A queue at least this long (m) counts as present, for the seen / phantom tallies. */
const QUEUE_PRESENT_M = 3;

export function newQueueTally(): QueueTally {
  return { samples: 0, absErrorM: 0, signedErrorM: 0, truthM: 0, withQueue: 0, withQueueSeen: 0, phantom: 0 };
}

/** One counted or truth crossing, and how it fared in the matching. */
export interface CrossingDetail {
  source: 'counted' | 'truth';
  line: string;
  direction: Direction;
  frame: number;
  x: number;
  y: number;
  /** counted: matched, double or spurious; truth: matched, missedAlone or missedTouching. */
  outcome: 'matched' | 'double' | 'spurious' | 'missedAlone' | 'missedTouching';
  /** Truth: the vehicle and its kind; counted: the track id. */
  id: number;
  kind?: string;
  /** Counted: the truth vehicle whose box held the crossing point then (a fragment's), as "kind vId", if any. */
  within?: string;
}

export interface SimulatorRunOptions {
  /** Frames rendered: seconds × the scene's fps. */
  seconds: number;
  /** Lane dividers between adjacent lanes, as a commissioned node has them (default true). */
  laneDividers?: boolean;
  /** Queue zones bound to the approach's signal, frozen in the background at red, as the node does (default true). */
  signalFeed?: boolean;
  /** Pipeline settings to try (development); motionBackend 'ts' keeps a measurement independent of the WASM kernel's build. */
  pipeline?: Pick<PipelineOptions, 'tracker' | 'counter' | 'queueSplitter' | 'motion' | 'motionBackend' | 'bootstrap'>;
  /** Called after each frame is counted, before its crossings are drained (development aids). */
  onFrame?: (frame: number, pipeline: VisionPipeline, scene: ApproachScene) => void;
}

/**
 * One preset rendered in memory and counted by the pipeline set up as a commissioned node has it: the
 * scene's count lines, lane dividers between adjacent lanes, and queue zones bound to the approach's own
 * signal (the node knows its signal: the background is not learned under a queue at red). Counted
 * crossings are matched one-to-one to truth crossings near in time and place, so failures are classified
 * by kind (missed alone or touching another vehicle, double, spurious), not only netted.
 */
export function runSimulatorPreset(name: string, preset: SceneOptions, options: SimulatorRunOptions): PresetResult {
  const scene = new ApproachScene(preset);
  // The stop line is crossed one way, as the node's stop-line rule states (the count line both ways).
  const stopTravel = legalDirection(scene.countLines[0]!, scene.laneDirections);
  const lines = scene.countLines.map((line, l) => ({ name: line.name, a: { x: line.a.x, y: line.a.y }, b: { x: line.b.x, y: line.b.y }, ...(l === 0 && stopTravel !== null ? { travel: stopTravel } : {}) }));
  const laneDividers = options.laneDividers === false ? [] : laneDividersOf(scene.laneDirections);
  const pipeline = new VisionPipeline({ ...options.pipeline, sourceWidth: scene.width, sourceHeight: scene.height, lines, laneDividers });
  const queueZones = scene.zones.filter((zone) => zone.name.startsWith('queue'));
  const stopLine = { a: { ...scene.countLines[0]!.a }, b: { ...scene.countLines[0]!.b } };
  const calibration = scene.groundCalibration();
  const zones =
    options.signalFeed === false
      ? null
      : new ZoneMonitor(
          queueZones.map((zone) => ({ name: zone.name, points: [...zone.points], phase: 'approach', stopLine })),
          pipeline.tracker.capacity,
          { workingWidth: pipeline.workingWidth, workingHeight: pipeline.workingHeight, factor: pipeline.factor, sourceWidth: scene.width, groundPlane: GroundPlane.fromPoints(calibration.image, calibration.ground) },
        );
  const queues = newQueueTally();
  const queueLane = queueZones.map((zone) => Number(zone.lane!.slice('in-'.length)));
  const isRed = () => scene.signalState() === 'red';
  const frames = Math.round(options.seconds * scene.fps);
  const buffer = new Uint8Array(scene.width * scene.height);
  const factor = pipeline.factor;
  const counted: { line: string; direction: Direction; frame: number; x: number; y: number; track: number; within?: string }[] = [];
  const details: CrossingDetail[] = [];
  const kindOf = new Map<number, string>();
  // Per truth crossing (by index in the truth list): the vehicle's box centre then, and whether it touched another vehicle.
  const touching: boolean[] = [];
  const truthX: number[] = [];
  const truthY: number[] = [];
  let renderMs = 0;
  let pipelineMs = 0;
  let boxes: readonly VehicleBox[] = [];
  // Per queue zone: the vehicles whose box centre has been inside it (a vehicle visits a queue zone once).
  const zoneVisitors = queueZones.map(() => new Set<number>());
  for (let i = 0; i < frames; i++) {
    const t0 = performance.now();
    scene.renderFrame(i, buffer);
    const t1 = performance.now();
    if (zones) pipeline.freezeZones(zones, isRed);
    pipeline.process(buffer, scene.frameTimeMs(i), i);
    zones?.update(pipeline.motion.mask, pipeline.tracker, scene.frameTimeMs(i), buffer);
    pipelineMs += performance.now() - t1;
    renderMs += t1 - t0;
    boxes = scene.boxes();
    options.onFrame?.(i, pipeline, scene);
    if (zones !== null && i % scene.fps === 0) {
      const truthM = scene.queueLengthsM();
      queueZones.forEach((_zone, z) => {
        // The zone reaches QUEUE_ZONE_LENGTH_M up the road: a longer queue is seen as the whole zone.
        const truth = Math.min(truthM[queueLane[z]!]!, QUEUE_ZONE_M);
        const measured = zones.queueM[z]!;
        queues.samples++;
        queues.absErrorM += Math.abs(measured - truth);
        queues.signedErrorM += measured - truth;
        queues.truthM += truth;
        if (truth >= QUEUE_PRESENT_M) {
          queues.withQueue++;
          if (measured >= QUEUE_PRESENT_M) queues.withQueueSeen++;
        } else if (measured >= QUEUE_PRESENT_M) queues.phantom++;
      });
    }
    for (const box of boxes) {
      kindOf.set(box.vehicleId, box.kind);
      queueZones.forEach((zone, z) => {
        if (pointInPolygon(zone.points, box.centerX, box.centerY)) zoneVisitors[z]!.add(box.vehicleId);
      });
    }
    pipeline.counter.drain((l, direction, trackId, frame, _tsMs, x, y) => {
      const sx = x * factor;
      const sy = y * factor;
      const holder = boxes.find((b) => sx >= b.x0 && sx <= b.x1 && sy >= b.y0 && sy <= b.y1);
      counted.push({ line: lines[l]!.name, direction: direction === 0 ? 'lr' : 'rl', frame, x: sx, y: sy, track: trackId, ...(holder ? { within: `${holder.kind} v${holder.vehicleId}` } : {}) });
    });
    const crossings = scene.truth().crossings;
    for (let k = touching.length; k < crossings.length; k++) {
      const box = boxes.find((b) => b.vehicleId === crossings[k]!.vehicleId);
      touching.push(box !== undefined && touchesAnother(boxes, box));
      truthX.push(box?.centerX ?? Number.NaN);
      truthY.push(box?.centerY ?? Number.NaN);
    }
  }
  const truth = scene.truth().crossings;
  const perLine: Record<string, LineResult> = {};
  for (const line of lines) {
    const result: LineResult = { counted: { lr: 0, rl: 0 }, truth: { lr: 0, rl: 0 }, failures: { lr: noFailures(), rl: noFailures() } };
    for (const direction of ['lr', 'rl'] as const) {
      const truthHere = truth.map((crossing, k) => ({ ...crossing, k })).filter((c) => c.line === line.name && c.direction === direction);
      const countedHere = counted.filter((c) => c.line === line.name && c.direction === direction);
      result.counted[direction] = countedHere.length;
      result.truth[direction] = truthHere.length;
      const failures = result.failures[direction];
      // Greedy one-to-one matching, nearest pairs first (distance in frames plus pixels along the line).
      const pairs: { c: number; k: number; cost: number }[] = [];
      const ux = line.b.x - line.a.x;
      const uy = line.b.y - line.a.y;
      const norm = Math.hypot(ux, uy);
      countedHere.forEach((crossing, c) => {
        for (const t of truthHere) {
          const frames = Math.abs(t.frame - crossing.frame);
          const px = Math.abs(((truthX[t.k]! - crossing.x) * ux + (truthY[t.k]! - crossing.y) * uy) / norm);
          if (frames <= MATCH_TOLERANCE_FRAMES && px <= MATCH_TOLERANCE_PX) pairs.push({ c, k: t.k, cost: frames + px });
        }
      });
      pairs.sort((p, q) => p.cost - q.cost);
      const claimed = new Set<number>();
      const matched = new Set<number>();
      for (const pair of pairs) {
        if (claimed.has(pair.k) || matched.has(pair.c)) continue;
        claimed.add(pair.k);
        matched.add(pair.c);
      }
      countedHere.forEach((crossing, c) => {
        const outcome = matched.has(c) ? 'matched' : pairs.some((pair) => pair.c === c) ? 'double' : 'spurious';
        if (outcome !== 'matched') failures[outcome]++;
        details.push({ source: 'counted', line: line.name, direction, frame: crossing.frame, x: crossing.x, y: crossing.y, outcome, id: crossing.track, ...(crossing.within ? { within: crossing.within } : {}) });
      });
      for (const t of truthHere) {
        const outcome = claimed.has(t.k) ? 'matched' : touching[t.k] ? 'missedTouching' : 'missedAlone';
        if (outcome !== 'matched') failures[outcome]++;
        details.push({ source: 'truth', line: line.name, direction, frame: t.frame, x: truthX[t.k]!, y: truthY[t.k]!, outcome, id: t.vehicleId, kind: kindOf.get(t.vehicleId) ?? '?' });
      }
    }
    perLine[line.name] = result;
  }
  const legal = legalDirection(scene.countLines[0]!, scene.laneDirections);
  const stop = perLine[scene.countLines[0]!.name];
  const wrong: Direction | null = legal === null ? null : legal === 'lr' ? 'rl' : 'lr';
  return {
    name,
    seed: preset.seed,
    frames,
    lines: perLine,
    stopLineWrongDirection: wrong === null || stop === undefined ? null : { counted: stop.counted[wrong], truth: stop.truth[wrong] },
    pipelineMs,
    renderMs,
    crossings: details.sort((p, q) => p.frame - q.frame),
    queues,
    zones: zones === null ? {} : Object.fromEntries(queueZones.map((zone, z) => [zone.name, { volume: zones.volume[z]!, truth: zoneVisitors[z]!.size }])),
  };
}

/** Σ|volume − truth| and the sums, over a preset's zones. */
export function zoneVolumeErrorOf(result: PresetResult): { absError: number; volume: number; truth: number } {
  let absError = 0;
  let volume = 0;
  let truth = 0;
  for (const zone of Object.values(result.zones)) {
    absError += Math.abs(zone.volume - zone.truth);
    volume += zone.volume;
    truth += zone.truth;
  }
  return { absError, volume, truth };
}

/**
 * Per vehicle kind: its truth crossings, how many no count matched, and the counts whose crossing point lay
 * inside a vehicle of that kind then (where boxes overlap, the first one listed). countsInside / truth says
 * how a kind is counted: above 1 its vehicles come apart into several tracks (a bus's fragments), below 1
 * they go missing (merged into a neighbour's blob). Counts inside no vehicle are under 'none'.
 */
export interface KindTally {
  truth: number;
  missed: number;
  countsInside: number;
}

export function tallyByKind(crossings: readonly CrossingDetail[], into: Record<string, KindTally> = {}): Record<string, KindTally> {
  const entry = (kind: string) => (into[kind] ??= { truth: 0, missed: 0, countsInside: 0 });
  for (const crossing of crossings) {
    if (crossing.source === 'truth') {
      const tally = entry(crossing.kind ?? '?');
      tally.truth++;
      if (crossing.outcome !== 'matched') tally.missed++;
    } else {
      entry(crossing.within?.split(' ')[0] ?? 'none').countsInside++;
    }
  }
  return into;
}

/** Σ|counted − truth| over lines and directions, and Σtruth. */
export function errorOf(result: PresetResult): { absError: number; truth: number; counted: number } {
  let absError = 0;
  let truth = 0;
  let counted = 0;
  for (const line of Object.values(result.lines)) {
    for (const direction of ['lr', 'rl'] as const) {
      absError += Math.abs(line.counted[direction] - line.truth[direction]);
      truth += line.truth[direction];
      counted += line.counted[direction];
    }
  }
  return { absError, truth, counted };
}

/** Each lane's right edge but the last: the dividers between adjacent lanes (the lane polygons run far to near). */
export function laneDividersOf(lanes: readonly LaneDirection[]): { a: { x: number; y: number }; b: { x: number; y: number } }[] {
  return lanes.slice(0, -1).map((lane) => ({ a: { ...lane.points[1]! }, b: { ...lane.points[2]! } }));
}

/**
 * The presets' own seeds were used to develop the pipeline; the same scenes with these seed offsets (other
 * traffic, other event times) were not, so their error is the one that says how the pipeline generalises.
 */
export const HELD_OUT_SEED_OFFSETS = [1000, 2000] as const;

/**
 * Every scene preset rendered in memory for `simSeconds` and counted by the pipeline with the scene's own
 * count lines, against the scene's exact truth per line and direction, on the presets' seeds and on
 * held-out seeds. The error sums |counted − truth| over every scene, line and direction (no cancelling
 * between them) over the truth total.
 */
export async function simulatorSection(_context: BenchContext, options: BenchOptions): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  const tuning = newTally();
  const heldOut = newTally();
  let renderMs = 0;
  let pipelineMs = 0;
  let frameSum = 0;
  const byKind: Record<string, KindTally> = {};
  const zoneVolumes = { absError: 0, volume: 0, truth: 0 };
  const queues = newQueueTally();
  for (const offset of [0, ...HELD_OUT_SEED_OFFSETS]) {
    for (const [name, preset] of Object.entries(SCENE_PRESETS)) {
      const scene = offset === 0 ? name : `${name}+${offset}`;
      const result = runSimulatorPreset(scene, { ...preset, seed: preset.seed + offset }, { seconds: options.simSeconds ?? preset.durationSeconds ?? 120 });
      const error = errorOf(result);
      const tally = offset === 0 ? tuning : heldOut;
      tally.absError += error.absError;
      tally.counted += error.counted;
      tally.truth += error.truth;
      if (result.stopLineWrongDirection !== null) {
        tally.wrongDirectionCounted += result.stopLineWrongDirection.counted;
        tally.wrongDirectionTruth += result.stopLineWrongDirection.truth;
      }
      renderMs += result.renderMs;
      pipelineMs += result.pipelineMs;
      frameSum += result.frames;
      tallyByKind(result.crossings, byKind);
      const zoneError = zoneVolumeErrorOf(result);
      addCounts(zoneVolumes, zoneError);
      addCounts(queues, result.queues);
      results[scene] = { seed: result.seed, frames: result.frames, error: error.truth === 0 ? null : round(error.absError / error.truth, 4), lines: result.lines, stopLineWrongDirection: result.stopLineWrongDirection, zones: result.zones };
      log(`simulator: ${scene}: ${JSON.stringify(result.lines)}`);
    }
  }
  const all = newTally();
  for (const tally of [tuning, heldOut]) addCounts(all, tally);
  const overallError = errorRatio(all);
  return {
    ok: overallError !== null && overallError <= ERROR_TARGET && all.wrongDirectionCounted <= all.wrongDirectionTruth,
    target: `Σ|counted − truth| / Σtruth ≤ ${ERROR_TARGET * 100} % over every scene (presets' seeds and held-out seeds), line and direction; no stop-line wrong-direction count beyond the truth's`,
    // Each preset's own duration unless --sim-seconds: its events are spread over it, and a minute (about 50
    // crossings a scene, two signal cycles) let the error swing by points from one set of seeds to another.
    secondsPerPreset: options.simSeconds ?? 'each preset’s durationSeconds (120 s; 180 s for medium-long-mixed)',
    scenes: Object.keys(results).length,
    overallError,
    netError: all.truth === 0 ? null : round(Math.abs(all.counted - all.truth) / all.truth, 4),
    // The presets' seeds were the development set; the held-out seeds were not looked at while tuning.
    tuningSeedsError: errorRatio(tuning),
    heldOutSeedsError: errorRatio(heldOut),
    heldOutSeedOffsets: HELD_OUT_SEED_OFFSETS,
    counted: all.counted,
    truth: all.truth,
    stopLineWrongDirection: { counted: all.wrongDirectionCounted, truth: all.wrongDirectionTruth },
    stopLineWrongDirectionHeldOut: { counted: heldOut.wrongDirectionCounted, truth: heldOut.wrongDirectionTruth },
    // Per vehicle kind over every scene: see tallyByKind (countRatio above 1: split into several tracks).
    byVehicleKind: Object.fromEntries(
      Object.entries(byKind).map(([kind, tally]) => [kind, { ...tally, countRatio: tally.truth === 0 ? null : round(tally.countsInside / tally.truth, 3) }]),
    ),
    // Queue zones' volume (vehicles entering, as a loop detector counts them) against the vehicles whose box
    // centre entered each zone: Σ|volume − truth| / Σtruth over every scene and zone, and Σvolume / Σtruth.
    queueZoneVolume: {
      error: zoneVolumes.truth === 0 ? null : round(zoneVolumes.absError / zoneVolumes.truth, 4),
      ratio: zoneVolumes.truth === 0 ? null : round(zoneVolumes.volume / zoneVolumes.truth, 3),
      volume: zoneVolumes.volume,
      truth: zoneVolumes.truth,
    },
    // Queue length on the queue zones (measured on the ground plane from the scene's calibration points),
    // sampled once a second against the scene's queue: vehicles standing or crawling behind the stop line.
    queueLength: summariseQueues(queues),
    renderMsPerFrame: round(renderMs / Math.max(1, frameSum), 3),
    pipelineMsPerFrame: round(pipelineMs / Math.max(1, frameSum), 3),
    presets: results,
  };
}

export function summariseQueues(queues: QueueTally): Record<string, number | null> {
  return {
    samples: queues.samples,
    meanAbsErrorM: queues.samples === 0 ? null : round(queues.absErrorM / queues.samples, 2),
    meanErrorM: queues.samples === 0 ? null : round(queues.signedErrorM / queues.samples, 2),
    meanTrueQueueM: queues.samples === 0 ? null : round(queues.truthM / queues.samples, 2),
    queuesSeen: queues.withQueue === 0 ? null : round(queues.withQueueSeen / queues.withQueue, 3),
    phantomQueues: queues.samples - queues.withQueue === 0 ? null : round(queues.phantom / (queues.samples - queues.withQueue), 3),
  };
}

interface Tally {
  absError: number;
  counted: number;
  truth: number;
  wrongDirectionCounted: number;
  wrongDirectionTruth: number;
}

function newTally(): Tally {
  return { absError: 0, counted: 0, truth: 0, wrongDirectionCounted: 0, wrongDirectionTruth: 0 };
}

function errorRatio(tally: Tally): number | null {
  return tally.truth === 0 ? null : round(tally.absError / tally.truth, 4);
}

function noFailures(): FailureKinds {
  return { missedAlone: 0, missedTouching: 0, double: 0, spurious: 0 };
}

/** Whether a vehicle's box touches or overlaps another visible vehicle's (within 2 px). */
function touchesAnother(boxes: readonly VehicleBox[], own: VehicleBox): boolean {
  return boxes.some((box) => box.vehicleId !== own.vehicleId && box.x0 <= own.x1 + 2 && own.x0 <= box.x1 + 2 && box.y0 <= own.y1 + 2 && own.y0 <= box.y1 + 2);
}

/** The direction inbound traffic (travelling down the image) crosses the line in: lr when it moves to side > 0. */
function legalDirection(line: CountLine, lanes: readonly LaneDirection[]): Direction | null {
  const inbound = lanes.find((lane) => lane.travel === 'down');
  if (inbound === undefined) return null;
  const cross = (line.b.x - line.a.x) * inbound.direction.y - (line.b.y - line.a.y) * inbound.direction.x;
  return cross > 0 ? 'lr' : 'rl';
}
