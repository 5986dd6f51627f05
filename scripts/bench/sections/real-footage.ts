import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { VisionPipeline } from '../../../edge/vision/pipeline.js';
import { ZoneMonitor } from '../../../edge/vision/zone-monitor.js';
import { CLIP, CLIP_TRUTH, log, type BenchContext, type ClipFrames } from '../context.js';
import { round } from '../stats.js';
import { matchFrames, parseTruthMarkdown, summariseMatch, type ClipTruth, type Direction } from '../truth.js';

export interface CountedRun {
  lr: number;
  rl: number;
  crossings: Record<Direction, number[]>;
  /** Vehicles the zone monitor counted entering ROAD_ZONE. */
  roadZoneVolume: number;
}

/** A zone over both lanes around the line (the one test/integration/cli.test.ts draws): every vehicle crossing the line passes through it. */
export const ROAD_ZONE = [
  { x: 40, y: 100 },
  { x: 290, y: 100 },
  { x: 290, y: 200 },
  { x: 40, y: 200 },
];

/** Runs a fresh pipeline over every frame (media time index × 1000 / fps, as `nutgiao count` does). */
export function countClip(clip: ClipFrames, line: readonly [number, number, number, number]): CountedRun {
  const pipeline = new VisionPipeline({
    sourceWidth: clip.width,
    sourceHeight: clip.height,
    lines: [{ name: 'L', a: { x: line[0], y: line[1] }, b: { x: line[2], y: line[3] } }],
  });
  const zones = new ZoneMonitor([{ name: 'road', points: ROAD_ZONE }], pipeline.tracker.capacity, {
    workingWidth: pipeline.workingWidth,
    workingHeight: pipeline.workingHeight,
    factor: pipeline.factor,
  });
  const crossings: Record<Direction, number[]> = { lr: [], rl: [] };
  const record = (_line: number, direction: number, _track: number, frame: number) => {
    crossings[direction === 0 ? 'lr' : 'rl'].push(frame);
  };
  for (let i = 0; i < clip.frames.length; i++) {
    pipeline.process(clip.frames[i]!, (i * 1000) / clip.fps, i);
    zones.update(pipeline.motion.mask, pipeline.tracker, (i * 1000) / clip.fps);
    pipeline.counter.drain(record);
  }
  return { lr: pipeline.counter.lr[0]!, rl: pipeline.counter.rl[0]!, crossings, roadZoneVolume: zones.volume[0]! };
}

export function loadClipTruth(): ClipTruth {
  return parseTruthMarkdown(readFileSync(CLIP_TRUTH, 'utf8'), basename(CLIP));
}

/** Counting error and per-crossing agreement on the real clip against its hand-checked truth. */
export async function realFootageSection(context: BenchContext): Promise<Record<string, unknown>> {
  const truth = loadClipTruth();
  const clip = await context.nativeClip();
  log(`realFootage: pipeline over ${clip.frames.length} frames of ${clip.label}`);
  const counted = countClip(clip, truth.line);
  const truthTotal = truth.counts.lr + truth.counts.rl;
  const countedTotal = counted.lr + counted.rl;
  const perDirection = (direction: Direction) => {
    const truthFrames = truth.events[direction];
    const countedFrames = counted.crossings[direction];
    const withinTruth = matchFrames(countedFrames, truthFrames, truth.toleranceOf);
    const within3 = matchFrames(countedFrames, truthFrames, 3);
    const within8 = matchFrames(countedFrames, truthFrames, 8);
    return {
      counted: countedFrames.length,
      truth: truthFrames.length,
      countedFrames,
      matchedWithinTruthTolerance: withinTruth.matches.length,
      matchedWithin3: within3.matches.length,
      matchedWithin8: within8.matches.length,
      within3: summariseMatch(within3),
      within8: summariseMatch(within8),
    };
  };
  const lr = perDirection('lr');
  const rl = perDirection('rl');
  const relativeError = truthTotal === 0 ? null : round(Math.abs(countedTotal - truthTotal) / truthTotal, 4);
  const relativeErrorLr = truth.counts.lr === 0 ? null : round(Math.abs(counted.lr - truth.counts.lr) / truth.counts.lr, 4);
  return {
    // The target for real footage: the count within 3 % and nothing in the wrong direction.
    ok: relativeError !== null && relativeError <= 0.03 && counted.rl === truth.counts.rl,
    target: '|counted − truth| / truth ≤ 3 %, rl = truth rl',
    clip: basename(CLIP),
    frames: clip.frames.length,
    line: `L:${truth.line.join(',')}`,
    counted: { lr: counted.lr, rl: counted.rl },
    truth: { lr: truth.counts.lr, rl: truth.counts.rl },
    relativeError,
    relativeErrorLr,
    truthTolerance: { base: truth.baseTolerance, exceptions: truth.toleranceExceptions },
    lr,
    rl,
    // Zone volume (vehicles entering a zone over both lanes around the line) against the vehicles crossing
    // the line, which all pass through it; not a target, a check that track fragments do not inflate it.
    roadZone: { points: ROAD_ZONE.map((point) => `${point.x},${point.y}`).join(';'), volume: counted.roadZoneVolume, vehiclesCrossingLine: truthTotal },
  };
}
