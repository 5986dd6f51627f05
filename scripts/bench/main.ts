/**
 * `npm run bench`: the vision benchmark. Prints ONE JSON object on stdout (progress on stderr):
 *   { machine: { cpus, model, loadavg }, startedAt, sections: { realFootage, speed, allocation, endToEnd, eventLoop, simulator, safety,
 *     controllerSafety, monitorLatency, signalTiming, intersectionSim, outbox, telemetry, fleet } }
 * Every section reports `ok` (its target is met) and can run alone: `npx tsx scripts/bench/main.ts --only speed`
 * (comma-separated for several). Exit code 0 when the benchmark ran, whatever `ok` says; 2 on wrong usage.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { BenchContext, log, REPO_ROOT } from './context.js';
import { allocationSection } from './sections/allocation.js';
import { endToEndSection } from './sections/end-to-end.js';
import { eventLoopSection } from './sections/event-loop.js';
import { realFootageSection } from './sections/real-footage.js';
import { safetySection } from './sections/safety.js';
import { simulatorSection } from './sections/simulator.js';
import { speedSection } from './sections/speed.js';
import { controllerSafetySection } from './sections/controller-safety.js';
import { intersectionSimSection } from './sections/intersection-sim.js';
import { monitorLatencySection } from './sections/monitor-latency.js';
import { outboxSection } from './sections/outbox.js';
import { signalTimingSection } from './sections/signal-timing.js';
import { telemetrySection } from './sections/telemetry.js';
import { fleetSection } from './sections/fleet.js';

type Section = (context: BenchContext, options: BenchOptions) => Promise<Record<string, unknown>>;

export interface BenchOptions {
  /** Interleaved repetitions of the speed comparison. */
  speedRuns: number;
  allocationFrames: number;
  e2eSeconds: number;
  eventLoopSeconds: number;
  /** Seconds rendered per simulator scene; null: each preset's own durationSeconds (its events are spread over it). */
  simSeconds: number | null;
  signalTimingSeconds: number;
  /** The fleet section's simulated nodes and run length (the size: 1000 and 120). */
  fleetNodes: number;
  fleetSeconds: number;
}

const SECTIONS: Record<string, Section> = {
  realFootage: (context) => realFootageSection(context),
  speed: speedSection,
  allocation: allocationSection,
  endToEnd: endToEndSection,
  eventLoop: eventLoopSection,
  simulator: simulatorSection,
  safety: safetySection,
  controllerSafety: controllerSafetySection,
  monitorLatency: monitorLatencySection,
  signalTiming: signalTimingSection,
  intersectionSim: intersectionSimSection,
  outbox: (context) => outboxSection(context),
  telemetry: telemetrySection,
  fleet: fleetSection,
};

const USAGE = `npx tsx scripts/bench/main.ts [--only ${Object.keys(SECTIONS).join(',')}] [--speed-runs N] [--allocation-frames N] [--e2e-seconds S] [--event-loop-seconds S] [--sim-seconds S] [--signal-timing-seconds S] [--fleet-nodes N] [--fleet-seconds S]`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        only: { type: 'string' },
        'speed-runs': { type: 'string', default: '3' },
        'allocation-frames': { type: 'string', default: '10000' },
        'e2e-seconds': { type: 'string', default: '20' },
        'event-loop-seconds': { type: 'string', default: '10' },
        'sim-seconds': { type: 'string' },
        'signal-timing-seconds': { type: 'string', default: '60' },
        'fleet-nodes': { type: 'string', default: '100' },
        'fleet-seconds': { type: 'string', default: '40' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const names = values.only === undefined ? Object.keys(SECTIONS) : values.only.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(name in SECTIONS));
  if (unknown.length > 0) {
    process.stderr.write(`unknown section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}\n`);
    return 2;
  }
  const options: BenchOptions = {
    speedRuns: positive(values['speed-runs'], 'speed-runs'),
    allocationFrames: positive(values['allocation-frames'], 'allocation-frames'),
    e2eSeconds: positive(values['e2e-seconds'], 'e2e-seconds'),
    eventLoopSeconds: positive(values['event-loop-seconds'], 'event-loop-seconds'),
    simSeconds: values['sim-seconds'] === undefined ? null : positive(values['sim-seconds'], 'sim-seconds'),
    signalTimingSeconds: positive(values['signal-timing-seconds'], 'signal-timing-seconds'),
    fleetNodes: positive(values['fleet-nodes'], 'fleet-nodes'),
    fleetSeconds: positive(values['fleet-seconds'], 'fleet-seconds'),
  };

  const cpuList = cpus();
  const report = {
    machine: { cpus: cpuList.length, model: cpuList[0]?.model ?? 'unknown', loadavg: loadavg().map((value) => Math.round(value * 100) / 100), node: process.version },
    startedAt: new Date().toISOString(),
    code: codeState(),
    sections: {} as Record<string, unknown>,
    durationS: 0,
  };
  const started = performance.now();
  const context = new BenchContext();
  try {
    for (const name of names) {
      const sectionStarted = performance.now();
      log(`${name}: start`);
      try {
        const result = await SECTIONS[name]!(context, options);
        report.sections[name] = { ...result, durationS: Math.round((performance.now() - sectionStarted) / 100) / 10 };
      } catch (error) {
        log(`${name}: FAILED: ${(error as Error).stack ?? String(error)}`);
        report.sections[name] = { ok: false, error: (error as Error).message };
      }
      log(`${name}: done in ${((performance.now() - sectionStarted) / 1000).toFixed(1)} s`);
    }
  } finally {
    context.close();
  }
  report.durationS = Math.round((performance.now() - started) / 100) / 10;
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return 0;
}

/** Which code was measured: HEAD and the files under edge/ and sim/ that differ from it (others edit the same checkout). */
function codeState(): { commit: string | null; modified: string[] } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'edge', 'sim'], { cwd: REPO_ROOT, encoding: 'utf8' });
    return { commit, modified: status.split('\n').filter(Boolean).map((line) => line.slice(3)) };
  } catch {
    return { commit: null, modified: [] };
  }
}

function positive(text: string | undefined, name: string): number {
  const value = Number(text);
  if (!(value > 0)) throw new Error(`--${name}: must be a positive number`);
  return value;
}

main().then(
  // Exit once the report has left: on a pipe stdout is asynchronous, and exiting at once cut the JSON at
  // the pipe's 64 KiB (`npm run bench | jq` got half a report). Exit, not return: sections leave handles.
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
