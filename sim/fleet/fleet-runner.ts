/**
 * `nutgiao fleet`'s coordinator: spreads the nodes over worker threads, starts them, raises the
 * fleet-wide reconnect storms, sums the workers' ticks and builds the report.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { EXAMPLE_CONFIG_PATH, loadConfigFile } from '../../edge/config/index.js';
import type { CommandKey } from '../../edge/config/commands-schema.js';
import { spawnWorker } from '../../edge/spawn-worker.js';
import type { ChurnSpec } from './churn-spec.js';
import { buildFleetReport, type FleetReport, type FleetSeries } from './fleet-report.js';
import type { FleetWorkerData, FromWorker, NodeOutcome, ReconnectSample, ToWorker, WorkerNodeSpec, WorkerTick } from './fleet-messages.js';
import { nodeTiming } from './node-timing.js';

export interface FleetOptions {
  nodes: number;
  brokerUrl: string;
  durationS: number;
  /** Messages per node per second; absent: the node's default rates. */
  rate?: number;
  seed: number;
  churn: ChurnSpec;
  /** Worker threads; default one per CPU. */
  workers?: number;
  /** Where the nodes keep boot ids and outboxes; default a temporary folder, removed at the end. */
  stateDir?: string;
  /** Longest wait for every outbox to empty at the end. */
  drainS: number;
  /** Then the nodes stay up this long, answering replay requests, before they stop. */
  lingerS: number;
  /** Nodes per site: topics are nutgiao/v1/<site>/<node>/… */
  nodesPerSite: number;
  /** One line of progress (every progressS). */
  progress?: (line: string) => void;
  progressS: number;
  /** Keys the nodes accept signed commands from (the collector signs its replay requests). */
  commandKeys: CommandKey[];
  /** NUTGIAO_LOG threshold of the nodes' own logs (debug … silent). */
  logLevel: string;
}

export const DEFAULT_FLEET_OPTIONS = { seed: 1, drainS: 60, lingerS: 0, nodesPerSite: 100, progressS: 10, logLevel: 'error' } as const;

const TICK_MS = 1000;

export function nodeName(index: number, nodesPerSite: number): WorkerNodeSpec {
  return { index, site: `district-${String(Math.floor(index / nodesPerSite) + 1).padStart(3, '0')}`, node: `fleet-${String(index + 1).padStart(5, '0')}` };
}

