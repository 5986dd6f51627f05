import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeChurn, parseChurnSpec, NO_CHURN } from '../../sim/fleet/churn-spec.js';
import { DEFAULT_FLEET_OPTIONS, runFleet, type FleetOptions } from '../../sim/fleet/fleet-runner.js';
import type { CommandKey } from '../config/commands-schema.js';
import { UsageError, parseNumberOption, type CommandIo } from './command.js';

export const FLEET_HELP = `nutgiao fleet --nodes N --broker URL --duration SECONDS [--rate MSGS_PER_NODE_PER_S] [--seed S] [--churn SPEC] [--report FILE.json]

A city of simulated nodes against a real broker: each node has its own MQTT connection, client id, boot
id and durable outbox, and sends through the node's own telemetry code (birth, death as last will,
counts, signal, events, health), fed by a traffic model instead of cameras: seeded Poisson arrivals per
approach, the example intersection's ring as a fixed-time plan. Nodes are spread over worker threads.
Prints progress every 10 s, then a summary; the full report (with every node's boots and last sequence
numbers, for checking a receiver) goes to --report.

  --nodes N           simulated nodes
  --broker URL        mqtt://HOST:PORT (plain TCP: each node's link runs through a proxy that can cut it)
  --duration SECONDS  how long the nodes publish; then each outbox is emptied (at most --drain) and
                      each node stops cleanly
  --rate R            messages per node per second, the default mix scaled to it (default: the node's
                      own rates: health every telemetry.healthIntervalS, 4 cameras' counts every
                      countPeriodS, a signal message per plan step, about 2 safety events an hour)
  --seed S            seeds traffic, plan offsets and churn (default ${DEFAULT_FLEET_OPTIONS.seed})
  --churn SPEC        comma-separated: disconnect:RATE[:DOWN] (links dropped, refused for DOWN),
                      reboot:RATE[:DOWN] (power cut: last will, new boot id, outbox kept; back after DOWN,
                      default 3s), storm:AT (every link dropped at once at AT, as in a broker restart).
                      RATE N/h or N/min per node; times N s, N ms, N min.
                      Example: disconnect:6/h:5s,reboot:1/h,storm:60s
  --workers N         worker threads (default one per CPU)
  --state-dir DIR     where the nodes keep boot ids and outboxes (default a temporary folder, removed)
  --drain SECONDS     longest wait for the outboxes to empty at the end (default ${DEFAULT_FLEET_OPTIONS.drainS})
  --linger SECONDS    then the nodes stay connected without traffic this long, answering replay requests
                      for gaps a receiver finds late (default ${DEFAULT_FLEET_OPTIONS.lingerS})
  --nodes-per-site N  nodes per site (default ${DEFAULT_FLEET_OPTIONS.nodesPerSite}); topics are nutgiao/v1/SITE/NODE/…
  --report FILE.json  write the whole report
  --command-key ID=PUBLIC_KEY
                      a key the nodes take signed commands from (commands.keys), e.g. the collector's
                      replay key: nutgiao cmd keygen prints it; without one, signed replays are refused

Node logs go to stderr at NUTGIAO_LOG (default error here: a thousand nodes each saying "connected" is noise).
Exit 0 when every numbered message was acknowledged by the broker, 1 when some were still undelivered.`;

