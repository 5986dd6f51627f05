import { VisionPipeline } from '../../../edge/vision/pipeline.js';
import { SAFETY_DEFAULTS, SafetyMonitor, type SafetyEvent, type SafetyEventKind } from '../../../edge/vision/safety-monitor.js';
import { ZoneMonitor } from '../../../edge/vision/zone-monitor.js';
import { ApproachScene } from '../../../sim/scene/approach-scene.js';
import { SCENE_PRESETS } from '../../../sim/scene/presets.js';
import type { SceneOptions, TruthSafetyEvent, VehicleBox } from '../../../sim/scene/scene-types.js';
import { RED_GRACE_MS } from '../../../sim/scene/truth-recorder.js';
import type { BenchContext } from '../context.js';
import type { BenchOptions } from '../main.js';

const TARGET = 0.95;
/**
 * The held-out scenes: the presets with their seeds shifted by this much. The monitor's thresholds were
 * tuned on the presets' own seeds; these are only measured, and they decide `ok`.
 */
export const HELD_OUT_SEED_OFFSET = 1000;
/** A detection matches a truth event of its kind within this many seconds … */
export const SAFETY_TOLERANCE_S = 3;
/**
 * … on the same vehicle: one whose painted box shares at least this fraction of the smaller of the two
 * boxes with the event's box, at the event's frame. Without it a detection on any vehicle would match a
 * true event of the same kind nearby in time.
 */
export const SAFETY_OVERLAP = 0.3;

export const SAFETY_KINDS: readonly SafetyEventKind[] = ['red-light', 'wrong-way', 'illegal-stop'];

/** A raised event and the simulator's vehicles under its box at that frame. */
export interface SafetyDetection {
  event: SafetyEvent;
  vehicleIds: number[];
}

export interface SafetySceneRun {
  scene: ApproachScene;
  truth: TruthSafetyEvent[];
  detections: SafetyDetection[];
}

/** What a per-frame observer sees (development aids print from it). */
export interface SafetyFrameView {
  index: number;
  tsMs: number;
  frame: Uint8Array;
  scene: ApproachScene;
  pipeline: VisionPipeline;
  monitor: SafetyMonitor;
}

export interface SafetyRunHooks {
  /** After each frame. */
  onFrame?: (view: SafetyFrameView) => void;
  /** Every counted crossing (source pixels), before the monitor judges it. */
  onCrossing?: (line: string, direction: number, trackId: number, frame: number, x: number, y: number) => void;
}

/**
 * One scene through the pipeline with zones and the safety monitor set up as a commissioned node has
 * them: the stop line bound to the approach's signal (which the node knows), lane zones with their
 * directions, queue zones frozen in the background while red, the no-stopping box. The signal the
 * monitor is given is the scene's own, for the frame being processed: the one the picture shows.
 */
