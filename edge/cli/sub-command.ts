import { parseArgs } from 'node:util';
import {
  BirthRegistry,
  DEFAULT_PREFIX,
  HeldForBirth,
  SequenceTracker,
  decodeTopicMessage,
  subscriptionFilter,
  topicMatchesFilter,
  type SequenceObservation,
  type TopicDecodeResult,
} from '../../protocol/index.js';
import { RealClock } from '../hal/real-clock.js';
import { createLogger } from '../log.js';
import { LossLedger, droppedReportOf } from '../telemetry/loss-ledger.js';
import { MqttSession } from '../telemetry/mqtt-session.js';
import { defaultBrokerUrl } from './broker-url-file.js';
import { UsageError, type CommandIo } from './command.js';

/** How long (default), and how many, messages wait for their node's birth before they are printed as refused. */
const HOLD_S = 30;
const HOLD_MAX = 10_000;

export const SUB_HELP = `nutgiao sub [--broker URL] [--topic FILTER] [--prefix PREFIX] [--count N] [--birth-wait S]

Subscribes to NutGiao telemetry and prints each message decoded as one JSON line:
  {"topic":…,"retained":false,"message":{…},"sequence":"next"}
"sequence" flags what the receiver sees of the node's numbering: first, next, gap (with "missing":
{"from","to"}), restart (new boot id), duplicate or late. Messages the node sends again from its
durable log carry "historical":true and are tracked per boot, so a backlog from an earlier boot is not
read as a restart. A gap that a telemetry.dropped event names is loss the node reported: the gap line
then carries "explained":{"reason"}, and when the event comes after the gap a line
{"explained":{"node","boot","from","to","reason"}} follows. Undecodable payloads print {"topic","error"}.
v2 (compact) messages are read with the structures of their node's birth, taken from the retained
state topic (subscribed to as well when FILTER does not cover it, without printing what it alone
brings). A message that comes before its birth is held (at most ${HOLD_MAX} messages) and printed when
the birth arrives; past --birth-wait it prints {"topic","error","refused"}.

  --broker URL     default: the broker of a node started here with 'nutgiao start' (var/broker.url),
                   else mqtt://127.0.0.1:1883
  --topic FILTER   default: PREFIX/#
  --prefix PREFIX  topic prefix of the nodes, default ${DEFAULT_PREFIX}
  --count N        exit after N messages
  --birth-wait S   how long a message waits for its node's birth, default ${HOLD_S}`;

interface Arrival {
  topic: string;
  payload: Buffer;
  retained: boolean;
}

