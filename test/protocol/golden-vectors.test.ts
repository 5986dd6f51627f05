import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage } from '../../protocol/codec.js';
import { TOPIC_KINDS } from '../../protocol/topics.js';
import { Value } from '@sinclair/typebox/value';
import { COMPACT_WIRE_SCHEMAS } from '../../protocol/compact-wire-schemas.js';
import { contextOf, goldenVectors } from './golden-vectors.js';

test('golden vectors cover every topic kind', () => {
  const covered = new Set(goldenVectors.map((v) => v.topicKind));
  for (const kind of TOPIC_KINDS) assert.ok(covered.has(kind), `no golden vector for ${kind}`);
});

test('v2 vectors cover every kind sent as v2, and each is smaller than its v1 vector', () => {
  for (const kind of ['counts', 'signal', 'health', 'event'] as const) {
    assert.ok(goldenVectors.some((v) => v.topicKind === kind && v.structures !== undefined), `no v2 vector for ${kind}`);
  }
  for (const vector of goldenVectors.filter((v) => v.decodeOnly)) {
    const v2 = goldenVectors.find((v) => v.name === vector.name.replace(/^v1 /, 'v2 '));
    if (!v2) return assert.unreachable(`no v2 vector beside ${vector.name}`);
    assert.ok(v2.hex.length < vector.hex.length, `${v2.name} is not smaller than ${vector.name}`);
  }
});

for (const vector of goldenVectors.filter((v) => !v.decodeOnly)) {
  test(`encode: ${vector.name}`, () => {
    assert.is(encodeMessage(vector.topicKind, vector.message as never, vector.structures).toString('hex'), vector.hex);
  });
}

for (const vector of goldenVectors) {
  test(`decode: ${vector.name}`, () => {
    const result = decodeMessage(vector.topicKind, Buffer.from(vector.hex, 'hex'), contextOf(vector));
    if (!result.ok) assert.unreachable(result.error);
    else assert.equal(result.message, vector.message);
  });
}

test('the wire map of every v2 vector satisfies its published v2 schema (asyncapi.json)', () => {
  for (const vector of goldenVectors.filter((v) => v.wire !== undefined)) {
    const schema = COMPACT_WIRE_SCHEMAS[vector.topicKind as keyof typeof COMPACT_WIRE_SCHEMAS];
    const errors = [...Value.Errors(schema, vector.wire)].map((error) => `${error.path}: ${error.message}`);
    assert.equal(errors, [], vector.name);
  }
});

test('a v2 vector without its structures is refused, naming the missing birth', () => {
  for (const vector of goldenVectors.filter((v) => v.structures !== undefined)) {
    const result = decodeMessage(vector.topicKind, Buffer.from(vector.hex, 'hex'), { node: 'node-07', structures: () => undefined });
    assert.equal(result.ok ? undefined : result.missingBirth, { node: 'node-07', boot: 12, revision: vector.structures!.revision }, vector.name);
  }
});

test('timestamps travel as 64-bit unsigned ints, not float64', () => {
  const online = goldenVectors.find((v) => v.name === 'state online (birth)')!;
  // 0xcf = uint64, followed by 1764201600123 big-endian
  assert.ok(online.hex.includes('a27473' + 'cf' + (1764201600123).toString(16).padStart(16, '0')));
  assert.not.ok(goldenVectors.some((v) => v.hex.includes('a27473cb')), 'a ts field was written as float64');
  for (const vector of goldenVectors.filter((v) => v.wire !== undefined)) assert.ok(vector.hex.includes('a174cf'), `${vector.name}: t is not a uint64`);
});

test.run();