export function runSafetyScene(options: SceneOptions, hooks: SafetyRunHooks = {}): SafetySceneRun {
  const { onFrame, onCrossing } = hooks;
  // One standing limit for the truth and the node, stated to both.
  const maxStopS = options.safety?.illegalStopSeconds ?? SAFETY_DEFAULTS.maxStopMs / 1000;
  const scene = new ApproachScene({ ...options, safety: { ...options.safety, illegalStopSeconds: maxStopS } });
  // The stop line is crossed one way (lr), as the stop-line rule below states; the node passes that on to the counter.
  const lines = scene.countLines.map((line, l) => ({ name: line.name, a: { ...line.a }, b: { ...line.b }, ...(l === 0 ? { travel: 'lr' as const } : {}) }));
  const laneDividers = scene.laneDirections.slice(0, -1).map((lane) => ({ a: lane.points[1]!, b: lane.points[2]! }));
  const pipeline = new VisionPipeline({ sourceWidth: scene.width, sourceHeight: scene.height, lines, laneDividers });
  const inbound = scene.laneDirections.filter((lane) => lane.travel === 'down');
  const zones = new ZoneMonitor(
    [
      ...scene.zones.map((zone) => ({ name: zone.name, points: [...zone.points], ...(zone.name.startsWith('queue') ? { phase: 'approach' } : {}) })),
      ...inbound.map((lane) => ({ name: `lane-${lane.lane}`, points: [...lane.points] })),
    ],
    pipeline.tracker.capacity,
    { workingWidth: pipeline.workingWidth, workingHeight: pipeline.workingHeight, factor: pipeline.factor },
  );
  // The node is commissioned with the rules the truth is judged by: the same grace after red and the
  // same allowed standing time (not whatever the monitor's defaults happen to be).
  const monitor = new SafetyMonitor(
    {
      stopLines: [{ line: 'stop', group: 'approach', direction: 'lr', graceMs: RED_GRACE_MS }],
      lanes: inbound.map((lane) => ({ zone: `lane-${lane.lane}`, direction: lane.direction })),
      noStopping: [{ zone: 'no-stopping', maxStopMs: maxStopS * 1000 }],
    },
    lines.map((line) => line.name),
    zones,
    { factor: pipeline.factor, trackCapacity: pipeline.tracker.capacity, lines, image: { workingWidth: pipeline.workingWidth, sourceWidth: scene.width } },
  );
  const detections: SafetyDetection[] = [];
  // Events are raised inside update(), while the scene is at that frame: its boxes are the vehicles then.
  monitor.onEvent((event) => detections.push({ event, vehicleIds: vehiclesUnder(event.box, scene.boxes()) }));
  const signalOf = () => scene.signalState();
  const isRed = () => scene.signalState() === 'red';
  const frame = new Uint8Array(scene.width * scene.height);
  const frames = Math.round((options.durationSeconds ?? 120) * scene.fps);
  for (let index = 0; index < frames; index++) {
    scene.renderFrame(index, frame);
    const tsMs = scene.frameTimeMs(index);
    pipeline.freezeZones(zones, isRed);
    pipeline.process(frame, tsMs, index);
    zones.update(pipeline.motion.mask, pipeline.tracker, tsMs);
    pipeline.counter.drain(onCrossing === undefined ? monitor.onCrossing : (line, direction, trackId, frameIndex, ts, x, y) => {
      onCrossing(lines[line]!.name, direction, trackId, frameIndex, x * pipeline.factor, y * pipeline.factor);
      monitor.onCrossing(line, direction, trackId, frameIndex, ts, x, y);
    });
    monitor.seeImage(pipeline.motion.mask, frame);
    monitor.update(pipeline.tracker, signalOf, tsMs, index);
    onFrame?.({ index, tsMs, frame, scene, pipeline, monitor });
  }
  return { scene, truth: scene.truth().safety.slice(), detections };
}

/** Vehicles whose painted box overlaps the box (source pixels) by SAFETY_OVERLAP of the smaller one. */
export function vehiclesUnder(box: SafetyEvent['box'], boxes: readonly VehicleBox[]): number[] {
  const ids: number[] = [];
  for (const vehicle of boxes) {
    const vw = vehicle.x1 - vehicle.x0 + 1;
    const vh = vehicle.y1 - vehicle.y0 + 1;
    const ix = Math.min(box.x + box.w, vehicle.x1 + 1) - Math.max(box.x, vehicle.x0);
    const iy = Math.min(box.y + box.h, vehicle.y1 + 1) - Math.max(box.y, vehicle.y0);
    if (ix <= 0 || iy <= 0) continue;
    const smaller = Math.max(1, Math.min(vw * vh, box.w * box.h));
    if ((ix * iy) / smaller >= SAFETY_OVERLAP) ids.push(vehicle.vehicleId);
  }
  return ids;
}

export interface KindMatch {
  /** Pairs of (truth index, detection index) into the lists given. */
  pairs: Array<[number, number]>;
  missed: number[];
  extra: number[];
}

/**
 * One-to-one matching of detections to truth events of one kind, nearest in time first: a pair needs the
 * truth's vehicle under the detection's box and the frames within the tolerance.
 */
export function matchSafety(truth: readonly TruthSafetyEvent[], detections: readonly SafetyDetection[], toleranceFrames: number): KindMatch {
  const candidates: Array<[number, number, number]> = [];
  truth.forEach((t, i) =>
    detections.forEach((d, j) => {
      const gap = Math.abs(t.frame - d.event.frame);
      if (gap <= toleranceFrames && d.vehicleIds.includes(t.vehicleId)) candidates.push([gap, i, j]);
    }),
  );
  candidates.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const usedTruth = new Set<number>();
  const usedDetected = new Set<number>();
  const pairs: Array<[number, number]> = [];
  for (const [, i, j] of candidates) {
    if (usedTruth.has(i) || usedDetected.has(j)) continue;
    usedTruth.add(i);
    usedDetected.add(j);
    pairs.push([i, j]);
  }
  return {
    pairs,
    missed: truth.map((_, i) => i).filter((i) => !usedTruth.has(i)),
    extra: detections.map((_, j) => j).filter((j) => !usedDetected.has(j)),
  };
}

export interface SafetyTotals {
  truth: number;
  detected: number;
  matched: number;
}

