import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage, type DecodeContext } from '../../protocol/codec.js';
import { MESSAGE_SCHEMAS } from '../../protocol/messages.js';
import { TOPIC_KINDS, type TopicKind } from '../../protocol/topics.js';
import { contextOf, goldenVectors } from './golden-vectors.js';
import { validMessages } from './valid-messages.js';

const rawPackr = new Packr({ useRecords: false });
const RUNS = 1_000;

/** The structures of the v2 golden vectors: fuzzed v2 payloads are read with them. */
const v2Context = contextOf(goldenVectors.find((vector) => vector.structures !== undefined)!)!;

/** Decoding must not throw; when it accepts, the message must really be valid and re-encodable. */
function decodesSafely(kind: TopicKind, bytes: Uint8Array, context: DecodeContext | undefined = v2Context): boolean {
  const result = decodeMessage(kind, bytes, context);
  if (!result.ok) return typeof result.error === 'string' && result.error.length > 0;
  encodeMessage(kind, result.message as never);
  return Value.Check(MESSAGE_SCHEMAS[kind], result.message);
}

test('arbitrary bytes never make decodeMessage throw', () => {
  fc.assert(
    fc.property(fc.constantFrom(...TOPIC_KINDS), fc.uint8Array({ maxLength: 300 }), (kind, bytes) => decodesSafely(kind, bytes)),
    { numRuns: RUNS },
  );
});

test('arbitrary bytes behind a map header never make decodeMessage throw', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...TOPIC_KINDS),
      fc.constantFrom(0x81, 0x84, 0x8f, 0xde, 0xdf),
      fc.uint8Array({ maxLength: 300 }),
      (kind, header, tail) => decodesSafely(kind, Buffer.concat([Buffer.from([header]), tail])),
    ),
    { numRuns: RUNS },
  );
});

test('every truncation of every golden vector is refused', () => {
  for (const vector of goldenVectors) {
    const bytes = Buffer.from(vector.hex, 'hex');
    for (let length = 0; length < bytes.length; length++) {
      const result = decodeMessage(vector.topicKind, bytes.subarray(0, length), contextOf(vector));
      assert.is(result.ok, false, `${vector.name} truncated to ${length} bytes was accepted`);
    }
  }
});

test('single-byte corruptions of golden vectors never make decodeMessage throw', () => {
  fc.assert(
    fc.property(fc.constantFrom(...goldenVectors), fc.nat(), fc.integer({ min: 0, max: 255 }), (vector, at, byte) => {
      const bytes = Buffer.from(vector.hex, 'hex');
      bytes[at % bytes.length] = byte;
      return decodesSafely(vector.topicKind, bytes);
    }),
    { numRuns: RUNS },
  );
});

const wrongValues = fc.anything({
  maxDepth: 2,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withNullPrototype: true,
  withSparseArray: true,
});

test('v2 vectors with a byte corrupted, read without structures, give an error and never throw', () => {
  const v2 = goldenVectors.filter((vector) => vector.structures !== undefined);
  fc.assert(
    fc.property(fc.constantFrom(...v2), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (vector, at, byte, withNode) => {
      const bytes = Buffer.from(vector.hex, 'hex');
      bytes[at % bytes.length] = byte;
      const result = decodeMessage(vector.topicKind, bytes, withNode ? { node: 'node-07', structures: () => undefined } : undefined);
      if (result.ok) return decodesSafely(vector.topicKind, bytes, undefined); // the corruption made it a valid v1 payload
      return result.error.length > 0 && (result.missingBirth === undefined || result.error.includes("needs the structures (revision"));
    }),
    { numRuns: RUNS },
  );
});

test('arbitrary maps with v 2 never make decodeMessage throw', () => {
  const keys = fc.constantFrom('v', 'k', 'b', 't', 's', 'x', 'c', 'p', 'd', 'l', 'z', 'g', 'm', 'r', 'h', 'y', 'e');
  fc.assert(
    fc.property(fc.constantFrom('counts', 'signal', 'health', 'event' as const), fc.dictionary(keys, fc.anything({ maxDepth: 2 })), (kind, fields) => {
      let bytes: Uint8Array;
      try {
        bytes = rawPackr.pack({ ...fields, v: 2, k: v2Context.structures(0, 0)!.revision, b: 12 });
      } catch {
        return true;
      }
      return decodesSafely(kind, bytes);
    }),
    { numRuns: RUNS },
  );
});

test('valid-shaped messages with one field replaced are accepted only when still valid', () => {
  const bases = validMessages();
  fc.assert(
    fc.property(fc.constantFrom(...TOPIC_KINDS), fc.nat(), wrongValues, (kind, fieldIndex, replacement) => {
      const message = { ...bases[kind] } as Record<string, unknown>;
      const fields = Object.keys(message);
      message[fields[fieldIndex % fields.length]!] = replacement;
      let bytes: Uint8Array;
      try {
        bytes = rawPackr.pack(message);
      } catch {
        return true; // msgpackr itself cannot write this value; nothing reaches the decoder
      }
      return decodesSafely(kind, bytes);
    }),
    { numRuns: 2_000 },
  );
});

test('nested fields replaced with wrong types name the nested path', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.integer({ max: -1 })), (replacement) => {
      const counts = validMessages().counts;
      const bytes = rawPackr.pack({ ...counts, lines: { L1: { lr: replacement, rl: 0 } } });
      const result = decodeMessage('counts', bytes);
      if (Number.isInteger(replacement) && (replacement as number) >= 0) return result.ok;
      return !result.ok && result.error.startsWith('counts: lines.L1.lr: expected integer ≥ 0');
    }),
    { numRuns: 500 },
  );
});

test.run();