export async function fleetCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      broker: { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string', default: String(DEFAULT_FLEET_OPTIONS.seed) },
      churn: { type: 'string', default: 'none' },
      workers: { type: 'string' },
      'state-dir': { type: 'string' },
      drain: { type: 'string', default: String(DEFAULT_FLEET_OPTIONS.drainS) },
      linger: { type: 'string', default: String(DEFAULT_FLEET_OPTIONS.lingerS) },
      'nodes-per-site': { type: 'string', default: String(DEFAULT_FLEET_OPTIONS.nodesPerSite) },
      report: { type: 'string' },
      'command-key': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(FLEET_HELP);
    return 0;
  }
  if (values.nodes === undefined) throw new UsageError('--nodes N is required, e.g. --nodes 1000');
  if (values.broker === undefined) throw new UsageError('--broker URL is required, e.g. --broker mqtt://127.0.0.1:1883');
  if (values.duration === undefined) throw new UsageError('--duration SECONDS is required, e.g. --duration 120');
  if (!/^(mqtt|tcp):\/\/[^/]+/.test(values.broker)) throw new UsageError(`--broker: expected mqtt://HOST:PORT, got ${JSON.stringify(values.broker)}`);
  let churn = NO_CHURN;
  try {
    churn = parseChurnSpec(values.churn!);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const options: FleetOptions = {
    nodes: parseNumberOption('--nodes', values.nodes, { integer: true, min: 1, max: 100_000 }),
    brokerUrl: values.broker,
    durationS: parseNumberOption('--duration', values.duration, { min: 1, max: 7 * 86_400 }),
    seed: parseNumberOption('--seed', values.seed!, { integer: true, min: 0, max: 2 ** 31 - 1 }),
    churn,
    drainS: parseNumberOption('--drain', values.drain!, { min: 0, max: 3600 }),
    lingerS: parseNumberOption('--linger', values.linger!, { min: 0, max: 3600 }),
    nodesPerSite: parseNumberOption('--nodes-per-site', values['nodes-per-site']!, { integer: true, min: 1, max: 100_000 }),
    progressS: DEFAULT_FLEET_OPTIONS.progressS,
    progress: (line) => io.out(line),
    logLevel: io.env.NUTGIAO_LOG ?? DEFAULT_FLEET_OPTIONS.logLevel,
    commandKeys: values['command-key']!.map(parseCommandKey),
  };
  if (values.rate !== undefined) options.rate = parseNumberOption('--rate', values.rate, { min: 0.001, max: 1000 });
  if (values.workers !== undefined) options.workers = parseNumberOption('--workers', values.workers, { integer: true, min: 1, max: 256 });
  if (values['state-dir'] !== undefined) options.stateDir = resolve(io.cwd, values['state-dir']);
  const stormLate = churn.stormsAtMs.find((at) => at >= options.durationS * 1000);
  if (stormLate !== undefined) throw new UsageError(`--churn: storm at ${stormLate / 1000} s is not within --duration ${options.durationS} s`);

  io.out(`fleet: ${options.nodes} nodes → ${options.brokerUrl} for ${options.durationS} s, ${options.rate === undefined ? 'default rates' : `${options.rate} msg/s per node`}, churn ${describeChurn(churn)}`);
  const report = await runFleet(options);
  if (values.report !== undefined) await writeFile(resolve(io.cwd, values.report), JSON.stringify(report, null, 2) + '\n');
  const { publish, reconnects, backlog, memory } = report;
  io.out(
    `fleet: ${report.nodes} nodes on ${report.workers} workers, ${report.durationS} s | published ${publish.messagesPerS} msg/s (numbered ${publish.sequencedPerS}/s, peak ${publish.peakMessagesPerS}/s)` +
      ` | reconnects ${reconnects.count} p50 ${reconnects.p50Ms ?? '-'} ms p99 ${reconnects.p99Ms ?? '-'} ms | backlog peak ${backlog.fleetPeak} (one node ${backlog.nodePeakMax})` +
      ` | ${memory.rssPerNodeKiB} KiB RSS per node | cpu ${report.cpuPercent} % | undelivered ${report.undelivered}`,
  );
  return report.undelivered === 0 ? 0 : 1;
}

/** `ID=BASE64` (the public key as `nutgiao cmd keygen` prints it). */
function parseCommandKey(text: string): CommandKey {
  const split = text.indexOf('=');
  const id = text.slice(0, split);
  const publicKey = text.slice(split + 1);
  if (split <= 0 || !/^[A-Za-z0-9_.:-]{1,64}$/.test(id) || !/^[A-Za-z0-9+/]{43}=$/.test(publicKey)) {
    throw new UsageError(`--command-key: expected ID=PUBLIC_KEY (the base64 public key nutgiao cmd keygen prints), got ${JSON.stringify(text)}`);
  }
  return { id, publicKey };
}
