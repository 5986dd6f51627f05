import { Packr } from 'msgpackr';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, decodeTopicMessage, encodeMessage, MAX_PAYLOAD_BYTES, ProtocolError } from '../../protocol/codec.js';
import { buildTopic, DEFAULT_PREFIX } from '../../protocol/topics.js';
import { MAX_NESTING_DEPTH } from '../../protocol/wire-scan.js';
import { validMessages } from './valid-messages.js';

const rawPackr = new Packr({ useRecords: false });

test('encodeMessage returns a buffer the caller owns', () => {
  const first = encodeMessage('event', validMessages().event);
  const copy = Buffer.from(first);
  encodeMessage('event', { ...validMessages().event, message: 'a different and longer message text' });
  assert.equal(first, copy);
});

test('integers beyond 32 bits go on the wire as uint64/int64, not float64', () => {
  const health = { ...validMessages().health, memTotalBytes: 2 ** 40, diskFreeBytes: 2 ** 53 - 1 };
  const bytes = encodeMessage('health', health);
  const hex = bytes.toString('hex');
  assert.ok(hex.includes('cf' + (2 ** 40).toString(16).padStart(16, '0')));
  assert.ok(hex.includes('cf' + (2 ** 53 - 1).toString(16).padStart(16, '0')));
  assert.equal(decodeMessage('health', bytes), { ok: true, message: health });
});

test('negative integers beyond 32 bits in free-form data go out as int64 and come back exact', () => {
  const event = { ...validMessages().event, data: { offsetMs: -(2 ** 40) - 7 } };
  const bytes = encodeMessage('event', event);
  assert.ok(bytes.toString('hex').includes('d3'));
  assert.equal(decodeMessage('event', bytes), { ok: true, message: event });
});

test('fractions stay float64', () => {
  const health = { ...validMessages().health, uptimeS: 2 ** 33 + 0.5 };
  const bytes = encodeMessage('health', health);
  assert.ok(bytes.toString('hex').includes('cb'));
  assert.equal(decodeMessage('health', bytes), { ok: true, message: health });
});

test('an undefined optional field is left out, not written as an extension', () => {
  const offline = { ...validMessages().stateOffline, reason: undefined };
  const decoded = decodeMessage('state', encodeMessage('state', offline));
  assert.ok(decoded.ok);
  if (decoded.ok) assert.not.ok('reason' in decoded.message);
});

test('values msgpackr would write as extension types are refused at encode time', () => {
  const event = { ...validMessages().event, data: { when: new Date(0) } };
  assert.throws(() => encodeMessage('event', event), (error: unknown) => error instanceof ProtocolError && /not allowed/.test(error.message));
});

test('nesting deeper than the limit is refused both ways', () => {
  let deep: unknown = 1;
  for (let i = 0; i < MAX_NESTING_DEPTH; i++) deep = [deep];
  const event = { ...validMessages().event, data: { deep } };
  assert.throws(() => encodeMessage('event', event), /nesting deeper than/);
  const result = decodeMessage('event', rawPackr.pack(event));
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.error, /nesting deeper than 32 levels/);
});

test('oversized payloads are refused both ways', () => {
  const event = { ...validMessages().event, message: 'x'.repeat(MAX_PAYLOAD_BYTES) };
  assert.throws(() => encodeMessage('event', event), /exceeds 262144/);
  const result = decodeMessage('event', rawPackr.pack(event));
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.error, /payload of \d+ bytes exceeds the limit of 262144/);
});

