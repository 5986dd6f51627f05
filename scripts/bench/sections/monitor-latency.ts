import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, EXAMPLE_CONFIG_PATH, type Config } from '../../../edge/config/index.js';
import { createMemoryLogger } from '../../../edge/log.js';
import { ConflictMonitor } from '../../../edge/signal/monitor/conflict-monitor.js';
import { FaultDetector, type MonitorTiming } from '../../../edge/signal/monitor/fault-detector.js';
import type { MonitorFaultKind } from '../../../edge/signal/monitor/monitor-fault.js';
import { monitorRules } from '../../../edge/signal/monitor/monitor-rules.js';
import { lampMask, SignalHeads } from '../../../edge/signal/signal-heads.js';
import { SimGpioBinding } from '../../../sim/sim-gpio.js';
import { SimLamps } from '../../../sim/sim-lamps.js';
import { VirtualClock } from '../../../sim/virtual-clock.js';
import { log, type BenchContext } from '../context.js';
import type { BenchOptions } from '../main.js';
import { median, round } from '../stats.js';

export interface MonitorLatencyTiming extends MonitorTiming {
  pollMs: number;
}

export const DEFAULT_MONITOR_TIMING: MonitorLatencyTiming = { pollMs: 20, tripMs: 300, redFailTripMs: 300, heartbeatTimeoutMs: 1000 };

/** The parts a scenario acts on: the example intersection's heads and lamps, and its monitor. */
interface ScenarioParts {
  heads: SignalHeads;
  lamps: SimLamps;
  monitor: ConflictMonitor;
  clock: VirtualClock;
}

export interface MonitorScenario {
  name: string;
  expected: MonitorFaultKind;
  /** The longest detection latency the monitor promises for it. */
  boundMs(timing: MonitorLatencyTiming): number;
  /** Leads up to the fault and causes it; resolves at the fault moment that latency is measured from. */
  inject(parts: ScenarioParts): Promise<void>;
}

const RED = lampMask('vehicle', ['red']);
const AMBER = lampMask('vehicle', ['amber']);
const GREEN = lampMask('vehicle', ['green']);

const afterTrip = (timing: MonitorLatencyTiming) => timing.tripMs + timing.pollMs;

export const MONITOR_SCENARIOS: readonly MonitorScenario[] = [
  {
    name: 'stuck-on green into a conflict',
    expected: 'conflict',
    boundMs: afterTrip,
    inject: async ({ lamps }) => lamps.injectFault('G4', 'green', { kind: 'stuck-on' }),
  },
  {
    name: 'stuck-off red',
    expected: 'red-fail',
    boundMs: (timing) => timing.redFailTripMs + timing.pollMs,
    inject: async ({ lamps }) => lamps.injectFault('G1', 'red', { kind: 'stuck-off' }),
  },
  {
    name: 'lamp-out red',
    expected: 'red-fail',
    boundMs: (timing) => timing.redFailTripMs + timing.pollMs,
    inject: async ({ lamps }) => lamps.injectFault('G3', 'red', { kind: 'lamp-out' }),
  },
  {
    name: 'green output ignoring writes at the yellow',
    expected: 'multiple-indications',
    boundMs: afterTrip,
    inject: async ({ lamps, heads }) => {
      lamps.injectFault('G2', 'green', { kind: 'ignore-writes' });
      await heads.show('G2', AMBER);
    },
  },
  {
    name: 'green relay 1 s slow to drop at the yellow',
    expected: 'multiple-indications',
    boundMs: afterTrip,
    inject: async ({ lamps, heads }) => {
      lamps.injectFault('G2', 'green', { kind: 'slow', delayMs: 1000 });
      await heads.show('G2', AMBER);
    },
  },
  {
    name: 'short yellow (2 s for a 4 s minimum)',
    expected: 'short-yellow',
    boundMs: (timing) => timing.pollMs,
    inject: async ({ heads, clock }) => {
      await heads.show('G2', AMBER);
      clock.advance(2000);
      await heads.show('G2', RED);
    },
  },
  {
    name: 'controller heartbeat stops',
    expected: 'heartbeat-missing',
    boundMs: (timing) => timing.heartbeatTimeoutMs + timing.pollMs,
    // The controller's last beat is the fault moment; none follows.
    inject: async ({ monitor }) => monitor.heartbeat(),
  },
];

export interface LatencyResult {
  scenario: string;
  /** The kind that latched (null: none within the run limit). */
  kind: MonitorFaultKind | null;
  /** Virtual ms from the fault moment to the latch (Infinity: none). */
  latencyMs: number;
  boundMs: number;
}

let exampleSignal: Promise<Config['signal']> | null = null;

function loadExampleSignal(): Promise<Config['signal']> {
  exampleSignal ??= loadConfigFile(EXAMPLE_CONFIG_PATH).then((loaded) => {
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    return loaded.config.signal;
  });
  return exampleSignal;
}

