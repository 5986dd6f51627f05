import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VisionPipeline } from '../../../edge/vision/pipeline.js';
import { log, REPO_ROOT, type BenchContext } from '../context.js';
import type { BenchOptions } from '../main.js';
import { round } from '../stats.js';

/** The parts of sim/scene this section uses (imported at run time: the scenes are still being written). */
interface Point {
  x: number;
  y: number;
}
interface SceneLike {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly countLines: readonly { name: string; a: Point; b: Point }[];
  readonly laneDirections?: readonly { travel: 'down' | 'up'; direction: Point; points: readonly Point[] }[];
  renderFrame(index: number, out: Uint8Array): void;
  counts(): Record<string, { lr: number; rl: number; total: number }>;
}
type SceneConstructor = new (options: unknown) => SceneLike;

const PRESETS_MODULE = join(REPO_ROOT, 'sim/scene/presets.ts');
const SCENE_MODULE = join(REPO_ROOT, 'sim/scene/approach-scene.ts');
const ERROR_TARGET = 0.03;

/**
 * Every scene preset rendered in memory for `simSeconds` and counted by the pipeline with the scene's own
 * count lines, against the scene's exact truth per line and direction. The overall error sums
 * |counted − truth| over every preset, line and direction (no cancelling between them) over the truth total.
 */
export async function simulatorSection(_context: BenchContext, options: BenchOptions): Promise<Record<string, unknown>> {
  if (!existsSync(PRESETS_MODULE) || !existsSync(SCENE_MODULE)) return skipped('sim/scene/presets.ts or approach-scene.ts not present');
  // Computed specifiers keep tsc from resolving files another engineer may still be writing.
  const presetsModule = (await import(pathToFileURL(PRESETS_MODULE).href)) as { SCENE_PRESETS?: Record<string, unknown> };
  const sceneModule = (await import(pathToFileURL(SCENE_MODULE).href)) as { ApproachScene?: SceneConstructor };
  const presets = presetsModule.SCENE_PRESETS;
  const ApproachScene = sceneModule.ApproachScene;
  if (presets === undefined || typeof ApproachScene !== 'function') return skipped('sim/scene does not export SCENE_PRESETS and ApproachScene');

  const results: Record<string, unknown> = {};
  let absErrorSum = 0;
  let countedSum = 0;
  let truthSum = 0;
  let wrongDirectionCounted = 0;
  let wrongDirectionTruth = 0;
  let renderMs = 0;
  let pipelineMs = 0;
  for (const [name, preset] of Object.entries(presets)) {
    const scene = new ApproachScene(preset);
    const lines = scene.countLines.map((line) => ({ name: line.name, a: { x: line.a.x, y: line.a.y }, b: { x: line.b.x, y: line.b.y } }));
    // As a commissioned node has them: lane dividers between adjacent lanes (each lane's right edge but the last).
    const laneDividers = (scene.laneDirections ?? []).slice(0, -1).map((lane) => ({ a: lane.points[1]!, b: lane.points[2]! }));
    const pipeline = new VisionPipeline({ sourceWidth: scene.width, sourceHeight: scene.height, lines, laneDividers });
    const frames = Math.round(options.simSeconds * scene.fps);
    const buffer = new Uint8Array(scene.width * scene.height);
    const frameMs = 1000 / scene.fps;
    for (let i = 0; i < frames; i++) {
      const t0 = performance.now();
      scene.renderFrame(i, buffer);
      const t1 = performance.now();
      pipeline.process(buffer, i * frameMs, i);
      pipeline.counter.drain(noop);
      renderMs += t1 - t0;
      pipelineMs += performance.now() - t1;
    }
    const truth = scene.counts();
    const perLine: Record<string, unknown> = {};
    for (const [l, line] of lines.entries()) {
      const counted = { lr: pipeline.counter.lr[l]!, rl: pipeline.counter.rl[l]! };
      const expected = truth[line.name] ?? { lr: 0, rl: 0 };
      absErrorSum += Math.abs(counted.lr - expected.lr) + Math.abs(counted.rl - expected.rl);
      countedSum += counted.lr + counted.rl;
      truthSum += expected.lr + expected.rl;
      const entry: Record<string, unknown> = { counted, truth: { lr: expected.lr, rl: expected.rl } };
      if (line.name === 'stop') {
        const legal = legalDirection(line, scene);
        if (legal !== null) {
          const wrong = legal === 'lr' ? 'rl' : 'lr';
          entry.legalDirection = legal;
          entry.wrongDirection = { counted: counted[wrong], truth: expected[wrong] };
          wrongDirectionCounted += counted[wrong];
          wrongDirectionTruth += expected[wrong];
        }
      }
      perLine[line.name] = entry;
    }
    results[name] = { frames, lines: perLine };
    log(`simulator: ${name}: ${JSON.stringify(perLine)}`);
  }
  const overallError = truthSum === 0 ? null : absErrorSum / truthSum;
  return {
    ok: overallError !== null && overallError <= ERROR_TARGET,
    target: `Σ|counted − truth| / Σtruth ≤ ${ERROR_TARGET * 100} % over every preset, line and direction`,
    secondsPerPreset: options.simSeconds,
    overallError: overallError === null ? null : round(overallError, 4),
    netError: truthSum === 0 ? null : round(Math.abs(countedSum - truthSum) / truthSum, 4),
    counted: countedSum,
    truth: truthSum,
    stopLineWrongDirection: { counted: wrongDirectionCounted, truth: wrongDirectionTruth },
    renderMsPerFrame: round(renderMs / Math.max(1, countFrames(results)), 3),
    pipelineMsPerFrame: round(pipelineMs / Math.max(1, countFrames(results)), 3),
    presets: results,
  };
}

const noop = () => undefined;

function countFrames(results: Record<string, unknown>): number {
  return Object.values(results).reduce<number>((sum, result) => sum + ((result as { frames: number }).frames ?? 0), 0);
}

/** The direction inbound traffic (travelling down the image) crosses the line in: lr when it moves to side > 0. */
function legalDirection(line: { a: Point; b: Point }, scene: SceneLike): 'lr' | 'rl' | null {
  const inbound = scene.laneDirections?.find((lane) => lane.travel === 'down');
  if (inbound === undefined) return null;
  const cross = (line.b.x - line.a.x) * inbound.direction.y - (line.b.y - line.a.y) * inbound.direction.x;
  return cross > 0 ? 'lr' : 'rl';
}

function skipped(reason: string): Record<string, unknown> {
  log(`WARNING simulator skipped: ${reason}`);
  return { ok: false, skipped: reason };
}
