/**
 * Standard MessagePack encode/decode, validated against the v1 schemas on both sides. Counts, signal,
 * health and event go out as v2 (compact-wire.ts) when the encoder is given the node's structures, and
 * are read back into the same v1-shaped objects with the structures of the node's birth. The wire
 * format uses no extension types, so any MessagePack library can read it.
 */
import { Packr, Unpackr, type Options } from 'msgpackr';
import type { BirthRegistry } from './birth-registry.js';
import { COMPACT_KINDS, COMPACT_WIRE_VERSION, fromCompactWire, toCompactWire, type CompactKind } from './compact-wire.js';
import { MESSAGE_SCHEMAS, SCHEMA_VERSION, type MessageByKind, type WireStructures } from './messages.js';
import { ProtocolError } from './protocol-error.js';
import { compileValidator, type Validator } from './schema-validator.js';
import { isTopicKind, parseTopic, TOPIC_KINDS, type ParsedTopic, type TopicKind } from './topics.js';
import { scanWire } from './wire-scan.js';

export { ProtocolError } from './protocol-error.js';

/** Larger payloads are refused on both sides: no v1 message comes near it, and it bounds decoder work. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** A v2 message whose birth the receiver has not seen: hold it until that birth arrives, or refuse it. */
export interface MissingBirth {
  node: string;
  boot: number;
  revision: number;
}

export type DecodeFailure = { ok: false; error: string; missingBirth?: MissingBirth };
export type DecodeResult<T> = { ok: true; message: T } | DecodeFailure;

/** What a v2 payload does not carry itself: the node (the topic has it) and its birth's structures. */
export interface DecodeContext {
  node: string;
  /** The structures for a v2 message of `boot` whose `k` is `revision`; undefined when unknown. */
  structures: (boot: number, revision: number) => WireStructures | undefined;
}

/** A decoded message together with its topic; narrowing on `kind` narrows `message`. */
export type TopicMessage = {
  [K in TopicKind]: { kind: K; topic: ParsedTopic & { kind: K }; message: MessageByKind[K] };
}[TopicKind];

export type TopicDecodeResult = ({ ok: true } & TopicMessage) | DecodeFailure;

// skipValues drops undefined-valued fields (like JSON.stringify) instead of writing msgpackr's undefined
// extension; it is honoured by msgpackr 2.x but missing from its typings.
const packr = new Packr({
  useRecords: false,
  variableMapSize: true,
  encodeUndefinedAsNil: true,
  skipValues: [undefined],
} as Options & { skipValues: unknown[] });

// 64-bit integers come back as numbers: v1 integers (ms timestamps, byte counts) stay below 2^53.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

const validators = Object.fromEntries(TOPIC_KINDS.map((kind) => [kind, compileValidator(MESSAGE_SCHEMAS[kind])])) as Record<
  TopicKind,
  Validator
>;

export function isCompactKind(kind: TopicKind): kind is CompactKind {
  return (COMPACT_KINDS as readonly string[]).includes(kind);
}

/** The newest payload version this decoder reads for a kind. */
function newestVersion(kind: TopicKind): number {
  return isCompactKind(kind) ? COMPACT_WIRE_VERSION : SCHEMA_VERSION;
}

function versionProblem(message: unknown, newest: number): string | undefined {
  if (message === null || typeof message !== 'object') return undefined;
  const v = (message as { v?: unknown }).v;
  if (typeof v === 'number' && Number.isInteger(v) && v > newest) {
    return `schema version ${v} is newer than this decoder knows (${newest})`;
  }
  return undefined;
}

/** Message objects are v1-shaped whatever their wire: v2 exists only between encodeMessage and decodeMessage. */
function validate(kind: TopicKind, message: unknown): string | undefined {
  const problem = versionProblem(message, SCHEMA_VERSION) ?? validators[kind](message);
  return problem === undefined ? undefined : `${kind}: ${problem}`;
}

/**
 * Validates, then encodes; the returned Buffer is the caller's own (msgpackr reuses its output buffer).
 * With `structures`, counts, signal, health and event are sent as v2; a name missing from them is a
 * ProtocolError. Other kinds, and every kind without structures, are sent as v1.
 */