/**
 * Runs one scenario on the simulated example intersection (phase ns-through showing, controller ticking
 * every 100 ms, monitor polling) and returns how long the monitor took to latch flash after the fault
 * moment. offsetMs shifts the fault against the poll phase (latency depends on where between two
 * readings the fault begins).
 */
export async function measureDetectionLatency(scenario: MonitorScenario, options: { offsetMs?: number; timing?: MonitorLatencyTiming } = {}): Promise<LatencyResult> {
  const timing = options.timing ?? DEFAULT_MONITOR_TIMING;
  const signal = await loadExampleSignal();
  const clock = new VirtualClock();
  const gpio = new SimGpioBinding({ clock });
  gpio.recording = false;
  const heads = await SignalHeads.open(gpio, signal.groups);
  const lamps = new SimLamps(gpio, signal.groups, signal.flashRelay);
  const stateDir = await mkdtemp(join(tmpdir(), 'nutgiao-monitor-bench-'));
  const monitor = await ConflictMonitor.open({ ...timing, rules: monitorRules(signal), sensor: lamps, clock, stateDir, log: createMemoryLogger(), flashRelay: signal.flashRelay, gpio });
  try {
    for (const group of signal.groups) {
      const served = ['G2', 'G6', 'P2', 'P4'].includes(group.id);
      await heads.show(group.id, group.kind === 'vehicle' ? (served ? GREEN : RED) : served ? 0b10 : 0b01);
    }
    await monitor.start();
    monitor.setRedMonitoring(true);
    const ticker = clock.setRepeating(() => monitor.heartbeat(), 100);
    clock.advance(1000 + (options.offsetMs ?? 0));
    if (scenario.expected === 'heartbeat-missing') clock.clearTimer(ticker);
    const parts = { heads, lamps, monitor, clock };
    await scenario.inject(parts);
    const faultAt = clock.monotonic();
    const latched = clock.runUntil(() => monitor.latchedFault() !== null, { limitMs: faultAt + 10_000 });
    clock.clearTimer(ticker);
    return {
      scenario: scenario.name,
      kind: monitor.latchedFault()?.kind ?? null,
      latencyMs: latched ? clock.monotonic() - faultAt : Infinity,
      boundMs: scenario.boundMs(timing),
    };
  } finally {
    await monitor.stop();
    await heads.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** CPU time of one monitor reading (sense 12 heads, check 36 conflict pairs), µs, on this machine. */
async function pollCostUs(readings: number): Promise<number> {
  const signal = await loadExampleSignal();
  const clock = new VirtualClock();
  const gpio = new SimGpioBinding({ clock });
  const heads = await SignalHeads.open(gpio, signal.groups);
  for (const group of signal.groups) await heads.show(group.id, group.kind === 'vehicle' ? RED : 0b01);
  const lamps = new SimLamps(gpio, signal.groups, signal.flashRelay);
  const detector = new FaultDetector(monitorRules(signal), DEFAULT_MONITOR_TIMING);
  const started = performance.now();
  for (let i = 0; i < readings; i++) detector.observe({ tsMs: i * 20, reading: lamps.read(), redMonitoring: true, heartbeatAgeMs: 0 });
  const elapsedMs = performance.now() - started;
  await heads.close();
  return (elapsedMs * 1000) / readings;
}

/**
 * Detection latency of the conflict monitor per fault kind, on the virtual clock (so it is the monitor's
 * own latency, without this machine's timer jitter), for faults beginning at every ms of a poll period;
 * plus the CPU cost of a reading. ok when every fault latched the expected kind within its bound.
 */
export async function monitorLatencySection(_context: BenchContext, _options: BenchOptions): Promise<Record<string, unknown>> {
  const timing = DEFAULT_MONITOR_TIMING;
  const scenarios: Record<string, unknown> = {};
  let ok = true;
  for (const scenario of MONITOR_SCENARIOS) {
    const latencies: number[] = [];
    const kinds = new Set<string>();
    for (let offsetMs = 0; offsetMs < timing.pollMs; offsetMs++) {
      const result = await measureDetectionLatency(scenario, { offsetMs, timing });
      latencies.push(result.latencyMs);
      kinds.add(result.kind ?? 'none');
    }
    const bound = scenario.boundMs(timing);
    const max = Math.max(...latencies);
    const scenarioOk = max <= bound && kinds.size === 1 && kinds.has(scenario.expected);
    ok &&= scenarioOk;
    scenarios[scenario.name] = { ok: scenarioOk, kind: [...kinds].join(','), minMs: Math.min(...latencies), medianMs: median(latencies), maxMs: max, boundMs: bound };
    log(`monitorLatency: ${scenario.name}: ${[...kinds].join(',')} in ${Math.min(...latencies)}..${max} ms (bound ${bound} ms)`);
  }
  const perReadingUs = round(await pollCostUs(50_000), 2);
  log(`monitorLatency: one reading costs ${perReadingUs} µs`);
  return { ok, timing, scenarios, readingCostUs: perReadingUs };
}
