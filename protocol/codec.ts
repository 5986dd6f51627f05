/**
 * Standard MessagePack encode/decode for v1 messages, validated against the schemas on both sides.
 * The wire format uses no extension types, so any MessagePack library can read it.
 */
import { Packr, Unpackr, type Options } from 'msgpackr';
import { MESSAGE_SCHEMAS, SCHEMA_VERSION, type MessageByKind } from './messages.js';
import { ProtocolError } from './protocol-error.js';
import { compileValidator, type Validator } from './schema-validator.js';
import { isTopicKind, parseTopic, TOPIC_KINDS, type ParsedTopic, type TopicKind } from './topics.js';
import { scanWire } from './wire-scan.js';

export { ProtocolError } from './protocol-error.js';

/** Larger payloads are refused on both sides: no v1 message comes near it, and it bounds decoder work. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

export type DecodeResult<T> = { ok: true; message: T } | { ok: false; error: string };

/** A decoded message together with its topic; narrowing on `kind` narrows `message`. */
export type TopicMessage = {
  [K in TopicKind]: { kind: K; topic: ParsedTopic & { kind: K }; message: MessageByKind[K] };
}[TopicKind];

export type TopicDecodeResult = ({ ok: true } & TopicMessage) | { ok: false; error: string };

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

function versionProblem(message: unknown): string | undefined {
  if (message === null || typeof message !== 'object') return undefined;
  const v = (message as { v?: unknown }).v;
  if (typeof v === 'number' && Number.isInteger(v) && v > SCHEMA_VERSION) {
    return `schema version ${v} is newer than this decoder knows (${SCHEMA_VERSION})`;
  }
  return undefined;
}

function validate(kind: TopicKind, message: unknown): string | undefined {
  const problem = versionProblem(message) ?? validators[kind](message);
  return problem === undefined ? undefined : `${kind}: ${problem}`;
}

/** Validates, then encodes; the returned Buffer is the caller's own (msgpackr reuses its output buffer). */
export function encodeMessage<K extends TopicKind>(kind: K, message: MessageByKind[K]): Buffer {
  if (!isTopicKind(kind)) throw new ProtocolError(`unknown message kind ${JSON.stringify(kind)}`);
  const problem = validate(kind, message);
  if (problem !== undefined) throw new ProtocolError(problem);
  let bytes: Buffer;
  try {
    bytes = Buffer.from(packr.pack(message));
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

/** Never throws: any input gives either a valid message or an error naming what is wrong. */
export function decodeMessage<K extends TopicKind>(kind: K, bytes: Uint8Array): DecodeResult<MessageByKind[K]> {
  try {
    return decodeOrFail(kind, bytes);
  } catch (error) {
    return { ok: false, error: `${String(kind)}: cannot decode: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function decodeOrFail<K extends TopicKind>(kind: K, bytes: Uint8Array): DecodeResult<MessageByKind[K]> {
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
  const problem = validate(kind, value);
  if (problem !== undefined) return { ok: false, error: problem };
  return { ok: true, message: value as MessageByKind[K] };
}

/** Parses the topic, decodes the payload as the topic's kind, and checks the two agree on node/site/command. */
export function decodeTopicMessage(prefix: string, topic: string, bytes: Uint8Array): TopicDecodeResult {
  const parsed = parseTopic(prefix, topic);
  if (!parsed.ok) return parsed;
  const { ok: _ok, ...topicParts } = parsed;
  const decoded = decodeMessage(topicParts.kind, bytes);
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
  return { ok: true, kind: topicParts.kind, topic: topicParts, message: decoded.message } as TopicDecodeResult;
}
