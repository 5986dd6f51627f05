/**
 * The city-scale measurement of issue 7: `nutgiao fleet` (N simulated nodes at the node's default rates,
 * with some churn) → Mosquitto → two `nutgiao collect --share` processes in one group → PostgreSQL,
 * with a broker restart and a collector SIGKILL during the run. Prints one JSON object (progress on
 * stderr):
 *
 *   npx tsx scripts/fleet-bench.ts [--nodes 1000] [--duration 120] [--rate R] [--churn SPEC] [--out FILE.json]
 *                                  [--broker mqtt://HOST:PORT] [--no-restart] [--no-kill] [--keep-db]
 *
 * By default it starts its own Mosquitto on a free port (persistence on, so the collectors' sessions
 * survive the restart, and queue limits raised as docs/collector.md says), and creates and drops a
 * throwaway database on $NUTGIAO_TEST_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres).
 * With --broker it uses that broker and does not restart it.
 *
 * What it reports:
 * - messages/s stored (all kinds) over the whole run and in the steady part before the first fault;
 * - node publish → row latency p50/p99: the message's own `ts` (counts: the end of its period, when
 *   the node publishes it) to the collector's `received_at`, stamped inside the batch transaction just
 *   before it commits (the batch time, `batchP99Ms`, bounds the rest); live messages only;
 * - missing sequence numbers after de-duplication: every (node, boot) the fleet reports with its last
 *   seq, against the rows of received_messages; and duplicates the collectors discarded;
 * - memory per simulated node (the fleet's own report) and per collector (peak RSS), CPU of each part.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { generateCommandKeyPair } from '../protocol/sign.js';
import type { FleetReport } from '../sim/fleet/fleet-report.js';
import { TestDatabase } from '../test/collector/test-database.js';
import { NodeProcess } from '../test/support/node-process.js';
import { freePort, waitForPort } from '../test/support/ports.js';

export interface FleetBenchOptions {
  nodes: number;
  durationS: number;
  rate?: number;
  churn: string;
  /** An existing broker: no restart. Absent: one started here. */
  brokerUrl?: string;
  restartBroker: boolean;
  killCollector: boolean;
  /** Leave the database for a look at what is missing (its URL is logged). */
  keepDatabase?: boolean;
  log: (line: string) => void;
}

export const FLEET_BENCH_DEFAULTS = { nodes: 1000, durationS: 120, churn: 'disconnect:2/h:5s,reboot:1/h' } as const;

const SHARE_GROUP = 'fleetbench';
const REPLAY_KEY_ID = 'fleet-bench';
/** The nodes stay up after the run so the collectors' replay requests for late-found gaps are answered (rate-limited to one per node per 30 s). */
const LINGER_S = 75;
/** `nutgiao fleet` prints its first progress line this far into its run. */
const FIRST_PROGRESS_S = 10;
/** Start-up (nodes coming up, their first backlog) is left out of the steady-state latency. */
const STEADY_AFTER_S = 20;
const CLOCK_TICKS_PER_S = 100;
/** How long after the fleet stopped the rows may take to arrive. */
const SETTLE_TIMEOUT_MS = 120_000;

/** Mosquitto for the run: persistent sessions, queue limits sized for a collector. */
class BenchBroker {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    private readonly configPath: string,
  ) {}

  static async start(): Promise<BenchBroker> {
    const dir = mkdtempSync(join(tmpdir(), 'nutgiao-fleet-bench-mosquitto-'));
    chmodSync(dir, 0o777); // started as root, mosquitto drops to its own user
    const port = await freePort();
    const configPath = join(dir, 'mosquitto.conf');
    writeFileSync(
      configPath,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'max_connections -1',
        'persistence true',
        `persistence_location ${dir}/`,
        'max_queued_messages 100000',
        'max_inflight_messages 1000',
        'log_type error',
        'log_dest stderr',
      ].join('\n') + '\n',
    );
    const broker = new BenchBroker(port, configPath);
    await broker.run();
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async run(): Promise<void> {
    this.child = spawn('/usr/sbin/mosquitto', ['-c', this.configPath], { stdio: 'ignore' });
    await waitForPort(this.port, 10_000);
  }

  /** SIGTERM (it saves its sessions), then wait for it to be gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

/** CPU seconds and memory of a process from /proc, while it lives. */
function processUsage(pid: number | undefined): { cpuS: number; rssBytes: number; peakRssBytes: number } | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S; // utime, stime
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { cpuS, rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
  } catch {
    return null;
  }
}

