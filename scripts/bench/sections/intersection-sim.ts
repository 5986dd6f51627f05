import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmbeddedBroker } from '../../../edge/broker/embedded-broker.js';
import { EXAMPLE_CONFIG_PATH, loadConfigFile } from '../../../edge/config/index.js';
import { createMemoryLogger } from '../../../edge/log.js';
import { parseFaultSpecs } from '../../../sim/intersection/fault-spec.js';
import { runIntersectionSim, type IntersectionSimReport } from '../../../sim/intersection/intersection-sim.js';
import { log, type BenchContext } from '../context.js';
import type { BenchOptions } from '../main.js';
import { quantile, round } from '../stats.js';

/**
 * Every kind of hardware fault, spread over runs so each is seen on its own (a fault is repaired and the
 * monitor reset 5 s after its trip). Lamp faults on G2, the camera's approach, show within a cycle;
 * stuck greens on groups conflicting with whatever is green show at once.
 */
const RUNS: ReadonlyArray<{ seed: number; faults: string }> = [
  { seed: 11, faults: 'stuck-green:G3@20,lamp-out:G2:red@45,slow-relay:G2:green:1500@75,stuck-off:G2:red@100,controller-hang@230' },
  { seed: 12, faults: 'stuck-green:G8@25,ignore-writes:G2:green@50,dead-green:G2@90,stuck-amber:G8@130,controller-hang@230' },
  { seed: 13, faults: 'stuck-walk:P2@30,lamp-out:G2:amber@50,stuck-green:G4@110,slow-relay:G2:red:800@140,controller-hang@230' },
];
const RUN_SECONDS = 240;

/**
 * `nutgiao sim` as the bench runs it: the whole node on the simulated intersection (--fast) with injected
 * faults. Reports what the issue asks: detection latency (max, p99) and time to flash per fault,
 * conflict time at the lamps, cycles, vehicles served, and vision counts against the scene's truth.
 * ok = every fault detected within its trip time (conflicts and red fail 300 ms, heartbeat 1000 ms, plus
 * one 20 ms poll) and no conflict lit at the lamps beyond the injected stuck outputs' trip time.
 */
export async function intersectionSimSection(context: BenchContext, _options: BenchOptions): Promise<Record<string, unknown>> {
  const loaded = await loadConfigFile(EXAMPLE_CONFIG_PATH);
  if (!loaded.ok) throw new Error(`example config invalid: ${loaded.errors.join('; ')}`);
  const broker = await startEmbeddedBroker({ port: 0, log: createMemoryLogger() });
  const reports: IntersectionSimReport[] = [];
  try {
    for (const run of RUNS) {
      const stateDir = await mkdtemp(join(context.tmpDir(), 'sim-'));
      log(`intersectionSim: seed ${run.seed}, ${RUN_SECONDS} s, faults ${run.faults}`);
      reports.push(
        await runIntersectionSim({
          config: loaded.config,
          configHash: loaded.hash,
          seed: run.seed,
          durationS: RUN_SECONDS,
          fast: true,
          faults: parseFaultSpecs(run.faults, loaded.config.signal.groups),
          stateDir,
          brokerUrl: broker.url,
          log: createMemoryLogger(),
        }),
      );
      await rm(stateDir, { recursive: true, force: true });
    }
  } finally {
    await broker.close();
  }
  const faults = reports.flatMap((report) => report.faults);
  const latencies = faults.flatMap((fault) => (fault.detectionLatencyMs === null ? [] : [fault.detectionLatencyMs]));
  // A fault repaired together with an earlier one never had its own chance to trip: not counted either way.
  const own = faults.filter((fault) => fault.note === undefined);
  const withinTrip = own.every((fault) => fault.detected && fault.detectionLatencyMs! <= (fault.kind === 'controller-hang' ? 1020 : 320));
  const stuckOutputs = faults.filter((fault) => fault.kind === 'stuck-on').length;
  const conflictMs = reports.reduce((sum, report) => sum + report.conflictMsAtLamps, 0);
  const lines: Record<string, { counted: number; truth: number }> = {};
  for (const report of reports) {
    for (const camera of Object.values(report.vision)) {
      for (const [name, line] of Object.entries(camera.lines)) {
        const entry = (lines[name] ??= { counted: 0, truth: 0 });
        entry.counted += line.counted.lr + line.counted.rl;
        entry.truth += line.truth.lr + line.truth.rl;
      }
    }
  }
  const simulatedS = reports.reduce((sum, report) => sum + report.simulatedS, 0);
  const wallS = reports.reduce((sum, report) => sum + report.wallS, 0);
  return {
    ok: withinTrip && conflictMs <= stuckOutputs * 320,
    target: 'every injected fault trips the monitor within its trip time + one poll; conflicts at the lamps only while a stuck output waits for its trip',
    simulatedS,
    speedup: round(simulatedS / wallS, 1),
    cycles: reports.reduce((sum, report) => sum + report.cycles, 0),
    vehiclesServed: reports.reduce((sum, report) => sum + report.vehiclesServed, 0),
    conflictMsAtLamps: conflictMs,
    faultsInjected: faults.length,
    faultsMasked: faults.length - own.length,
    faultsDetected: faults.filter((fault) => fault.detected).length,
    detectionLatencyMs: { max: Math.max(...latencies), p99: quantile(latencies, 0.99), median: quantile(latencies, 0.5) },
    timeToFlashMsMax: Math.max(...faults.flatMap((fault) => (fault.timeToFlashMs === null ? [] : [fault.timeToFlashMs]))),
    faults: faults.map((fault) => ({ spec: fault.spec, detectedAs: fault.detectedAs, latencyMs: fault.detectionLatencyMs, timeToFlashMs: fault.timeToFlashMs })),
    visionCountsVsTruth: lines,
  };
}
