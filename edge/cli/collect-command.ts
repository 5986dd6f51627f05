import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_PREFIX, isValidId, prefixProblem } from '../../protocol/topics.js';
import { Collector, DEFAULT_COLLECTOR_OPTIONS } from '../collector/collector.js';
import { createLogger } from '../log.js';
import { UsageError, parseNumberOption, type CommandIo } from './command.js';

export const COLLECT_HELP = `nutgiao collect --broker URL --db postgres://USER@HOST/DB [--share GROUP] [options]

The reference central collector. Subscribes to every node's telemetry with an MQTT 5 shared subscription
($share/GROUP/PREFIX/+/+/+), so several collectors with the same GROUP split the load; decodes and
validates each message, stores counts, signal states, events, health and node state in PostgreSQL in
batched transactions (schema migrated at start; TimescaleDB hypertables when the extension exists), and
acknowledges a message to the broker only after its rows are committed. Duplicates (same node, boot,
seq) are stored once; confirmed sequence gaps are recorded and, with a key, replayed from the node.

  --broker URL          MQTT 5 broker, e.g. mqtt://broker:1883
  --db URL              PostgreSQL connection string
  --share GROUP         shared-subscription group (default ${DEFAULT_COLLECTOR_OPTIONS.shareGroup})
  --client-id ID        MQTT client id; keep it stable across restarts so the broker redelivers what
                        was not acknowledged (default nutgiao-collector-HOSTNAME-GROUP)
  --prefix P            topic prefix (default ${DEFAULT_PREFIX})
  --batch-size N        messages per transaction at most (default ${DEFAULT_COLLECTOR_OPTIONS.batchSize})
  --batch-ms MS         longest wait before a partial batch is written (default ${DEFAULT_COLLECTOR_OPTIONS.batchMs})
  --metrics-port N      HTTP port for /metrics (Prometheus) and /health; 0 any free port (default 9464)
  --key FILE --key-id ID
                        Ed25519 command key (nutgiao cmd keygen) to sign replay requests for gaps; also
                        NUTGIAO_COLLECTOR_KEY_FILE and NUTGIAO_COLLECTOR_KEY_ID. Without one, gaps are
                        only recorded (table sequence_gaps).
  --gap-grace-ms MS     wait before checking a sequence jump against the database (default ${DEFAULT_COLLECTOR_OPTIONS.gaps.graceMs})

Prints one line when it is consuming; runs until Ctrl-C / SIGTERM, then writes what it holds and stops.`;

export async function collectCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      broker: { type: 'string' },
      db: { type: 'string' },
      share: { type: 'string', default: DEFAULT_COLLECTOR_OPTIONS.shareGroup },
      'client-id': { type: 'string' },
      prefix: { type: 'string', default: DEFAULT_PREFIX },
      'batch-size': { type: 'string', default: String(DEFAULT_COLLECTOR_OPTIONS.batchSize) },
      'batch-ms': { type: 'string', default: String(DEFAULT_COLLECTOR_OPTIONS.batchMs) },
      'metrics-port': { type: 'string', default: '9464' },
      key: { type: 'string' },
      'key-id': { type: 'string' },
      'gap-grace-ms': { type: 'string', default: String(DEFAULT_COLLECTOR_OPTIONS.gaps.graceMs) },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(COLLECT_HELP);
    return 0;
  }
  if (!values.broker) throw new UsageError('--broker URL is required, e.g. --broker mqtt://127.0.0.1:1883');
  if (!values.db) throw new UsageError('--db URL is required, e.g. --db postgres://collector@127.0.0.1/nutgiao');
  if (!/^postgres(ql)?:\/\//.test(values.db)) throw new UsageError(`--db: expected a postgres:// URL, got ${JSON.stringify(redactPassword(values.db))}`);
  if (!isValidId(values.share)) throw new UsageError(`--share: ${JSON.stringify(values.share)} is invalid: expected 1-64 of A-Z a-z 0-9 _ -`);
  const prefixError = prefixProblem(values.prefix);
  if (prefixError) throw new UsageError(`--prefix: ${prefixError}`);
  const keyFile = values.key ?? io.env.NUTGIAO_COLLECTOR_KEY_FILE;
  const keyId = values['key-id'] ?? io.env.NUTGIAO_COLLECTOR_KEY_ID;
  if ((keyFile === undefined) !== (keyId === undefined)) throw new UsageError('--key and --key-id go together (or NUTGIAO_COLLECTOR_KEY_FILE and NUTGIAO_COLLECTOR_KEY_ID)');
  const clientId = values['client-id'] ?? `nutgiao-collector-${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}-${values.share}`;
  const collector = new Collector({
    ...DEFAULT_COLLECTOR_OPTIONS,
    brokerUrl: values.broker,
    databaseUrl: values.db,
    shareGroup: values.share!,
    clientId,
    prefix: values.prefix!,
    batchSize: parseNumberOption('--batch-size', values['batch-size']!, { integer: true, min: 1, max: 50_000 }),
    batchMs: parseNumberOption('--batch-ms', values['batch-ms']!, { min: 1, max: 60_000 }),
    metricsPort: parseNumberOption('--metrics-port', values['metrics-port']!, { integer: true, min: 0, max: 65_535 }),
    signer: keyFile !== undefined ? { keyId: keyId!, privateKey: await readFile(keyFile, 'utf8') } : null,
    gaps: { ...DEFAULT_COLLECTOR_OPTIONS.gaps, graceMs: parseNumberOption('--gap-grace-ms', values['gap-grace-ms']!, { min: 0, max: 600_000 }) },
    log: createLogger('collector'),
  });
  const stopped = new Promise<void>((resolve) => io.onInterrupt(() => resolve()));
  await collector.start();
  io.out(
    `collector ${clientId} consuming ${collector.subscription} from ${values.broker} into ${redactPassword(values.db)}` +
      (collector.metricsEndpoint ? ` | metrics ${collector.metricsEndpoint}/metrics` : '') +
      (keyFile ? ' | gaps replayed' : ' | gaps recorded only (no key)'),
  );
  await stopped;
  await collector.stop();
  return 0;
}

function redactPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
