import { VisionPipeline } from '../../../edge/vision/pipeline.js';
import { SafetyMonitor, type SafetyEvent } from '../../../edge/vision/safety-monitor.js';
import { ZoneMonitor } from '../../../edge/vision/zone-monitor.js';
import { ApproachScene } from '../../../sim/scene/approach-scene.js';
import { SCENE_PRESETS } from '../../../sim/scene/presets.js';
import type { BenchContext } from '../context.js';
import type { BenchOptions } from '../main.js';

const TARGET = 0.95;
/** A detection matches a truth event of its kind within this many seconds. */
const TOLERANCE_S = 3;

/**
 * Traffic-safety events against the simulator's truth: every preset that injects red-light runners,
 * wrong-way riders or illegal stops, run for its whole duration through the pipeline with zones and the
 * safety monitor set up as a commissioned node would have them (the stop line bound to the approach's
 * signal, which the node knows; lane zones with their directions; the no-stopping box). Detections are
 * matched one-to-one to truth events of the same kind within ±3 s; precision and recall per kind.
 */
export async function safetySection(_context: BenchContext, _options: BenchOptions): Promise<Record<string, unknown>> {
  const kinds = ['red-light', 'wrong-way', 'illegal-stop'] as const;
  const totals = Object.fromEntries(kinds.map((kind) => [kind, { truth: 0, detected: 0, matched: 0 }])) as Record<(typeof kinds)[number], { truth: number; detected: number; matched: number }>;
  const presets: Record<string, unknown> = {};
  for (const [name, preset] of Object.entries(SCENE_PRESETS)) {
    const safety = preset.safety ?? {};
    if (!safety.redLightRunners && !safety.wrongWay && !safety.illegalStops) continue;
    const scene = new ApproachScene(preset);
    const lines = scene.countLines.map((line) => ({ name: line.name, a: { ...line.a }, b: { ...line.b } }));
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
    const monitor = new SafetyMonitor(
      {
        stopLines: [{ line: 'stop', group: 'approach', direction: 'lr' }],
        lanes: inbound.map((lane) => ({ zone: `lane-${lane.lane}`, direction: lane.direction })),
        noStopping: [{ zone: 'no-stopping' }],
      },
      lines.map((line) => line.name),
      zones,
      { factor: pipeline.factor, trackCapacity: pipeline.tracker.capacity },
    );
    const detected: SafetyEvent[] = [];
    monitor.onEvent((event) => detected.push(event));
    const signalOf = () => scene.signalState();
    const isRed = () => scene.signalState() === 'red';
    const frame = new Uint8Array(scene.width * scene.height);
    const frames = Math.round((preset.durationSeconds ?? 120) * scene.fps);
    for (let index = 0; index < frames; index++) {
      scene.renderFrame(index, frame);
      const tsMs = scene.frameTimeMs(index);
      zones.freeze(pipeline.motion.freezeMask, isRed);
      pipeline.process(frame, tsMs, index);
      zones.update(pipeline.motion.mask, pipeline.tracker, tsMs);
      pipeline.counter.drain(monitor.onCrossing);
      monitor.update(pipeline.tracker, signalOf, tsMs, index);
    }
    const truth = scene.truth().safety;
    const perKind: Record<string, unknown> = {};
    for (const kind of kinds) {
      const truthFrames = truth.filter((event) => event.kind === kind).map((event) => event.frame);
      const detectedFrames = detected.filter((event) => event.kind === kind).map((event) => event.frame);
      const matched = matchWithin(truthFrames, detectedFrames, TOLERANCE_S * scene.fps);
      totals[kind].truth += truthFrames.length;
      totals[kind].detected += detectedFrames.length;
      totals[kind].matched += matched;
      if (truthFrames.length + detectedFrames.length > 0) perKind[kind] = { truth: truthFrames, detected: detectedFrames, matched };
    }
    presets[name] = perKind;
    process.stderr.write(`[bench] safety: ${name}: ${JSON.stringify(perKind)}\n`);
  }
  const summary = Object.fromEntries(
    kinds.map((kind) => {
      const { truth, detected, matched } = totals[kind];
      return [kind, { truth, detected, matched, precision: detected === 0 ? null : round(matched / detected), recall: truth === 0 ? null : round(matched / truth) }];
    }),
  );
  const all = Object.values(totals).reduce((sum, t) => ({ truth: sum.truth + t.truth, detected: sum.detected + t.detected, matched: sum.matched + t.matched }), { truth: 0, detected: 0, matched: 0 });
  const precision = all.detected === 0 ? 0 : all.matched / all.detected;
  const recall = all.truth === 0 ? 0 : all.matched / all.truth;
  return {
    ok: precision >= TARGET && recall >= TARGET,
    target: `precision and recall each >= ${TARGET} against the simulator's injected events (matched by kind within ±${TOLERANCE_S} s)`,
    precision: round(precision),
    recall: round(recall),
    perKind: summary,
    presets,
  };
}

/** Greedy one-to-one matching of detections to truth frames, nearest first, within the tolerance. */
function matchWithin(truth: number[], detected: number[], toleranceFrames: number): number {
  const pairs: Array<[number, number, number]> = [];
  truth.forEach((t, i) => detected.forEach((d, j) => Math.abs(t - d) <= toleranceFrames && pairs.push([Math.abs(t - d), i, j])));
  pairs.sort((a, b) => a[0] - b[0]);
  const usedTruth = new Set<number>();
  const usedDetected = new Set<number>();
  let matched = 0;
  for (const [, i, j] of pairs) {
    if (usedTruth.has(i) || usedDetected.has(j)) continue;
    usedTruth.add(i);
    usedDetected.add(j);
    matched++;
  }
  return matched;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
