import { performance } from 'node:perf_hooks';
import type { Config } from '../../edge/config/index.js';
import type { FrameSource } from '../../edge/hal/camera.js';
import type { Logger } from '../../edge/log.js';
import { approachGroup, composeNode } from '../../edge/main.js';
import type { IntersectionNode } from '../../edge/node.js';
import { NoopWatchdog } from '../../edge/hal/noop-watchdog.js';
import type { CycleSummary } from '../../edge/signal/controller/index.js';
import { SignalBoard } from '../../edge/signal/signal-board.js';
import type { ApproachScene } from '../scene/approach-scene.js';
import { SceneFrameSource } from '../scene/scene-frame-source.js';
import type { LineCounts } from '../scene/scene-types.js';
import { SimGpioBinding } from '../sim-gpio.js';
import { SimLamps } from '../sim-lamps.js';
import { SimSystemInfo } from '../sim-system-info.js';
import { VirtualClock } from '../virtual-clock.js';
import { FaultInjector, type FaultOutcome } from './fault-injector.js';
import type { FaultSpec } from './fault-spec.js';
import { LampConflictMeter } from './lamp-conflict-meter.js';
import { cameraScene } from './camera-scene.js';

export interface IntersectionSimOptions {
  /** A validated config whose cameras are all `sim` sources (the example config is the default of the CLI). */
  config: Config;
  configHash: string;
  /** Seeds every camera's scene (camera i gets seed + i), so one number reproduces a run. */
  seed: number;
  durationS: number;
  /** As fast as the CPU allows (waiting for vision so no frame is lost); otherwise real time. */
  fast: boolean;
  faults: readonly FaultSpec[];
  stateDir: string;
  brokerUrl: string;
  log: Logger;
  /** Simulated wall-clock time at the start (time-of-day plans follow it). Default Monday 2026-01-05 08:00 UTC. */
  startEpochMs?: number;
  /** Called about every simulated minute with the simulated seconds done. */
  onProgress?: (simulatedS: number) => void;
}

export interface LineReport {
  counted: { lr: number; rl: number };
  truth: { lr: number; rl: number };
  /** |counted − truth| / truth over both directions; null without truth. */
  error: number | null;
}

export interface IntersectionSimReport {
  seed: number;
  simulatedS: number;
  wallS: number;
  /** Simulated seconds per real second. */
  speedup: number;
  cycles: number;
  /** Green time and services per phase over the run. */
  phases: Record<string, { services: number; greenS: number; callsServed: number }>;
  gapOuts: number;
  maxOuts: number;
  pedServices: number;
  /** Total time two conflicting groups were lit at the lamps (the controller must keep this 0). */
  conflictMsAtLamps: number;
  conflictIntervalsAtLamps: number;
  faultsInjected: number;
  faultsDetected: number;
  faults: FaultOutcome[];
  detectionLatencyMs: { max: number | null; p99: number | null };
  timeToFlashMs: { max: number | null };
  monitorTrips: number;
  /** Vehicles the simulated cameras saw cross their approach's stop line. */
  vehiclesServed: number;
  vision: Record<string, { framesProcessed: number; framesDropped: number; lines: Record<string, LineReport>; safetyEvents: Record<string, number>; truthSafetyEvents: Record<string, number> }>;
}

const DEFAULT_START_EPOCH_MS = Date.UTC(2026, 0, 5, 8, 0, 0);

/**
 * `nutgiao sim`: the whole node (phase controller, conflict monitor, vision on the simulated cameras,
 * telemetry to a broker) on a simulated intersection under a virtual clock. The cameras' drivers obey
 * the node's own signal; faults are injected into the simulated lamps; the report compares what the
 * node did with what happened.
 */