/** Follows a set of processes (they come and go): CPU used and the largest peak RSS of each role. */
class UsageMeter {
  private readonly lastCpu = new Map<number, number>();
  readonly cpuS = new Map<string, number>();
  readonly peakRss = new Map<string, number>();

  /** From now on the process's CPU counts (what it used to start, e.g. compiling TypeScript, does not). */
  baseline(pid: number | undefined): void {
    const usage = processUsage(pid);
    if (usage && pid !== undefined) this.lastCpu.set(pid, usage.cpuS);
  }

  sample(role: string, pid: number | undefined): void {
    const usage = processUsage(pid);
    if (!usage || pid === undefined) return;
    const before = this.lastCpu.get(pid) ?? 0;
    this.lastCpu.set(pid, usage.cpuS);
    this.cpuS.set(role, (this.cpuS.get(role) ?? 0) + usage.cpuS - before);
    this.peakRss.set(role, Math.max(this.peakRss.get(role) ?? 0, usage.peakRssBytes));
  }
}

class BenchCollector {
  process: NodeProcess | null = null;
  metricsUrl: string | null = null;
  /** Messages received by earlier incarnations (a SIGKILL resets the counter). */
  receivedBefore = 0;
  lastReceived = 0;
  batchSecondsSum = 0;
  batches = 0;
  duplicates = 0;
  constructor(
    readonly clientId: string,
    private readonly brokerUrl: string,
    private readonly dbUrl: string,
    private readonly keyFile: string,
  ) {}

  async start(): Promise<void> {
    this.receivedBefore += this.lastReceived;
    this.lastReceived = 0;
    const process = NodeProcess.spawn(['collect', '--broker', this.brokerUrl, '--db', this.dbUrl, '--share', SHARE_GROUP, '--client-id', this.clientId, '--metrics-port', '0', '--key', this.keyFile, '--key-id', REPLAY_KEY_ID]);
    this.process = process;
    const [, url] = await process.waitForLine(/\| metrics (http:\/\/\S+)\/metrics/, 60_000);
    this.metricsUrl = url!;
  }

