import { join } from 'node:path';
import { BlobList } from '../../../edge/vision/blob-list.js';
import { ConnectedComponents } from '../../../edge/vision/connected-components.js';
import { downscaleBox } from '../../../edge/vision/downscale.js';
import { openCvAvailable } from '../../../edge/opencv-loader.js';
import { VisionPipeline, type MotionBackendChoice } from '../../../edge/vision/pipeline.js';
import { wasmSimdSupported } from '../../../edge/vision/wasm-motion-detector.js';
import { BENCH_DIR, log, PYTHON, run, type BenchContext, type ClipFrames } from '../context.js';
import type { BenchOptions } from '../main.js';
import { median, quantile, round } from '../stats.js';
import { loadClipTruth } from './real-footage.js';

export interface TsRun {
  msMedian: number;
  msP95: number;
  framesPerSecond: number;
  workingWidth: number;
  workingHeight: number;
  factor: number;
  backend: string;
}

const noop = () => undefined;

/**
 * One fresh pipeline over every frame, timing each frame's whole cost (downscale through counting), with
 * the default motion backend ('auto') unless one is named.
 */
export function timeTsPipeline(clip: ClipFrames, line: readonly number[], maxFrames = clip.frames.length, motionBackend: MotionBackendChoice = 'auto'): TsRun {
  const pipeline = new VisionPipeline({
    sourceWidth: clip.width,
    sourceHeight: clip.height,
    lines: [{ name: 'L', a: { x: line[0]!, y: line[1]! }, b: { x: line[2]!, y: line[3]! } }],
    motionBackend,
  });
  const n = Math.min(maxFrames, clip.frames.length);
  const times = new Float64Array(n);
  const frameMs = 1000 / clip.fps;
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    pipeline.process(clip.frames[i]!, i * frameMs, i);
    pipeline.counter.drain(noop);
    times[i] = performance.now() - started;
  }
  const total = times.reduce((sum, value) => sum + value, 0);
  return {
    msMedian: median(times),
    msP95: quantile(times, 0.95),
    framesPerSecond: (n * 1000) / total,
    workingWidth: pipeline.workingWidth,
    workingHeight: pipeline.workingHeight,
    factor: pipeline.factor,
    backend: pipeline.motion.backend,
  };
}

/**
 * Indicative split of the TS cost (one pass, after the timed runs), on the pipeline's own path: the
 * downscale alone, the motion stage alone (at factor 1 the frame is the working image, no downscale;
 * a backend that fuses the downscale, as WASM does, is timed as one stage, downscale included) and the
 * connected components (in the backend where it labels them, as WASM does, else ConnectedComponents on
 * the packed or byte mask); the rest (grouping, splitting, tracking, counting) is the difference from the
 * whole-pipeline median.
 */
function stageMedians(clip: ClipFrames, motionBackend: MotionBackendChoice = 'auto'): { downscaleMs: number; motionMs: number; componentsMs: number; downscaleFused: boolean } {
  const pipeline = new VisionPipeline({ sourceWidth: clip.width, sourceHeight: clip.height, lines: [], motionBackend });
  const motionStage = pipeline.motion;
  const fused = pipeline.factor > 1 && motionStage.processSource !== undefined;
  const working = new Uint8Array(pipeline.workingWidth * pipeline.workingHeight);
  const n = clip.frames.length;
  const downscale = new Float64Array(n);
  const motion = new Float64Array(n);
  const components = new Float64Array(n);
  const labeller = new ConnectedComponents(pipeline.workingWidth, pipeline.workingHeight);
  const blobs = new BlobList(128);
  const frameMs = 1000 / clip.fps;
  const interval = new Float64Array(1);
  for (let i = 0; i < n; i++) {
    const frame = clip.frames[i]!;
    interval[0] = i === 0 ? 0 : frameMs;
    const t0 = performance.now();
    if (pipeline.factor > 1 && !fused) downscaleBox(frame, clip.width, pipeline.factor, working, pipeline.workingWidth, pipeline.workingHeight);
    const t1 = performance.now();
    if (fused) motionStage.processSource!(frame, clip.width, clip.height, pipeline.factor, interval);
    else motionStage.process(pipeline.factor > 1 ? working : frame, interval);
    const t2 = performance.now();
    const packed = motionStage.packedMask;
    if (motionStage.labelForeground !== undefined) motionStage.labelForeground(4, blobs);
    else if (packed === undefined) labeller.label(motionStage.mask, 4, blobs);
    else labeller.labelBits(packed.words, packed.firstWord, packed.rowStride, 4, blobs);
    const t3 = performance.now();
    downscale[i] = t1 - t0;
    motion[i] = t2 - t1;
    components[i] = t3 - t2;
  }
  return { downscaleMs: median(downscale), motionMs: median(motion), componentsMs: median(components), downscaleFused: fused };
}