export async function runIntersectionSim(options: IntersectionSimOptions): Promise<IntersectionSimReport> {
  const { config, log } = options;
  const clock = new VirtualClock({ epochMs: options.startEpochMs ?? DEFAULT_START_EPOCH_MS });
  const gpio = new SimGpioBinding({ clock, recordHistory: false });
  const lamps = new SimLamps(gpio, config.signal.groups, config.signal.flashRelay);
  const board = new SignalBoard();
  const scenes: ApproachScene[] = [];
  const cameras: FrameSource[] = config.cameras.map((camera, index) => {
    if (camera.source.kind !== 'sim') throw new Error(`cameras[${index}].source.kind: '${camera.source.kind}' — nutgiao sim runs simulated cameras only; use kind: sim`);
    const group = approachGroup(camera);
    const { width, height, fps, traffic } = camera.source;
    const scene = cameraScene({ seed: options.seed + index, width, height, fps, traffic, approachSignal: group === null ? null : () => board.aspect(group) });
    scenes.push(scene);
    return new SceneFrameSource({ id: camera.id, scene, clock });
  });

  const node = await composeNode({
    config,
    configHash: options.configHash,
    stateDir: options.stateDir,
    brokerUrl: options.brokerUrl,
    log,
    summary: () => undefined,
    clock,
    overrides: { gpio, lampSensor: lamps, cameras, signalBoard: board, system: new SimSystemInfo(), watchdog: new NoopWatchdog() },
  });
  const meter = new LampConflictMeter(lamps, gpio, config.signal.conflicts, clock);
  const injector = new FaultInjector(
    {
      clock,
      gpio,
      lamps,
      groups: config.signal.groups,
      ...(config.signal.flashRelay ? { flashRelay: config.signal.flashRelay } : {}),
      hangController: () => node.signalService().phaseController().stop(),
      resetMonitor: async () => (await node.signalService().conflictMonitor().reset('simulated technician')).ok,
    },
    options.faults,
  );

  // The node starts with time standing still (nothing in start() waits on the clock), so the run and
  // the faults' schedule begin together at simulated 0 with every listener in place.
  const cycles: CycleSummary[] = [];
  let monitorTrips = 0;
  let driving: Promise<void> = Promise.resolve();
  // Vision runs in worker threads outside the virtual clock: a fast run waits for it instead of dropping frames.
  const releaseHold = clock.holdWhile(() => node.cameras().some((camera) => camera.busy()));
  const startedWall = performance.now();
  try {
    await node.start();
    const signal = node.signalService();
    signal.phaseController().onType('cycle', (event) => cycles.push(event.summary));
    signal.conflictMonitor().onEvent((event) => {
      if (event.type === 'tripped') monitorTrips++;
      injector.onMonitorEvent(event);
    });
    const safety = countSafetyEvents(node);
    const origin = clock.monotonic();
    const finished = new Promise<void>((resolve) => clock.setTimer(resolve, options.durationS * 1000));
    const progress = clock.setRepeating(() => options.onProgress?.(Math.round((clock.monotonic() - origin) / 1000)), 60_000);
    driving = clock.runAtSpeed(options.fast ? Infinity : 1);
    await Promise.race([finished, driving]);
    await clock.stop();
    clock.clearTimer(progress);
    injector.stop();
    meter.stop();
    await waitForVision(node);
    const report = buildReport(options, {
      wallS: (performance.now() - startedWall) / 1000,
      simulatedS: (clock.monotonic() - origin) / 1000,
      cycles,
      meter,
      injector,
      monitorTrips,
      node,
      scenes,
      safety,
    });
    return report;
  } finally {
    releaseHold();
    await clock.stop();
    await driving.catch((error: Error) => log.error('virtual clock failed', { error }));
    // The clock runs on in real time while the node stops (its shutdown may wait on timers).
    const stopping = clock.runAtSpeed(1);
    await node.stop('simulation finished').catch((error: Error) => log.error('node stop failed', { error }));
    await clock.stop();
    await stopping.catch(() => undefined);
  }
}

