import { parseArgs } from 'node:util';
import { DEFAULT_PREFIX, SequenceTracker, decodeTopicMessage } from '../../protocol/index.js';
import { RealClock } from '../hal/real-clock.js';
import { createLogger } from '../log.js';
import { MqttSession } from '../telemetry/mqtt-session.js';
import { defaultBrokerUrl } from './broker-url-file.js';
import { UsageError, type CommandIo } from './command.js';

export const SUB_HELP = `nutgiao sub [--broker URL] [--topic FILTER] [--prefix PREFIX] [--count N]

Subscribes to NutGiao telemetry and prints each message decoded as one JSON line:
  {"topic":…,"retained":false,"message":{…},"sequence":"next"}
"sequence" flags what the receiver sees of the node's numbering: first, next, gap (with "missing":
{"from","to"}), restart (new boot id), duplicate or late. Undecodable payloads print {"topic","error"}.

  --broker URL     default: the broker of a node started here with 'nutgiao start' (var/broker.url),
                   else mqtt://127.0.0.1:1883
  --topic FILTER   default: PREFIX/#
  --prefix PREFIX  topic prefix of the nodes, default ${DEFAULT_PREFIX}
  --count N        exit after N messages`;

export async function subCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      broker: { type: 'string' },
      topic: { type: 'string' },
      prefix: { type: 'string', default: DEFAULT_PREFIX },
      count: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(SUB_HELP);
    return 0;
  }
  const limit = values.count === undefined ? Infinity : Number(values.count);
  if (!(limit > 0) || !Number.isInteger(limit) && limit !== Infinity) throw new UsageError('--count: must be a whole number above 0');
  const prefix = values.prefix!;
  const url = values.broker ?? (await defaultBrokerUrl(io.cwd));
  const filter = values.topic ?? `${prefix}/#`;
  const log = createLogger('edge:sub');
  const tracker = new SequenceTracker();
  const session = new MqttSession({
    url,
    clientId: `nutgiao-sub-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    keepaliveS: 30,
    connectTimeoutS: 10,
    protocol: 'auto',
    reconnect: { minMs: 500, maxMs: 10_000 },
    maxQueued: 1,
    clock: new RealClock(),
    log,
  });
  let printed = 0;
  const done = new Promise<void>((resolve) => {
    session.onMessage((topic, payload, { retained }) => {
      const decoded = decodeTopicMessage(prefix, topic, payload);
      if (!decoded.ok) {
        io.out(JSON.stringify({ topic, retained, error: decoded.error }));
      } else {
        const message = decoded.message as Record<string, unknown>;
        const line: Record<string, unknown> = { topic, retained, message };
        if (typeof message.seq === 'number' && typeof message.boot === 'number' && typeof message.node === 'string' && !retained) {
          const seen = tracker.observe(`${decoded.topic.site}/${message.node}`, message.boot, message.seq);
          line.sequence = seen.status;
          if (seen.missing) line.missing = seen.missing;
        }
        io.out(JSON.stringify(line));
      }
      if (++printed >= limit) resolve();
    });
    io.onInterrupt(resolve);
  });
  session.subscribe(filter, 1);
  log.info(`subscribing to ${filter} on ${url}`);
  session.start();
  await done;
  await session.stop();
  return 0;
}