test('wire-level problems are named', () => {
  const valid = encodeMessage('event', validMessages().event);
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(0), /empty payload/],
    [valid.subarray(0, valid.length - 1), /truncated/],
    [Buffer.concat([valid, Buffer.from([0x00])]), /1 trailing bytes/],
    [Buffer.from([0x81, 0x01, 0x02]), /map key at byte 1 is not a string/],
    [Buffer.from([0x81, 0xa1, 0x61, 0xd6, 0xff, 0, 0, 0, 0]), /byte 0xd6 at 3 is not allowed/],
    [Buffer.from([0xdf, 0xff, 0xff, 0xff, 0xff]), /declares 4294967295 entries but only 0 bytes remain/],
    [Buffer.from([0x81, 0xa1, 0x61, 0xdb, 0x7f, 0xff, 0xff, 0xff]), /declares 2147483647 bytes/],
  ];
  for (const [bytes, pattern] of cases) {
    const result = decodeMessage('event', bytes);
    assert.equal(result.ok, false, pattern.source);
    if (!result.ok) assert.match(result.error, pattern);
  }
});

test('prototype-pollution keys do not reach Object.prototype or the message prototype', () => {
  const event = validMessages().event;
  const entries: [string, unknown][] = [...Object.entries(event), ['__proto__', { polluted: true }]];
  const withData = { ...event, data: new Map<string, unknown>([['__proto__', { polluted: true }]]) };
  for (const bytes of [rawPackr.pack(new Map(entries)), rawPackr.pack(withData)]) {
    const result = decodeMessage('event', bytes);
    if (!result.ok) assert.unreachable(result.error);
    else {
      assert.is(Object.getPrototypeOf(result.message), Object.prototype);
      assert.is((result.message as Record<string, unknown>).polluted, undefined);
    }
  }
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

test('non-bytes input and unknown kinds give errors, not exceptions', () => {
  assert.equal(decodeMessage('event', 'text' as never), { ok: false, error: 'event: payload must be bytes' });
  assert.equal(decodeMessage('__proto__' as never, Buffer.from([0x80])), { ok: false, error: 'unknown message kind "__proto__"' });
});

test('decodeTopicMessage decodes by the topic kind and narrows the message', () => {
  const counts = validMessages().counts;
  const topic = buildTopic(DEFAULT_PREFIX, 'hcm-q1', counts.node, 'counts');
  const result = decodeTopicMessage(DEFAULT_PREFIX, topic, encodeMessage('counts', counts));
  assert.ok(result.ok);
  if (result.ok && result.kind === 'counts') {
    assert.equal(result.topic, { site: 'hcm-q1', node: counts.node, kind: 'counts' });
    assert.is(result.message.lines.L1!.rl, 2);
  } else assert.unreachable('wrong kind');
});

test('decodeTopicMessage checks node, site and command against the topic', () => {
  const m = validMessages();
  const cases: [string, Buffer, RegExp][] = [
    [buildTopic(DEFAULT_PREFIX, 's1', 'other', 'event'), encodeMessage('event', m.event), /payload node "node-07" does not match topic node "other"/],
    [buildTopic(DEFAULT_PREFIX, 'other', 'node-07', 'state'), encodeMessage('state', m.state), /payload site "hcm-q1" does not match topic site "other"/],
    [buildTopic(DEFAULT_PREFIX, 's1', 'node-07', 'request', 'reboot'), encodeMessage('request', m.request), /payload cmd "ping" does not match topic command "reboot"/],
    [buildTopic(DEFAULT_PREFIX, 's1', 'node-07', 'signal'), encodeMessage('event', m.event), /^signal: /],
    ['nutgiao/v1/s1/node-07/bogus', encodeMessage('event', m.event), /kind "bogus" is unknown/],
  ];
  for (const [topic, bytes, pattern] of cases) {
    const result = decodeTopicMessage(DEFAULT_PREFIX, topic, bytes);
    assert.equal(result.ok, false, topic);
    if (!result.ok) assert.match(result.error, pattern);
  }
  const request = decodeTopicMessage(DEFAULT_PREFIX, buildTopic(DEFAULT_PREFIX, 's1', 'any-node', 'request', 'ping'), encodeMessage('request', m.request));
  assert.ok(request.ok, 'a request carries no node, so any topic node is fine');
});

test.run();