/** Lets the workers finish their last frames, so counts and truth cover the same frames. */
async function waitForVision(node: IntersectionNode): Promise<void> {
  const deadline = performance.now() + 5000;
  while (node.cameras().some((camera) => camera.busy()) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  for (const camera of node.cameras()) camera.collect();
}

/** Safety events per camera and kind, as the node raised them. */
function countSafetyEvents(node: IntersectionNode): Map<string, Record<string, number>> {
  const counts = new Map<string, Record<string, number>>();
  for (const camera of node.cameras()) {
    const perKind: Record<string, number> = {};
    counts.set(camera.id, perKind);
    camera.onSafetyEvent((event) => (perKind[event.kind] = (perKind[event.kind] ?? 0) + 1));
  }
  return counts;
}

interface RunResults {
  wallS: number;
  simulatedS: number;
  cycles: CycleSummary[];
  meter: LampConflictMeter;
  injector: FaultInjector;
  monitorTrips: number;
  node: IntersectionNode;
  scenes: ApproachScene[];
  safety: Map<string, Record<string, number>>;
}

function buildReport(options: IntersectionSimOptions, run: RunResults): IntersectionSimReport {
  const phases: IntersectionSimReport['phases'] = {};
  for (const phase of options.config.signal.phases) phases[phase.id] = { services: 0, greenS: 0, callsServed: 0 };
  let gapOuts = 0;
  let maxOuts = 0;
  let pedServices = 0;
  for (const cycle of run.cycles) {
    for (const phase of cycle.phases) if (phases[phase]) phases[phase].services++;
    for (const [phase, ms] of Object.entries(cycle.greenMs)) if (phases[phase]) phases[phase].greenS += ms / 1000;
    for (const [phase, calls] of Object.entries(cycle.callsServed)) if (phases[phase]) phases[phase].callsServed += calls;
    gapOuts += cycle.gapOuts;
    maxOuts += cycle.maxOuts;
    pedServices += cycle.pedServices;
  }
  for (const phase of Object.values(phases)) phase.greenS = Math.round(phase.greenS * 10) / 10;

  const faults = run.injector.results();
  const latencies = faults.flatMap((fault) => (fault.detectionLatencyMs === null ? [] : [fault.detectionLatencyMs])).sort((a, b) => a - b);
  const flashTimes = faults.flatMap((fault) => (fault.timeToFlashMs === null ? [] : [fault.timeToFlashMs]));
  const conflict = run.meter.read();

  const vision: IntersectionSimReport['vision'] = {};
  let vehiclesServed = 0;
  run.node.cameras().forEach((camera, index) => {
    const config = options.config.cameras.find((candidate) => candidate.id === camera.id)!;
    const scene = run.scenes[options.config.cameras.indexOf(config)]!;
    const summary = camera.summary();
    const truth: LineCounts = scene.counts();
    const lines: Record<string, LineReport> = {};
    for (const [name, counted] of Object.entries(summary.totals)) {
      const expected = truth[name];
      const truthTotal = expected ? expected.lr + expected.rl : 0;
      lines[name] = {
        counted: { lr: counted.lr, rl: counted.rl },
        truth: { lr: expected?.lr ?? 0, rl: expected?.rl ?? 0 },
        error: expected && truthTotal > 0 ? Math.round((1000 * (Math.abs(counted.lr - expected.lr) + Math.abs(counted.rl - expected.rl))) / truthTotal) / 1000 : null,
      };
    }
    const stopLine = config.safety?.stopLines[0];
    if (stopLine) {
      const crossed = truth[stopLine.line];
      vehiclesServed += crossed ? (stopLine.direction === 'rl' ? crossed.rl : crossed.lr) : 0;
    }
    const truthSafety: Record<string, number> = {};
    for (const event of scene.truth().safety) truthSafety[event.kind] = (truthSafety[event.kind] ?? 0) + 1;
    vision[camera.id] = { framesProcessed: summary.processed, framesDropped: summary.dropped, lines, safetyEvents: run.safety.get(camera.id) ?? {}, truthSafetyEvents: truthSafety };
    void index;
  });

  return {
    seed: options.seed,
    simulatedS: Math.round(run.simulatedS * 10) / 10,
    wallS: Math.round(run.wallS * 10) / 10,
    speedup: Math.round((run.simulatedS / Math.max(run.wallS, 0.001)) * 10) / 10,
    cycles: run.cycles.length,
    phases,
    gapOuts,
    maxOuts,
    pedServices,
    conflictMsAtLamps: conflict.conflictMs,
    conflictIntervalsAtLamps: conflict.conflicts,
    faultsInjected: faults.filter((fault) => fault.note === undefined || !fault.note.startsWith('not injected')).length,
    faultsDetected: faults.filter((fault) => fault.detected).length,
    faults,
    detectionLatencyMs: { max: latencies.length === 0 ? null : latencies[latencies.length - 1]!, p99: latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)]! },
    timeToFlashMs: { max: flashTimes.length === 0 ? null : Math.max(...flashTimes) },
    monitorTrips: run.monitorTrips,
    vehiclesServed,
    vision,
  };
}
