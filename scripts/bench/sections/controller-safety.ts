import { performance } from 'node:perf_hooks';
import type { ViolationCounts } from '../../../edge/signal/controller/safety-observer.js';
import { log, type BenchContext } from '../context.js';
import type { BenchOptions } from '../main.js';
import { runControllerSafety, type ControllerSafetyRun } from '../controller-safety-run.js';

/** Simulated seconds per intersection: long enough for many plan boundaries, preempts and mode spells. */
const SECONDS_PER_RUN = 10_000;
const DEFAULT_TOTAL_SECONDS = 1_000_000;

export interface ControllerSafetyOptions {
  /** Simulated seconds in total, split over random intersections. Default 10^6. */
  controllerSafetySeconds?: number;
  /** First seed; run i uses seed + i. Default 1. */
  controllerSafetySeed?: number;
}

/**
 * The phase controller's safety property at scale: random valid intersections (groups, conflicts,
 * phases, timings, plans, preempt), each run for 10 000 simulated seconds under random traffic, buttons,
 * preempts, operator modes and manual steps, with the SafetyObserver counting conflicting rights of way
 * and shortened yellows, red clearances, minimum greens, walks and pedestrian clearances. ok = no
 * violation at all. A failing seed is printed and replays exactly (runControllerSafety({ seed, seconds })).
 */
export async function controllerSafetySection(_context: BenchContext, options: BenchOptions & ControllerSafetyOptions): Promise<Record<string, unknown>> {
  const totalSeconds = options.controllerSafetySeconds ?? DEFAULT_TOTAL_SECONDS;
  const firstSeed = options.controllerSafetySeed ?? 1;
  const runs = Math.max(1, Math.ceil(totalSeconds / SECONDS_PER_RUN));
  const violations: ViolationCounts = { conflict: 0, 'red-clearance': 0, yellow: 0, 'min-green': 0, walk: 0, 'ped-clearance': 0, sequence: 0 };
  const activity: Record<string, number> = {};
  const failingSeeds: Array<{ seed: number; first: ControllerSafetyRun['first'] }> = [];
  let simulatedS = 0;
  let ticks = 0;
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    const seed = firstSeed + i;
    const run = runControllerSafety({ seed, seconds: Math.min(SECONDS_PER_RUN, totalSeconds - i * SECONDS_PER_RUN) });
    simulatedS += run.simulatedS;
    ticks += run.ticks;
    for (const kind of Object.keys(violations) as Array<keyof ViolationCounts>) violations[kind] += run.violations[kind];
    for (const [key, count] of Object.entries(run.activity)) activity[key] = (activity[key] ?? 0) + count;
    if (run.totalViolations > 0 && failingSeeds.length < 10) failingSeeds.push({ seed, first: run.first.slice(0, 3) });
    if ((i + 1) % 20 === 0) log(`controller safety: ${i + 1}/${runs} intersections, ${Math.round(simulatedS)} s simulated`);
    // Let the event loop breathe between intersections (the bench may have timers of its own).
    await new Promise((resolve) => setImmediate(resolve));
  }
  const wallS = (performance.now() - started) / 1000;
  const totalViolations = Object.values(violations).reduce((sum, count) => sum + count, 0);
  return {
    ok: totalViolations === 0,
    intersections: runs,
    simulatedS: Math.round(simulatedS),
    ticks,
    violations,
    totalViolations,
    failingSeeds,
    activity,
    wallS: Math.round(wallS * 10) / 10,
    simulatedSPerWallS: Math.round(simulatedS / wallS),
  };
}
