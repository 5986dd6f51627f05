import { performance } from 'node:perf_hooks';
import { EXAMPLE_CONFIG_PATH, loadConfigFile, type Config } from '../../../edge/config/index.js';
import { RealClock } from '../../../edge/hal/real-clock.js';
import { createMemoryLogger } from '../../../edge/log.js';
import { PhaseController, type ControllerEvent } from '../../../edge/signal/controller/index.js';
import { SignalHeads } from '../../../edge/signal/signal-heads.js';
import { VisionWorkerHost } from '../../../edge/vision/vision-worker-host.js';
import { SimGpioBinding } from '../../../sim/sim-gpio.js';
import { log, type BenchContext } from '../context.js';
import type { BenchOptions } from '../main.js';
import { quantile, round } from '../stats.js';
import { loadClipTruth } from './real-footage.js';

const TARGET_MS = 20;
const INTERSECTIONS = 16;

/**
 * Timing accuracy of the phase controller on the real clock while vision runs at full speed: several
 * fixed-time controllers (short plans, so many intervals end in a minute) drive simulated lamps on the
 * node's main thread while a vision worker processes the real clip as fast as it can. For each interval
 * (green, yellow, red clearance) the end is compared with its start plus the planned duration; the lamp
 * writes are timed too. Target: |deviation| p99 ≤ 20 ms.
 */
export async function signalTimingSection(context: BenchContext, options: BenchOptions): Promise<Record<string, unknown>> {
  const loaded = await loadConfigFile(EXAMPLE_CONFIG_PATH);
  if (!loaded.ok) throw new Error(`example config invalid: ${loaded.errors.join('; ')}`);
  const signal = shortFixedPlan(loaded.config.signal);
  const clock = new RealClock();
  const clip = await context.nativeClip();
  const [x1, y1, x2, y2] = loadClipTruth().line;
  const host = await VisionWorkerHost.start({ sourceWidth: clip.width, sourceHeight: clip.height, lines: [{ name: 'L', a: { x: x1, y: y1 }, b: { x: x2, y: y2 } }] });
  const durationMs = options.signalTimingSeconds * 1000;

  const deviations: number[] = [];
  const lampLagMs: number[] = [];
  const controllers: PhaseController[] = [];
  for (let i = 0; i < INTERSECTIONS; i++) {
    const gpio = new SimGpioBinding({ clock, recordHistory: false });
    const heads = await SignalHeads.open(gpio, signal.groups);
    const controller = new PhaseController({ signal, heads, clock, log: createMemoryLogger() });
    let lastEventAt = 0;
    controller.on((event) => {
      if (event.type === 'interval') lastEventAt = performance.now();
    });
    // A lamp write follows its interval's decision in the same tick; its lag is the write path's cost.
    gpio.onOutputChange(() => {
      if (lastEventAt > 0) lampLagMs.push(performance.now() - lastEventAt);
      lastEventAt = 0;
    });
    collectDeviations(controller, signal, deviations);
    controllers.push(controller);
    await controller.start();
    await clock.sleep(137); // staggered, so the intersections' ticks do not coincide
  }
  log(`signalTiming: ${INTERSECTIONS} controllers running; vision worker at full speed for ${options.signalTimingSeconds} s`);

  let frame = 0;
  const frameMs = 1000 / clip.fps;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    await host.whenIdle();
    host.submit(clip.frames[frame % clip.frames.length]!, frame * frameMs, frame);
    frame++;
  }
  const stats = host.stats();
  for (const controller of controllers) await controller.stop();
  await host.stop();

  const absolute = deviations.map(Math.abs);
  const p99 = quantile(absolute, 0.99);
  return {
    ok: deviations.length >= 50 && p99 <= TARGET_MS,
    target: `interval ends within ±${TARGET_MS} ms of plan (p99) on the real clock with vision at full speed`,
    intervals: deviations.length,
    deviationMs: { p50: round(quantile(absolute, 0.5), 2), p99: round(p99, 2), max: round(Math.max(...absolute), 2), earliest: round(Math.min(...deviations), 2) },
    lampWriteLagMs: { p99: round(quantile(lampLagMs, 0.99), 3), max: round(Math.max(0, ...lampLagMs), 3) },
    vision: { framesProcessed: stats.processed, framesPerSecond: round((stats.processed * 1000) / (performance.now() - started), 1) },
  };
}

/**
 * The example's vehicle groups in fixed time, every phase green for 10 s: each interval then has a known
 * planned length (pedestrian timing would lengthen greens by the walk, so the crosswalks are left out).
 */
function shortFixedPlan(signal: Config['signal']): Config['signal'] {
  const vehicle = new Set(signal.groups.filter((group) => group.kind === 'vehicle').map((group) => group.id));
  const { preempt: _preempt, ...rest } = signal;
  return {
    ...rest,
    mode: 'fixed',
    startup: { flashS: 0, allRedS: 1 },
    plans: [],
    schedule: [],
    detectors: [],
    groups: signal.groups.filter((group) => vehicle.has(group.id)),
    conflicts: signal.conflicts.filter(([a, b]) => vehicle.has(a) && vehicle.has(b)),
    phases: signal.phases.map(({ walk: _walk, pedClearance: _pedClearance, ...phase }) => ({ ...phase, minGreen: 5, maxGreen: 10, groups: phase.groups.filter((group) => vehicle.has(group)) })),
  };
}

/** Records, per interval, (actual end − start) − planned length, from the controller's own events. */
function collectDeviations(controller: PhaseController, signal: Config['signal'], into: number[]): void {
  const phases = new Map(signal.phases.map((phase) => [phase.id, phase]));
  let current: { kind: string; phase: string | null; startMs: number } | null = null;
  controller.on((event: ControllerEvent) => {
    if (event.type !== 'interval') return;
    if (current && current.phase !== null) {
      const phase = phases.get(current.phase);
      const plannedS = phase === undefined ? null : current.kind === 'green' ? phase.maxGreen : current.kind === 'yellow' ? phase.yellow : current.kind === 'red-clearance' ? phase.redClearance : null;
      if (plannedS !== null && plannedS > 0) into.push(event.atMs - current.startMs - plannedS * 1000);
    }
    current = { kind: event.interval, phase: event.phase, startMs: event.atMs };
  });
}
