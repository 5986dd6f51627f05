import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage } from '../../protocol/codec.js';
import { TOPIC_KINDS } from '../../protocol/topics.js';
import { goldenVectors } from './golden-vectors.js';

test('golden vectors cover every topic kind', () => {
  const covered = new Set(goldenVectors.map((v) => v.topicKind));
  for (const kind of TOPIC_KINDS) assert.ok(covered.has(kind), `no golden vector for ${kind}`);
});

for (const vector of goldenVectors) {
  test(`encode: ${vector.name}`, () => {
    assert.is(encodeMessage(vector.topicKind, vector.message as never).toString('hex'), vector.hex);
  });

  test(`decode: ${vector.name}`, () => {
    const result = decodeMessage(vector.topicKind, Buffer.from(vector.hex, 'hex'));
    if (!result.ok) assert.unreachable(result.error);
    else assert.equal(result.message, vector.message);
  });
}

test('timestamps travel as 64-bit unsigned ints, not float64', () => {
  const online = goldenVectors.find((v) => v.name === 'state online (birth)')!;
  // 0xcf = uint64, followed by 1764201600123 big-endian
  assert.ok(online.hex.includes('a27473' + 'cf' + (1764201600123).toString(16).padStart(16, '0')));
  assert.not.ok(goldenVectors.some((v) => v.hex.includes('a27473cb')), 'a ts field was written as float64');
});

test.run();
