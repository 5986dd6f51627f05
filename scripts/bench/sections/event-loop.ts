import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { log, REPO_ROOT, type BenchContext } from '../context.js';
import type { BenchOptions } from '../main.js';
import { round } from '../stats.js';
import { loadClipTruth } from './real-footage.js';

/** The part of edge/vision/vision-worker-host.ts this section uses (imported at run time: it may not exist yet). */
interface WorkerHost {
  submit(frame: Uint8Array, tsMs: number, index: number): boolean;
  busy?(): boolean;
  whenIdle?(): Promise<void>;
  stats(): { processed: number; dropped: number; msPerFrame?: number };
  lineTotals?(line: number): { lr: number; rl: number };
  stop(): Promise<void>;
}
interface WorkerHostClass {
  prototype?: { whenIdle?: unknown };
  start(options: { sourceWidth: number; sourceHeight: number; lines: { name: string; a: { x: number; y: number }; b: { x: number; y: number } }[]; maxWorkingWidth?: number }): Promise<WorkerHost>;
}

const HOST_MODULE = join(REPO_ROOT, 'edge/vision/vision-worker-host.ts');
const P99_TARGET_MS = 5;

/**
 * The main thread's event-loop delay while the vision worker runs at full speed on the clip's frames:
 * frames are submitted in order whenever the worker is idle, looping the clip, for ~10 s. The main thread
 * waits for the worker with whenIdle() (woken by the worker, as a paced source would be), or where the
 * host has none, polls busy() every tick (or submits every tick without busy()).
 */
export async function eventLoopSection(context: BenchContext, options: BenchOptions): Promise<Record<string, unknown>> {
  if (!existsSync(HOST_MODULE)) return skipped('vision worker not available');
  // A computed specifier keeps tsc from resolving a file that another engineer may still be writing.
  const hostPath = pathToFileURL(HOST_MODULE).href;
  const module = (await import(hostPath)) as { VisionWorkerHost?: WorkerHostClass };
  if (typeof module.VisionWorkerHost?.start !== 'function') return skipped('vision worker not available (no VisionWorkerHost.start export)');

  const clip = await context.nativeClip();
  const truth = loadClipTruth();
  // The same main thread with no worker, idle (or, for a host that is polled, the same polling loop):
  // how much delay this shared, noisy machine adds by itself.
  const baseline = await measureDelay(Math.min(3000, options.eventLoopSeconds * 500), module.VisionWorkerHost.prototype?.whenIdle === undefined);
  log(`eventLoop: baseline without the worker p99 ${baseline.p99} ms`);
  const [x1, y1, x2, y2] = truth.line;
  const host = await module.VisionWorkerHost.start({ sourceWidth: clip.width, sourceHeight: clip.height, lines: [{ name: 'L', a: { x: x1, y: y1 }, b: { x: x2, y: y2 } }] });
  log(`eventLoop: worker started; submitting at full speed for ${options.eventLoopSeconds} s`);
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const frameMs = 1000 / clip.fps;
  let index = 0;
  let submitted = 0;
  let refused = 0;
  let firstPassFrames = -1;
  const durationMs = options.eventLoopSeconds * 1000;
  histogram.enable();
  const started = performance.now();
  try {
    const submitNext = () => {
      if (!host.submit(clip.frames[index % clip.frames.length]!, index * frameMs, index)) refused++;
      submitted++;
      index++;
      if (index === clip.frames.length) firstPassFrames = index;
    };
    if (host.whenIdle !== undefined) {
      while (performance.now() - started < durationMs) {
        await host.whenIdle();
        submitNext();
      }
    } else {
      await new Promise<void>((resolve) => {
        const tick = () => {
          if (performance.now() - started >= durationMs) {
            resolve();
            return;
          }
          if (host.busy === undefined || !host.busy()) submitNext();
          setImmediate(tick);
        };
        setImmediate(tick);
      });
    }
  } finally {
    histogram.disable();
  }
  const elapsedMs = performance.now() - started;
  // Let the worker finish what it holds before reading its stats.
  for (let wait = 0; host.busy?.() && wait < 200; wait++) await new Promise((resolve) => setTimeout(resolve, 5));
  const stats = host.stats();
  const totals = host.lineTotals?.(0);
  await host.stop();
  const p50 = histogram.percentile(50) / 1e6;
  const p99 = histogram.percentile(99) / 1e6;
  const max = histogram.max / 1e6;
  return {
    ok: p99 < P99_TARGET_MS,
    target: `main-thread event-loop delay p99 < ${P99_TARGET_MS} ms with the worker at full speed`,
    seconds: round(elapsedMs / 1000, 2),
    delayMs: { p50: round(p50, 3), p99: round(p99, 3), max: round(max, 3), mean: round(histogram.mean / 1e6, 3) },
    baselineWithoutWorkerMs: baseline,
    submitted,
    refused,
    mainThreadWaits: host.whenIdle !== undefined ? 'whenIdle (woken by the worker)' : 'polls busy() every tick',
    worker: { processed: stats.processed, dropped: stats.dropped, msPerFrame: stats.msPerFrame === undefined ? null : round(stats.msPerFrame, 4), framesPerSecond: round((stats.processed * 1000) / elapsedMs, 1) },
    // Only meaningful when exactly one pass of the clip went through without drops.
    clipPasses: round(index / clip.frames.length, 2),
    countsSoFar: totals ?? null,
    firstPassComplete: firstPassFrames > 0,
  };
}

/** Event-loop delay for durationMs of an idle main thread, or of a setImmediate loop spinning (spin). */
async function measureDelay(durationMs: number, spin: boolean): Promise<{ seconds: number; p50: number; p99: number; max: number; spinning: boolean }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    if (!spin) {
      setTimeout(resolve, durationMs);
      return;
    }
    const tick = () => {
      if (performance.now() - started >= durationMs) return resolve();
      setImmediate(tick);
    };
    setImmediate(tick);
  });
  histogram.disable();
  return { seconds: round((performance.now() - started) / 1000, 2), p50: round(histogram.percentile(50) / 1e6, 3), p99: round(histogram.percentile(99) / 1e6, 3), max: round(histogram.max / 1e6, 3), spinning: spin };
}

function skipped(reason: string): Record<string, unknown> {
  log(`WARNING eventLoop skipped: ${reason} (edge/vision/vision-worker-host.ts exporting VisionWorkerHost)`);
  return { ok: false, skipped: reason };
}