export async function subCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      broker: { type: 'string' },
      topic: { type: 'string' },
      prefix: { type: 'string', default: DEFAULT_PREFIX },
      count: { type: 'string' },
      'birth-wait': { type: 'string', default: String(HOLD_S) },
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
  const holdS = Number(values['birth-wait']);
  if (!(holdS > 0) || !Number.isFinite(holdS)) throw new UsageError('--birth-wait: must be a number of seconds above 0');
  const prefix = values.prefix!;
  const url = values.broker ?? (await defaultBrokerUrl(io.cwd));
  const filter = values.topic ?? `${prefix}/#`;
  const log = createLogger('edge:sub');
  const tracker = new SequenceTracker();
  const ledger = new LossLedger();
  /** The boot each node publishes live from: historical messages of other boots are tracked apart. */
  const liveBoot = new Map<string, number>();
  // Numbers are tracked per node and boot, so an earlier boot's backlog arriving between live messages is
  // neither a restart nor a gap; a restart is a live message of a boot other than the last live one.
  const observe = (node: string, boot: number, seq: number, historical: boolean): SequenceObservation => {
    const seen = tracker.observe(`${node}@${boot}`, boot, seq);
    const previousBoot = liveBoot.get(node);
    if (historical) return seen;
    liveBoot.set(node, boot);
    if (seen.status !== 'first' || previousBoot === undefined || previousBoot === boot) return seen;
    return seq > 0 ? { status: 'restart', previousBoot, missing: { from: 0, to: seq - 1 } } : { status: 'restart', previousBoot };
  };
  const session = new MqttSession({
    url,
    clientId: `nutgiao-sub-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    keepaliveS: 30,
    connectTimeoutS: 10,
    protocol: 'auto',
    reconnect: { minMs: 500, maxMs: 10_000 },
    clock: new RealClock(),
    log,
  });
  const births = new BirthRegistry();
  const clock = new RealClock();
  const held = new HeldForBirth<Arrival>({ maxMessages: HOLD_MAX, maxAgeMs: holdS * 1000, now: () => clock.now() });
  // The births must reach this receiver even when the filter names only some kinds.
  const birthFilter = subscriptionFilter(prefix, { kind: 'state' });
  const filterCoversBirths = topicMatchesFilter(filter, `${prefix}/site/node/state`);
  let printed = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const counted = () => {
    if (++printed >= limit) finish();
  };
  const refuse = (arrival: Arrival, why: string) => {
    const decoded = decodeTopicMessage(prefix, arrival.topic, arrival.payload, births);
    const error = decoded.ok ? 'decoded only after it was refused' : decoded.error;
    io.out(JSON.stringify({ topic: arrival.topic, retained: arrival.retained, error, refused: why }));
    counted();
  };
  const receive = (arrival: Arrival, heldAt?: number): void => {
    const { topic, payload, retained } = arrival;
    const decoded = decodeTopicMessage(prefix, topic, payload, births);
    if (!decoded.ok && decoded.missingBirth) {
      const site = topic.slice(prefix.length + 1).split('/')[0]!;
      for (const overflow of held.hold(site, decoded.missingBirth.node, arrival, heldAt)) refuse(overflow, `more than ${HOLD_MAX} messages waited for their birth`);
      return;
    }
    if (!filterCoversBirths && !topicMatchesFilter(filter, topic)) {
      // Only the birth subscription brought it: learnt above, not printed.
      if (decoded.ok) releaseHeld(decoded);
      return;
    }
    print(arrival, decoded);
    if (decoded.ok) releaseHeld(decoded);
  };
  const releaseHeld = (decoded: Extract<TopicDecodeResult, { ok: true }>) => {
    if (decoded.kind !== 'state') return;
    for (const waiting of held.release(decoded.topic.site, decoded.topic.node)) receive(waiting.item, waiting.heldAt);
  };
  const print = (arrival: Arrival, decoded: TopicDecodeResult): void => {
    const { topic, retained } = arrival;
    if (!decoded.ok) {
      io.out(JSON.stringify({ topic, retained, error: decoded.error }));
    } else {
      const message = decoded.message as Record<string, unknown>;
      const line: Record<string, unknown> = { topic, retained, message };
      if (typeof message.seq === 'number' && typeof message.boot === 'number' && typeof message.node === 'string' && !retained) {
        const node = `${decoded.topic.site}/${message.node}`;
        const historical = message.historical === true;
        if (historical) line.historical = true;
        const seen = observe(node, message.boot, message.seq, historical);
        line.sequence = seen.status;
        if (seen.previousBoot !== undefined) line.previousBoot = seen.previousBoot;
        if (seen.missing) {
          line.missing = seen.missing;
          const explanation = ledger.gap(node, message.boot, seen.missing);
          if (explanation) line.explained = { reason: explanation.reason };
        }
        if (seen.status === 'late') ledger.filled(node, message.boot, message.seq);
      }
      io.out(JSON.stringify(line));
      const dropped = decoded.kind === 'event' && !retained ? droppedReportOf(message) : undefined;
      if (dropped) {
        const node = `${decoded.topic.site}/${message.node as string}`;
        for (const explained of ledger.reportDropped(node, dropped.boot, dropped)) io.out(JSON.stringify({ explained }));
      }
    }
    counted();
  };
  session.onMessage((topic, payload, { retained }) => receive({ topic, payload, retained }));
  io.onInterrupt(finish);
  const expiry = setInterval(() => {
    for (const arrival of held.expired()) refuse(arrival, `its birth did not arrive within ${holdS} s`);
  }, Math.min(1000, holdS * 500));
  session.subscribe(filter, 1);
  if (!filterCoversBirths) session.subscribe(birthFilter, 1);
  log.info(`subscribing to ${filter} on ${url}`);
  session.start();
  await done;
  clearInterval(expiry);
  await session.stop();
  return 0;
}