/** Per-kind matching of one run, and the frames of each kind's truth and detections. */
export function scoreSafetyRun(run: SafetySceneRun): Record<SafetyEventKind, KindMatch & { truth: TruthSafetyEvent[]; detections: SafetyDetection[] }> {
  const tolerance = SAFETY_TOLERANCE_S * run.scene.fps;
  const result = {} as Record<SafetyEventKind, KindMatch & { truth: TruthSafetyEvent[]; detections: SafetyDetection[] }>;
  for (const kind of SAFETY_KINDS) {
    const truth = run.truth.filter((event) => event.kind === kind);
    const detections = run.detections.filter((detection) => detection.event.kind === kind);
    result[kind] = { ...matchSafety(truth, detections, tolerance), truth, detections };
  }
  return result;
}

/** Presets that inject at least one safety behaviour, optionally with their seeds shifted (held-out scenes). */
export function safetyPresets(seedOffset = 0): Array<[string, SceneOptions]> {
  return Object.entries(SCENE_PRESETS)
    .filter(([, preset]) => {
      const safety = preset.safety ?? {};
      return Boolean(safety.redLightRunners || safety.wrongWay || safety.illegalStops);
    })
    .map(([name, preset]) => [seedOffset === 0 ? name : `${name}+${seedOffset}`, { ...preset, seed: preset.seed + seedOffset }]);
}

/** Precision and recall per kind and overall from summed totals. */
export function summariseSafety(totals: Record<SafetyEventKind, SafetyTotals>): { precision: number; recall: number; perKind: Record<string, unknown> } {
  const perKind = Object.fromEntries(
    SAFETY_KINDS.map((kind) => {
      const { truth, detected, matched } = totals[kind];
      return [kind, { truth, detected, matched, precision: detected === 0 ? null : round(matched / detected), recall: truth === 0 ? null : round(matched / truth) }];
    }),
  );
  const all = Object.values(totals).reduce((sum, t) => ({ truth: sum.truth + t.truth, detected: sum.detected + t.detected, matched: sum.matched + t.matched }), { truth: 0, detected: 0, matched: 0 });
  return {
    precision: round(all.detected === 0 ? 0 : all.matched / all.detected),
    recall: round(all.truth === 0 ? 0 : all.matched / all.truth),
    perKind,
  };
}

/** Every safety preset run with its seeds shifted by seedOffset, matched and summed per kind. */
function measureSafety(seedOffset: number): Record<string, unknown> {
  const totals = Object.fromEntries(SAFETY_KINDS.map((kind) => [kind, { truth: 0, detected: 0, matched: 0 }])) as Record<SafetyEventKind, SafetyTotals>;
  const presets: Record<string, unknown> = {};
  for (const [name, preset] of safetyPresets(seedOffset)) {
    const scored = scoreSafetyRun(runSafetyScene(preset));
    const perKind: Record<string, unknown> = {};
    for (const kind of SAFETY_KINDS) {
      const { truth, detections, pairs } = scored[kind];
      totals[kind].truth += truth.length;
      totals[kind].detected += detections.length;
      totals[kind].matched += pairs.length;
      if (truth.length + detections.length > 0) {
        perKind[kind] = { truth: truth.map((event) => event.frame), detected: detections.map((detection) => detection.event.frame), matched: pairs.length };
      }
    }
    presets[name] = perKind;
    process.stderr.write(`[bench] safety: ${name}: ${JSON.stringify(perKind)}\n`);
  }
  return { ...summariseSafety(totals), presets };
}

/**
 * Traffic-safety events against the simulator's truth: every preset that injects red-light runners,
 * wrong-way riders or illegal stops, run for its whole duration (runSafetyScene), on the presets' own
 * seeds (the tuning set) and on held-out seeds (HELD_OUT_SEED_OFFSET). Detections are matched one-to-one
 * to truth events of the same kind within ±3 s on the same vehicle; precision and recall per kind. The
 * truth is derived from what the camera shows (truth-recorder.ts), so an uninjected vehicle that does
 * run the red is a true event too. `ok`, `precision` and `recall` are the held-out figures.
 */
export async function safetySection(_context: BenchContext, _options: BenchOptions): Promise<Record<string, unknown>> {
  const tuning = measureSafety(0);
  const heldOut = measureSafety(HELD_OUT_SEED_OFFSET);
  const { precision, recall } = heldOut as { precision: number; recall: number };
  return {
    ok: precision >= TARGET && recall >= TARGET,
    target: `precision and recall each >= ${TARGET} against the simulator's injected events (matched by kind and vehicle within ±${SAFETY_TOLERANCE_S} s), on held-out seeds (+${HELD_OUT_SEED_OFFSET})`,
    precision,
    recall,
    heldOut,
    tuning,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