export function encodeMessage<K extends TopicKind>(kind: K, message: MessageByKind[K], structures?: WireStructures): Buffer {
  if (!isTopicKind(kind)) throw new ProtocolError(`unknown message kind ${JSON.stringify(kind)}`);
  const problem = validate(kind, message);
  if (problem !== undefined) throw new ProtocolError(problem);
  let value: unknown = message;
  if (structures !== undefined && isCompactKind(kind)) {
    const compact = toCompactWire(kind, message as never, structures);
    if (!compact.ok) throw new ProtocolError(`cannot encode as v2: ${compact.error}`);
    value = compact.value;
  }
  let bytes: Buffer;
  try {
    bytes = Buffer.from(packr.pack(value));
  } catch (error) {
    throw new ProtocolError(`${kind}: cannot encode: ${(error as Error).message}`);
  }
  if (bytes.length > MAX_PAYLOAD_BYTES) throw new ProtocolError(`${kind}: encoded size ${bytes.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  // Also rewrites integral float64s to 64-bit ints in our copy; refuses values (Date, typed arrays) that
  // msgpackr would write as extension types inside free-form `data`/`result`.
  const wireProblem = scanWire(bytes, true);
  if (wireProblem !== undefined) {
    throw new ProtocolError(`${kind}: cannot encode: ${wireProblem}; free-form fields may hold only maps, arrays, strings, numbers, booleans, null and bytes`);
  }
  return bytes;
}

/**
 * Never throws: any input gives either a valid message or an error naming what is wrong. A v2 payload
 * needs `context` (the node and its birth's structures); without them, or when the structures of its
 * boot and revision are unknown, the error names the missing birth and `missingBirth` says which.
 */
export function decodeMessage<K extends TopicKind>(kind: K, bytes: Uint8Array, context?: DecodeContext): DecodeResult<MessageByKind[K]> {
  try {
    return decodeOrFail(kind, bytes, context);
  } catch (error) {
    return { ok: false, error: `${String(kind)}: cannot decode: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function decodeOrFail<K extends TopicKind>(kind: K, bytes: Uint8Array, context: DecodeContext | undefined): DecodeResult<MessageByKind[K]> {
  if (!isTopicKind(kind)) return { ok: false, error: `unknown message kind ${JSON.stringify(kind)}` };
  if (!(bytes instanceof Uint8Array)) return { ok: false, error: `${kind}: payload must be bytes` };
  if (bytes.length > MAX_PAYLOAD_BYTES) {
    return { ok: false, error: `${kind}: payload of ${bytes.length} bytes exceeds the limit of ${MAX_PAYLOAD_BYTES}` };
  }
  const wireProblem = scanWire(bytes, false);
  if (wireProblem !== undefined) return { ok: false, error: `${kind}: not a v1 MessagePack payload: ${wireProblem}` };
  let value: unknown;
  try {
    value = unpackr.unpack(bytes);
  } catch (error) {
    return { ok: false, error: `${kind}: invalid MessagePack: ${(error as Error).message}` };
  }
  const versionTooNew = versionProblem(value, newestVersion(kind));
  if (versionTooNew !== undefined) return { ok: false, error: `${kind}: ${versionTooNew}` };
  if (isCompactKind(kind) && (value as { v?: unknown }).v === COMPACT_WIRE_VERSION) {
    const v1 = fromV2(kind, value as Record<string, unknown>, context);
    if (!v1.ok) return v1;
    value = v1.message;
  }
  const problem = validate(kind, value);
  if (problem !== undefined) return { ok: false, error: problem };
  return { ok: true, message: value as MessageByKind[K] };
}

/** The v1-shaped object of a v2 payload, read with the structures of its node's birth. */
function fromV2(kind: CompactKind, wire: Record<string, unknown>, context: DecodeContext | undefined): DecodeResult<unknown> {
  const { b: boot, k: revision } = wire;
  if (!isCount(boot) || !isCount(revision)) return { ok: false, error: `${kind}: v2 payload needs integers b (boot) and k (structures revision)` };
  if (context === undefined) {
    return { ok: false, error: `${kind}: a v2 payload names neither its node nor its names; decode it with the topic and the structures of the node's birth (decodeTopicMessage with a BirthRegistry)` };
  }
  const structures = context.structures(boot, revision);
  if (structures === undefined) {
    return {
      ok: false,
      error: `${kind}: v2 message of node "${context.node}" boot ${boot} needs the structures (revision ${revision}) of that node's birth, which this receiver has not seen; subscribe to its retained state topic`,
      missingBirth: { node: context.node, boot, revision },
    };
  }
  const v1 = fromCompactWire(kind, wire, context.node, structures);
  return v1.ok ? { ok: true, message: v1.value } : { ok: false, error: `${v1.error} (v2 payload)` };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * Parses the topic, decodes the payload as the topic's kind, and checks the two agree on node/site/command.
 * v2 payloads take their node from the topic and their structures from `births`, which this call also
 * feeds: a valid birth (state online with structures) is remembered there for its (site, node, boot).
 */
export function decodeTopicMessage(prefix: string, topic: string, bytes: Uint8Array, births?: BirthRegistry): TopicDecodeResult {
  const parsed = parseTopic(prefix, topic);
  if (!parsed.ok) return parsed;
  const { ok: _ok, ...topicParts } = parsed;
  const { site, node } = topicParts;
  const context: DecodeContext = { node, structures: (boot, revision) => births?.structuresFor(site, node, boot, revision) };
  const decoded = decodeMessage(topicParts.kind, bytes, context);
  if (!decoded.ok) return decoded;
  const message = decoded.message as unknown as Record<string, unknown>;
  if ('node' in message && message.node !== topicParts.node) {
    return { ok: false, error: `payload node ${JSON.stringify(message.node)} does not match topic node "${topicParts.node}"` };
  }
  if (topicParts.kind === 'state' && 'site' in message && message.site !== topicParts.site) {
    return { ok: false, error: `payload site ${JSON.stringify(message.site)} does not match topic site "${topicParts.site}"` };
  }
  if (topicParts.command !== undefined && message.cmd !== topicParts.command) {
    return { ok: false, error: `payload cmd ${JSON.stringify(message.cmd)} does not match topic command "${topicParts.command}"` };
  }
  if (topicParts.kind === 'state' && births !== undefined) births.learn(site, node, decoded.message as MessageByKind['state']);
  return { ok: true, kind: topicParts.kind, topic: topicParts, message: decoded.message } as TopicDecodeResult;
}