interface ReferenceRun {
  msPerFrameMedian: number;
  msPerFrameP95: number;
  frames: number;
  opencv: string;
  threads: number;
  boxes: number;
}

async function timeReference(rawPath: string, clip: ClipFrames, workingWidth: number, workingHeight: number): Promise<ReferenceRun> {
  const args = [join(BENCH_DIR, 'reference_pipeline.py'), '--input', rawPath, '--width', String(clip.width), '--height', String(clip.height)];
  args.push('--work-width', String(workingWidth), '--work-height', String(workingHeight));
  const { stdout } = await run(PYTHON, args);
  return JSON.parse(stdout.trim().split('\n').pop()!) as ReferenceRun;
}

/**
 * The TypeScript pipeline against a Frigate-style OpenCV reference on the same in-memory frames and the
 * same working size, at the clip's size and at 640×480 (so the downscale runs). Runs are interleaved
 * (TS, reference, next size, …, alternating which goes first) and medians of the per-run numbers reported.
 */
export async function speedSection(context: BenchContext, options: BenchOptions): Promise<Record<string, unknown>> {
  const line = loadClipTruth().line;
  const clips = [await context.nativeClip(), await context.scaledClip(640, 480)];
  const raws = clips.map((clip) => context.writeRaw(clip));
  const scaledLine = (clip: ClipFrames) => line.map((value, i) => (value * (i % 2 === 0 ? clip.width / clips[0]!.width : clip.height / clips[0]!.height)));
  // Every motion backend this machine has, each timed as a whole pipeline next to the default one.
  const backends: MotionBackendChoice[] = ['ts', ...(wasmSimdSupported() ? (['wasm'] as const) : []), ...(openCvAvailable() ? (['opencv'] as const) : [])];
  // Warm-up: the first pass JIT-compiles the pipeline; it is not reported.
  for (const clip of clips) for (const backend of ['auto', ...backends] as const) timeTsPipeline(clip, scaledLine(clip), 300, backend);

  const runs = options.speedRuns;
  const ts: TsRun[][] = clips.map(() => []);
  const reference: ReferenceRun[][] = clips.map(() => []);
  const perBackend: Map<MotionBackendChoice, TsRun[]>[] = clips.map(() => new Map(backends.map((backend) => [backend, []])));
  for (let r = 0; r < runs; r++) {
    for (let c = 0; c < clips.length; c++) {
      const clip = clips[c]!;
      const tsFirst = (r + c) % 2 === 0;
      const doTs = () => {
        const result = timeTsPipeline(clip, scaledLine(clip));
        ts[c]!.push(result);
        log(`speed: run ${r + 1}/${runs} ${clip.label} TS ${result.msMedian.toFixed(3)} ms/frame (median), p95 ${result.msP95.toFixed(3)}`);
        // Each backend right after the default pipeline, in the same slot next to the reference run.
        for (const backend of backends) {
          const named = timeTsPipeline(clip, scaledLine(clip), clip.frames.length, backend);
          perBackend[c]!.get(backend)!.push(named);
          log(`speed: run ${r + 1}/${runs} ${clip.label} TS with the ${backend} backend ${named.msMedian.toFixed(3)} ms/frame (median)`);
        }
        return result;
      };
      const doReference = async (workingWidth: number, workingHeight: number) => {
        const result = await timeReference(raws[c]!, clip, workingWidth, workingHeight);
        reference[c]!.push(result);
        log(`speed: run ${r + 1}/${runs} ${clip.label} reference ${result.msPerFrameMedian.toFixed(3)} ms/frame (median)`);
      };
      if (tsFirst) {
        const result = doTs();
        await doReference(result.workingWidth, result.workingHeight);
      } else {
        const probe = new VisionPipeline({ sourceWidth: clip.width, sourceHeight: clip.height, lines: [] });
        await doReference(probe.workingWidth, probe.workingHeight);
        doTs();
      }
    }
  }

  const perSize: Record<string, unknown> = {};
  let ok = true;
  for (let c = 0; c < clips.length; c++) {
    const clip = clips[c]!;
    const tsRuns = ts[c]!;
    const refRuns = reference[c]!;
    const tsMedian = median(tsRuns.map((result) => result.msMedian));
    const refMedian = median(refRuns.map((result) => result.msPerFrameMedian));
    const ratios = tsRuns.map((result, r) => result.msMedian / refRuns[r]!.msPerFrameMedian);
    const ratio = median(ratios);
    const stages = stageMedians(clip);
    ok &&= ratio <= 1;
    perSize[clip.label] = {
      frames: clip.frames.length,
      workingSize: `${tsRuns[0]!.workingWidth}x${tsRuns[0]!.workingHeight}`,
      downscaleFactor: tsRuns[0]!.factor,
      ts: {
        backend: tsRuns[0]!.backend,
        msPerFrameMedian: round(tsMedian, 4),
        msPerFrameP95: round(median(tsRuns.map((result) => result.msP95)), 4),
        framesPerSecond: round(median(tsRuns.map((result) => result.framesPerSecond)), 1),
        runsMsMedian: tsRuns.map((result) => round(result.msMedian, 4)),
      },
      reference: {
        opencv: refRuns[0]!.opencv,
        threads: refRuns[0]!.threads,
        msPerFrameMedian: round(refMedian, 4),
        msPerFrameP95: round(median(refRuns.map((result) => result.msPerFrameP95)), 4),
        runsMsMedian: refRuns.map((result) => round(result.msPerFrameMedian, 4)),
      },
      tsStagesIndicative: {
        downscale: tsRuns[0]!.factor === 1 ? 'none (factor 1)' : stages.downscaleFused ? 'fused into the motion stage' : 'separate (downscaleBox)',
        downscaleMsMedian: round(stages.downscaleMs, 4),
        motionMsMedian: round(stages.motionMs, 4),
        componentsMsMedian: round(stages.componentsMs, 4),
        restMs: round(tsMedian - stages.downscaleMs - stages.motionMs - stages.componentsMs, 4),
      },
      // Median of the per-run ratios (each TS run paired with the reference run next to it).
      ratioTsOverReference: round(ratio, 3),
      runsRatio: ratios.map((value) => round(value, 3)),
      // The whole pipeline with each motion backend, in the same runs: ms/frame and the median of the
      // per-run ratios to the reference run and to the other backends' runs of the same slot.
      backends: Object.fromEntries(
        backends.map((backend) => {
          const named = perBackend[c]!.get(backend)!;
          const split = stageMedians(clip, backend);
          const ratiosTo = (other: TsRun[]) => round(median(named.map((result, r) => result.msMedian / other[r]!.msMedian)), 3);
          return [
            backend,
            {
              msPerFrameMedian: round(median(named.map((result) => result.msMedian)), 4),
              msPerFrameP95: round(median(named.map((result) => result.msP95)), 4),
              runsMsMedian: named.map((result) => round(result.msMedian, 4)),
              ratioOverReference: round(median(named.map((result, r) => result.msMedian / refRuns[r]!.msPerFrameMedian)), 3),
              ratioOver: Object.fromEntries(backends.filter((other) => other !== backend).map((other) => [other, ratiosTo(perBackend[c]!.get(other)!)])),
              stagesIndicative: {
                downscaleFused: split.downscaleFused,
                downscaleMsMedian: round(split.downscaleMs, 4),
                motionMsMedian: round(split.motionMs, 4),
                componentsMsMedian: round(split.componentsMs, 4),
                restMs: round(median(named.map((result) => result.msMedian)) - split.downscaleMs - split.motionMs - split.componentsMs, 4),
              },
            },
          ];
        }),
      ),
    };
  }
  return {
    ok,
    target: 'TS ms/frame / reference ms/frame ≤ 1.0 at every size',
    runs,
    note: 'TS: downscale, motion, components, grouping, tracking, counting; reference: resize (INTER_AREA), blur 3×3, accumulateWeighted, absdiff, threshold, dilate, findContours, boundingRect (cv2.setNumThreads(1)); medians of per-run medians',
    sizes: perSize,
  };
}