  async scrape(): Promise<void> {
    if (!this.metricsUrl) return;
    try {
      const text = await (await fetch(`${this.metricsUrl}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
      this.lastReceived = value('nutgiao_collector_messages_received_total');
      this.duplicates = value('nutgiao_collector_duplicates_total');
      this.batches = value('nutgiao_collector_batches_total');
      this.batchSecondsSum = value('nutgiao_collector_batch_seconds_sum');
    } catch {
      // between incarnations, or busy: the next scrape catches up
    }
  }

  get received(): number {
    return this.receivedBefore + this.lastReceived;
  }

  kill(): void {
    this.process?.kill('SIGKILL');
    this.metricsUrl = null;
  }

  async stop(): Promise<void> {
    if (!this.process) return;
    this.process.kill('SIGTERM');
    await Promise.race([this.process.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await this.process.stop();
  }
}

export async function measureFleet(options: FleetBenchOptions): Promise<Record<string, unknown>> {
  const { log } = options;
  const broker = options.brokerUrl === undefined ? await BenchBroker.start() : null;
  const brokerUrl = options.brokerUrl ?? broker!.url;
  const db = await TestDatabase.create();
  // The collectors sign replay requests for the gaps they find; the nodes answer them (replay is read-only).
  const keyFile = join(mkdtempSync(join(tmpdir(), 'nutgiao-fleet-bench-key-')), 'central.pem');
  const replayKey = generateCommandKeyPair();
  writeFileSync(keyFile, replayKey.privateKeyPem, { mode: 0o600 });
  const collectors = ['a', 'b'].map((id) => new BenchCollector(`fleet-bench-collector-${id}`, brokerUrl, db.url, keyFile));
  const meter = new UsageMeter();
  const dbCpu = new UsageMeter();
  let fleet: NodeProcess | null = null;
  const events: Array<{ atS: number; what: string }> = [];
  try {
    await Promise.all(collectors.map((collector) => collector.start()));
    collectors.forEach((collector) => meter.baseline(collector.process?.child.pid));
    log(`collectors consuming from ${brokerUrl} into ${db.name}`);
    const reportPath = join(mkdtempSync(join(tmpdir(), 'nutgiao-fleet-bench-')), 'fleet.json');
    // A long drain: on a busy machine the last backlog takes a while, and a message still in an outbox at
    // the end is one no receiver can know it lacks.
    const args = ['fleet', '--nodes', String(options.nodes), '--broker', brokerUrl, '--duration', String(options.durationS), '--churn', options.churn, '--report', reportPath, '--drain', '300', '--linger', String(LINGER_S), '--command-key', `${REPLAY_KEY_ID}=${replayKey.publicKey}`];
    if (options.rate !== undefined) args.push('--rate', String(options.rate));
    const started = Date.now();
    // Every node's outbox fsyncs through libuv's thread pool, shared by all workers: 4 threads are few.
    const runner = NodeProcess.spawn(args, { env: { NUTGIAO_LOG: 'error', UV_THREADPOOL_SIZE: '16' } });
    fleet = runner;
    const atS = () => Math.round((Date.now() - started) / 100) / 10;
    const sampler = setInterval(() => {
      meter.sample('fleet', runner.child.pid);
      meter.sample('broker', broker?.pid);
      collectors.forEach((collector) => meter.sample(`collector-${collector.clientId.slice(-1)}`, collector.process?.child.pid));
      void sampleDatabaseBackends(db, dbCpu);
      void Promise.all(collectors.map((collector) => collector.scrape()));
    }, 2000);
    const printer = setInterval(() => {
      const line = runner.stdout.at(-1);
      if (line) log(line);
    }, 15_000);

    // The faults: a broker restart at 40 % of the run, a collector SIGKILL at 65 % (back 5 s later),
    // timed from the fleet's first progress line, printed 10 s into its run.
    await runner.waitForLine(/^t=\d+s /, 120_000);
    const fleetStarted = Date.now() - FIRST_PROGRESS_S * 1000;
    const faults: Array<Promise<void>> = [];
    const at = (fraction: number, action: () => Promise<void>) =>
      faults.push(new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, fleetStarted + fraction * options.durationS * 1000 - Date.now()))).then(action));
    if (options.restartBroker && broker) {
      at(0.4, async () => {
        events.push({ atS: atS(), what: 'broker SIGTERM' });
        log('restarting the broker');
        await broker.stop();
        await broker.run();
        events.push({ atS: atS(), what: 'broker back' });
      });
    }
    if (options.killCollector) {
      at(0.65, async () => {
        events.push({ atS: atS(), what: 'collector a SIGKILL' });
        log('SIGKILL collector a');
        await collectors[0]!.scrape();
        collectors[0]!.kill();
        await new Promise((resolve) => setTimeout(resolve, 5000));
        await collectors[0]!.start();
        meter.baseline(collectors[0]!.process?.child.pid);
        events.push({ atS: atS(), what: 'collector a back' });
      });
    }
    const exit = await runner.exited;
    await Promise.all(faults);
    clearInterval(printer);
    log(`fleet exited (${exit.code}); waiting for the rows`);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as FleetReport;
    const expected = report.sequences.flatMap((entry) => entry.boots.filter((boot) => boot.lastSeq !== null).map((boot) => ({ node: entry.node, boot: boot.boot, lastSeq: boot.lastSeq! })));
    const coverage = await waitForCoverage(db, expected, SETTLE_TIMEOUT_MS);
    clearInterval(sampler);
    await Promise.all(collectors.map((collector) => collector.scrape()));
    const fleetStartS = report.durationS; // the run window, for rates
    const firstFault = events[0]?.atS ?? null;
    const stats = await storedStats(db, started, { fromS: (fleetStarted - started) / 1000 + STEADY_AFTER_S, untilS: firstFault });
    const collectorStats = collectors.map((collector) => ({
      clientId: collector.clientId,
      messagesReceived: collector.received,
      messagesPerS: Math.round(collector.received / Math.max(1, fleetStartS)),
      peakRssMiB: mib(meter.peakRss.get(`collector-${collector.clientId.slice(-1)}`) ?? 0),
      // From "consuming" on: start-up (loading and compiling the code, migrations) is left out.
      cpuSeconds: Math.round((meter.cpuS.get(`collector-${collector.clientId.slice(-1)}`) ?? 0) * 10) / 10,
      cpuMsPerMessage: Math.round(((meter.cpuS.get(`collector-${collector.clientId.slice(-1)}`) ?? 0) / Math.max(1, collector.received)) * 1e5) / 100,
      batchMeanMs: collector.batches > 0 ? Math.round((collector.batchSecondsSum / collector.batches) * 1000) : null,
      duplicatesDiscarded: collector.duplicates,
    }));
    return {
      nodes: options.nodes,
      durationS: options.durationS,
      churn: options.churn,
      broker: options.brokerUrl ?? 'mosquitto started by the bench (persistence, max_queued_messages 100000, max_inflight_messages 1000)',
      faults: events,
      fleet: {
        publishPerS: report.publish.messagesPerS,
        sequencedPerS: report.publish.sequencedPerS,
        peakPublishPerS: report.publish.peakMessagesPerS,
        reconnects: report.reconnects,
        backlog: report.backlog,
        churnEvents: report.churnEvents,
        memoryPerNodeKiB: report.memory.rssPerNodeKiB,
        heapPerNodeKiB: report.memory.heapPerNodeKiB,
        fleetRssPeakMiB: report.memory.rssPeakMiB,
        cpuPercent: report.cpuPercent,
        undelivered: report.undelivered,
        modelPerNodePerS: report.modelPerNodePerS,
      },
      stored: stats,
      sequences: { ...coverage, ok: coverage.missing === 0 && report.undelivered === 0 },
      collectors: collectorStats,
      brokerPeakRssMiB: mib(meter.peakRss.get('broker') ?? 0),
      databaseBackendsCpuSeconds: Math.round([...dbCpu.cpuS.values()].reduce((a, b) => a + b, 0) * 10) / 10,
      brokerCpuSeconds: Math.round((meter.cpuS.get('broker') ?? 0) * 10) / 10,
      wallSeconds: atS(),
    };
  } finally {
    await fleet?.stop();
    await Promise.all(collectors.map((collector) => collector.stop()));
    await broker?.stop();
    if (options.keepDatabase) log(`database kept: ${db.url}`);
    else await db.drop();
  }
}

async function sampleDatabaseBackends(db: TestDatabase, meter: UsageMeter): Promise<void> {
  try {
    const rows = await db.rows<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [db.name]);
    for (const { pid } of rows) meter.sample(`backend-${pid}`, pid);
  } catch {
    // the database is busy or restarting: the next sample counts it
  }
}

/** Waits until every expected (node, boot, seq) is stored or the time is up; returns what is missing. */
async function waitForCoverage(db: TestDatabase, expected: Array<{ node: string; boot: number; lastSeq: number }>, timeoutMs: number): Promise<{ expected: number; stored: number; missing: number; unexpected: number; bootsIncomplete: string[] }> {
  const total = expected.reduce((sum, entry) => sum + entry.lastSeq + 1, 0);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await db.rows<{ stored: string; unexpected: string }>(
      `WITH e AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS x(node, boot, last_seq))
       SELECT (SELECT count(*) FROM received_messages r JOIN e USING (node, boot) WHERE r.seq BETWEEN 0 AND e.last_seq) AS stored,
              (SELECT count(*) FROM received_messages r LEFT JOIN e USING (node, boot) WHERE e.node IS NULL OR r.seq > e.last_seq) AS unexpected`,
      [expected.map((entry) => entry.node), expected.map((entry) => entry.boot), expected.map((entry) => entry.lastSeq)],
    );
    const stored = Number(row!.stored);
    if (stored === total || Date.now() > deadline) {
      const incomplete = await db.rows<{ node: string; boot: string; have: string; last_seq: string }>(
        `WITH e AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS x(node, boot, last_seq))
         SELECT e.node, e.boot, e.last_seq, (SELECT count(*) FROM received_messages r WHERE r.node = e.node AND r.boot = e.boot AND r.seq <= e.last_seq) AS have
         FROM e WHERE (SELECT count(*) FROM received_messages r WHERE r.node = e.node AND r.boot = e.boot AND r.seq <= e.last_seq) < e.last_seq + 1 LIMIT 20`,
        [expected.map((entry) => entry.node), expected.map((entry) => entry.boot), expected.map((entry) => entry.lastSeq)],
      );
      return { expected: total, stored, missing: total - stored, unexpected: Number(row!.unexpected), bootsIncomplete: incomplete.map((entry) => `${entry.node}/${entry.boot}: ${entry.have} of ${Number(entry.last_seq) + 1}`) };
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * Rows stored per second, and publish → row latency of live messages, over the run and in the steady
 * window (from STEADY_AFTER_S into the fleet's run to the first fault; seconds from the bench's start).
 */
async function storedStats(db: TestDatabase, startedMs: number, steady: { fromS: number; untilS: number | null }): Promise<Record<string, unknown>> {
  await db.rows('ANALYZE');
  const [counts] = await db.rows<Record<string, string>>(
    `SELECT (SELECT count(*) FROM received_messages) AS sequenced, (SELECT count(*) FROM node_health) AS health,
            (SELECT count(*) FROM received_messages WHERE historical) AS historical,
            (SELECT extract(epoch FROM max(received_at) - min(received_at)) FROM received_messages) AS span_s`,
  );
  const latencySql = (where: string) => `
    WITH l AS (
      SELECT r.received_at, extract(epoch FROM r.received_at - s.ts) * 1000 AS ms FROM received_messages r JOIN signal_states s USING (node, boot, seq) WHERE NOT r.historical ${where}
      UNION ALL
      SELECT r.received_at, extract(epoch FROM r.received_at - e.ts) * 1000 FROM received_messages r JOIN events e USING (node, boot, seq) WHERE NOT r.historical ${where}
      UNION ALL
      SELECT r.received_at, extract(epoch FROM r.received_at - (c.period_start + make_interval(secs => c.period_s))) * 1000
        FROM received_messages r JOIN counts c USING (node, boot, seq) WHERE NOT r.historical AND c.line = 'stop' AND c.direction = 'lr' ${where}
    )
    SELECT count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max FROM l`;
  const at = (seconds: number) => new Date(startedMs + seconds * 1000);
  const [all] = await db.rows(latencySql(''));
  const [steadyLatency] = await db.rows(latencySql(`AND r.received_at >= $1 AND r.received_at < $2`), [at(steady.fromS), steady.untilS === null ? new Date() : at(steady.untilS)]);
  const perSecond = await db.rows<{ n: string }>(`SELECT count(*) AS n FROM received_messages GROUP BY date_trunc('second', received_at)`);
  // Bytes on disk per row (table, indexes, TOAST), for sizing storage.
  const sizes = await db.rows<{ table: string; rows: string; bytes: string }>(
    `SELECT c.relname AS table, c.reltuples::bigint AS rows, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
     WHERE c.relname IN ('received_messages', 'counts', 'signal_states', 'events', 'node_health') AND c.relkind = 'r'`,
  );
  const spanS = Number(counts!.span_s) || 1;
  const sequenced = Number(counts!.sequenced);
  const health = Number(counts!.health);
  return {
    sequencedRows: sequenced,
    healthRows: health,
    historicalRows: Number(counts!.historical),
    /** Numbered messages stored per second between the first and the last one. */
    sequencedPerS: Math.round(sequenced / spanS),
    /** Numbered and health messages together. */
    messagesPerS: Math.round((sequenced + health) / spanS),
    busiestSecondSequenced: Math.max(0, ...perSecond.map((row) => Number(row.n))),
    latencyMs: { messages: Number(all!.n), p50: ms(all!.p50), p99: ms(all!.p99), max: ms(all!.max) },
    bytesPerRow: Object.fromEntries(sizes.map((row) => [row.table, Number(row.rows) > 0 ? Math.round(Number(row.bytes) / Number(row.rows)) : null])),
    steadyLatencyMs: { messages: Number(steadyLatency!.n), p50: ms(steadyLatency!.p50), p99: ms(steadyLatency!.p99), max: ms(steadyLatency!.max), window: `${Math.round(steady.fromS)}..${steady.untilS ?? 'end'} s` },
  };
}

const ms = (value: unknown) => (value === null ? null : Math.round(Number(value)));
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: String(FLEET_BENCH_DEFAULTS.nodes) },
      duration: { type: 'string', default: String(FLEET_BENCH_DEFAULTS.durationS) },
      rate: { type: 'string' },
      churn: { type: 'string', default: FLEET_BENCH_DEFAULTS.churn },
      broker: { type: 'string' },
      'no-restart': { type: 'boolean', default: false },
      'no-kill': { type: 'boolean', default: false },
      out: { type: 'string' },
      'keep-db': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const result = await measureFleet({
    nodes: Number(values.nodes),
    durationS: Number(values.duration),
    ...(values.rate === undefined ? {} : { rate: Number(values.rate) }),
    churn: values.churn!,
    ...(values.broker === undefined ? {} : { brokerUrl: values.broker }),
    restartBroker: !values['no-restart'] && values.broker === undefined,
    killCollector: !values['no-kill'],
    keepDatabase: values['keep-db'],
    log: (line) => process.stderr.write(`[fleet-bench] ${line}\n`),
  });
  const text = JSON.stringify(result, null, 2);
  if (values.out) writeFileSync(values.out, text + '\n');
  process.stdout.write(text + '\n');
  return (result.sequences as { ok: boolean }).ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`fleet-bench: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