export async function runFleet(options: FleetOptions): Promise<FleetReport> {
  const loaded = await loadConfigFile(EXAMPLE_CONFIG_PATH);
  if (!loaded.ok) throw new Error(`example config: ${loaded.errors.join('; ')}`);
  const timing = nodeTiming(loaded.config, options.rate);
  const workerCount = Math.max(1, Math.min(options.workers ?? availableParallelism(), options.nodes));
  const stateRoot = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'nutgiao-fleet-')));
  const durationMs = options.durationS * 1000;
  const specs = Array.from({ length: options.nodes }, (_, index) => nodeName(index, options.nodesPerSite));
  const workers: Worker[] = [];
  const ticks: Array<WorkerTick | null> = [];
  const outcomes: NodeOutcome[][] = [];
  const reconnects: ReconnectSample[] = [];
  const series: FleetSeries[] = [];
  let baselineHeap = 0;
  const ready: Array<Promise<void>> = [];
  const done: Array<Promise<void>> = [];
  let fail!: (error: Error) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  let sampler: NodeJS.Timeout | undefined;
  let stormTimers: NodeJS.Timeout[] = [];
  try {
    for (let w = 0; w < workerCount; w++) {
      const data: FleetWorkerData = {
        brokerUrl: options.brokerUrl,
        nodes: specs.filter((_, index) => index % workerCount === w),
        stateRoot,
        seed: options.seed,
        churn: options.churn,
        durationMs,
        startSpreadMs: Math.min(10_000, options.nodes * 5),
        drainMs: options.drainS * 1000,
        lingerMs: options.lingerS * 1000,
        logLevel: options.logLevel,
        commandKeys: options.commandKeys,
        ...(options.rate === undefined ? {} : { rate: options.rate }),
      };
      const worker = spawnWorker(new URL('./fleet-worker.ts', import.meta.url), data);
      workers.push(worker);
      ticks.push(null);
      let onReady!: () => void;
      let onDone!: () => void;
      ready.push(new Promise<void>((resolve) => (onReady = resolve)));
      done.push(new Promise<void>((resolve) => (onDone = resolve)));
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          baselineHeap += message.heapUsedBytes;
          onReady();
        } else if (message.type === 'tick') {
          ticks[w] = message;
          reconnects.push(...message.reconnects);
        } else if (message.type === 'done') {
          outcomes[w] = message.nodes;
          onDone();
        } else fail(new Error(`fleet worker ${w}: ${message.error}`));
      });
      worker.on('error', (error) => fail(error));
      worker.on('exit', (code) => fail(new Error(`fleet worker ${w} exited (${code}) before it reported`)));
    }
    await Promise.race([Promise.all(ready), failed]);
    const baselineRss = process.memoryUsage().rss;
    const send = (message: ToWorker) => workers.forEach((worker) => worker.postMessage(message));
    const startedAt = performance.now();
    const cpuAtStart = process.cpuUsage();
    send({ type: 'start' });
    stormTimers = options.churn.stormsAtMs.map((at) => setTimeout(() => send({ type: 'storm' }), at));
    let lastProgress = 0;
    sampler = setInterval(() => {
      const tick = sumTicks(ticks);
      const tS = (performance.now() - startedAt) / 1000;
      series.push({ tS, rssBytes: process.memoryUsage().rss, ...tick });
      if (options.progress && tS - lastProgress >= options.progressS - 0.5) {
        lastProgress = tS;
        options.progress(progressLine(tS, options.nodes, series));
      }
    }, TICK_MS);
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    const runS = (performance.now() - startedAt) / 1000;
    const cpu = process.cpuUsage(cpuAtStart);
    const atFinish = sumTicks(ticks);
    send({ type: 'finish' });
    await Promise.race([Promise.all(done), failed]);
    return buildFleetReport({ options, timing: timing.perSecond, workers: workerCount, runS, cpuSeconds: (cpu.user + cpu.system) / 1e6, baselineRss, baselineHeap, series, atFinish, reconnects, nodes: outcomes.flat() });
  } finally {
    clearInterval(sampler);
    stormTimers.forEach(clearTimeout);
    await Promise.all(workers.map((worker) => worker.terminate()));
    if (options.stateDir === undefined) await rm(stateRoot, { recursive: true, force: true });
  }
}

function sumTicks(ticks: ReadonlyArray<WorkerTick | null>): Omit<FleetSeries, 'tS' | 'rssBytes'> {
  const sum = { published: 0, sequenced: 0, acked: 0, births: 0, connected: 0, backlog: 0, nodeBacklogMax: 0, reboots: 0, disconnects: 0, heapUsedBytes: 0 };
  for (const tick of ticks) {
    if (!tick) continue;
    for (const key of ['published', 'sequenced', 'acked', 'births', 'connected', 'backlog', 'reboots', 'disconnects', 'heapUsedBytes'] as const) sum[key] += tick[key];
    sum.nodeBacklogMax = Math.max(sum.nodeBacklogMax, tick.nodeBacklogMax);
  }
  return sum;
}

function progressLine(tS: number, nodes: number, series: readonly FleetSeries[]): string {
  const now = series.at(-1)!;
  const before = series.find((sample) => sample.tS >= tS - 10) ?? series[0]!;
  const span = Math.max(1, now.tS - before.tS);
  return (
    `t=${Math.round(tS)}s connected ${now.connected}/${nodes} | published ${Math.round((now.published - before.published) / span)}/s, acked ${Math.round((now.acked - before.acked) / span)}/s` +
    ` | backlog ${now.backlog} (one node at most ${now.nodeBacklogMax}) | disconnects ${now.disconnects}, reboots ${now.reboots} | rss ${Math.round(now.rssBytes / 2 ** 20)} MiB`
  );
}
