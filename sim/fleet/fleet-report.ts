/** The report of a fleet run: publish rate, reconnect times, backlog peaks, memory per node. */
import { describeChurn } from './churn-spec.js';
import type { FleetOptions } from './fleet-runner.js';
import type { NodeOutcome, ReconnectSample, WorkerTick } from './fleet-messages.js';
import type { NodeTiming } from './node-timing.js';

/** The fleet summed over its workers, once a second. */
export type FleetSeries = Omit<WorkerTick, 'type' | 'reconnects'> & { tS: number; rssBytes: number };

export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface FleetReport {
  nodes: number;
  workers: number;
  brokerUrl: string;
  durationS: number;
  seed: number;
  churn: string;
  /** Messages per node per second the traffic model was set to, by stream. */
  modelPerNodePerS: NodeTiming['perSecond'];
  publish: {
    /** Messages handed to the nodes' publishers (numbered and health) per second over the run. */
    messagesPerS: number;
    /** Numbered messages (counts, signal, events) per second, and how many the broker acknowledged live. */
    sequencedPerS: number;
    ackedLivePerS: number;
    /** Busiest second. */
    peakMessagesPerS: number;
    births: number;
  };
  reconnects: LatencySummary & { byCause: Record<string, LatencySummary> };
  churnEvents: { disconnects: number; reboots: number };
  backlog: {
    /** Most numbered messages waiting in all outboxes together (sampled every second). */
    fleetPeak: number;
    fleetPeakAtS: number | null;
    /** Most one node held, and the 99th percentile of the nodes' own peaks. */
    nodePeakMax: number;
    nodePeakP99: number;
  };
  memory: {
    /** The whole fleet process: workers booted with modules loaded, then the peak while the nodes ran. */
    rssBaselineMiB: number;
    rssPeakMiB: number;
    rssPerNodeKiB: number;
    heapPerNodeKiB: number;
  };
  /** CPU of the fleet process over the run (all threads), in percent of one core. */
  cpuPercent: number;
  /** Numbered messages still in outboxes when the run stopped (0 after a full drain). */
  undelivered: number;
  /** Every node's boots and the last sequence number each took: what a receiver must hold, seq 0..lastSeq. */
  sequences: Array<{ site: string; node: string; boots: NodeOutcome['boots'] }>;
}

export interface FleetRunFacts {
  options: FleetOptions;
  timing: NodeTiming['perSecond'];
  workers: number;
  runS: number;
  cpuSeconds: number;
  baselineRss: number;
  baselineHeap: number;
  series: FleetSeries[];
  atFinish: Omit<FleetSeries, 'tS' | 'rssBytes'>;
  reconnects: ReconnectSample[];
  nodes: NodeOutcome[];
}

export function buildFleetReport(facts: FleetRunFacts): FleetReport {
  const { options, series, atFinish, runS } = facts;
  const n = options.nodes;
  let peakRate = 0;
  for (let i = 1; i < series.length; i++) peakRate = Math.max(peakRate, (series[i]!.published - series[i - 1]!.published) / (series[i]!.tS - series[i - 1]!.tS));
  const peakBacklog = series.reduce<FleetSeries | null>((best, sample) => (best === null || sample.backlog > best.backlog ? sample : best), null);
  const rssPeak = Math.max(facts.baselineRss, ...series.map((sample) => sample.rssBytes));
  const heapPeak = Math.max(facts.baselineHeap, ...series.map((sample) => sample.heapUsedBytes));
  const byCause: Record<string, LatencySummary> = {};
  for (const cause of new Set(facts.reconnects.map((sample) => sample.cause))) {
    byCause[cause] = summarise(facts.reconnects.filter((sample) => sample.cause === cause).map((sample) => sample.ms));
  }
  const nodePeaks = facts.nodes.map((node) => node.backlogPeak);
  return {
    nodes: n,
    workers: facts.workers,
    brokerUrl: options.brokerUrl,
    durationS: round(runS, 1),
    seed: options.seed,
    churn: describeChurn(options.churn),
    modelPerNodePerS: roundAll(facts.timing),
    publish: {
      messagesPerS: round(atFinish.published / runS, 1),
      sequencedPerS: round(atFinish.sequenced / runS, 1),
      ackedLivePerS: round(atFinish.acked / runS, 1),
      peakMessagesPerS: Math.round(peakRate),
      births: atFinish.births,
    },
    // A reboot's time includes the time the node was powered off; it is reported apart.
    reconnects: { ...summarise(facts.reconnects.filter((sample) => sample.cause !== 'reboot').map((sample) => sample.ms)), byCause },
    churnEvents: { disconnects: atFinish.disconnects, reboots: atFinish.reboots },
    backlog: {
      fleetPeak: peakBacklog?.backlog ?? 0,
      fleetPeakAtS: peakBacklog ? Math.round(peakBacklog.tS) : null,
      nodePeakMax: Math.max(0, ...nodePeaks),
      nodePeakP99: nearestRank(nodePeaks, 0.99) ?? 0,
    },
    memory: {
      rssBaselineMiB: round(facts.baselineRss / 2 ** 20, 1),
      rssPeakMiB: round(rssPeak / 2 ** 20, 1),
      rssPerNodeKiB: round((rssPeak - facts.baselineRss) / 1024 / n, 1),
      heapPerNodeKiB: round((heapPeak - facts.baselineHeap) / 1024 / n, 1),
    },
    cpuPercent: round((facts.cpuSeconds / runS) * 100, 1),
    undelivered: facts.nodes.reduce((sum, node) => sum + node.pending, 0),
    sequences: facts.nodes.map((node) => ({ site: node.site, node: node.node, boots: node.boots })),
  };
}

function summarise(values: number[]): LatencySummary {
  return { count: values.length, p50Ms: roundOrNull(nearestRank(values, 0.5)), p99Ms: roundOrNull(nearestRank(values, 0.99)), maxMs: roundOrNull(values.length ? Math.max(...values) : null) };
}

/** Nearest-rank quantile; null when there is nothing to rank. */
export function nearestRank(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}

function roundAll<T extends Record<string, number>>(values: T): T {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, round(value, 4)])) as T;
}
