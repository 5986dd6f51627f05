/** v2 on the wire: births feed the structures, receivers name a missing birth, replays flag bytes in place. */
import { Packr, Unpackr } from 'msgpackr';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BirthRegistry } from '../../protocol/birth-registry.js';
import { decodeMessage, decodeTopicMessage, encodeMessage } from '../../protocol/codec.js';
import { HeldForBirth } from '../../protocol/held-for-birth.js';
import { historicalPayload, withHistoricalFlag } from '../../protocol/historical-flag.js';
import type { StateMessage, WireStructures } from '../../protocol/messages.js';
import { buildTopic, DEFAULT_PREFIX, topicMatchesFilter } from '../../protocol/topics.js';
import { validMessages } from './valid-messages.js';

const structures: WireStructures = { revision: 0xabc12345, counts: { 'cam-n': { lines: ['L1'], zones: [] } }, signal: { groups: ['G1', 'G2'], phases: ['A'] } };
const site = 'hcm-q1';
const topic = (kind: 'state' | 'counts' | 'signal') => buildTopic(DEFAULT_PREFIX, site, 'node-07', kind);
const birth = (boot: number, revision = structures.revision): StateMessage => ({ ...validMessages().state, boot, structures: { ...structures, revision } }) as StateMessage;
const counts = { ...validMessages().counts, camera: 'cam-n' };
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

test('with structures counts go out as v2 without node or names; the birth carries the structures', () => {
  const bytes = encodeMessage('counts', counts, structures);
  const wire = unpackr.unpack(bytes) as Record<string, unknown>;
  assert.equal(wire, { v: 2, k: structures.revision, b: 3, t: counts.ts, s: 1, c: 'cam-n', p: counts.periodStart, d: 60, l: [1, 2] });
  const state = encodeMessage('state', birth(3));
  assert.equal((unpackr.unpack(state) as { structures: unknown }).structures, structures);
});

test('a v2 payload without a context, or without the birth, is an error naming the birth; never a throw', () => {
  const bytes = encodeMessage('signal', validMessages().signal, structures);
  const bare = decodeMessage('signal', bytes);
  assert.is(bare.ok, false);
  if (!bare.ok) assert.match(bare.error, /names neither its node nor its names/);
  const unknown = decodeTopicMessage(DEFAULT_PREFIX, topic('signal'), bytes, new BirthRegistry());
  assert.equal(unknown.ok ? undefined : unknown.missingBirth, { node: 'node-07', boot: 3, revision: structures.revision });
  if (!unknown.ok) assert.ok(unknown.error.startsWith(`signal: v2 message of node "node-07" boot 3 needs the structures (revision ${structures.revision}) of that node's birth`), unknown.error);
});

test('decodeTopicMessage learns births and reads v2 messages with them', () => {
  const births = new BirthRegistry();
  assert.ok(decodeTopicMessage(DEFAULT_PREFIX, topic('state'), encodeMessage('state', birth(3)), births).ok);
  const decoded = decodeTopicMessage(DEFAULT_PREFIX, topic('counts'), encodeMessage('counts', counts, structures), births);
  assert.equal(decoded.ok && decoded.message, counts);
});

test('a boot whose birth was missed is read with another boot of the same revision, not of another', () => {
  const births = new BirthRegistry();
  births.learn(site, 'node-07', birth(5));
  assert.equal(births.structuresFor(site, 'node-07', 4, structures.revision), structures);
  assert.is(births.structuresFor(site, 'node-07', 4, 1), undefined);
  assert.is(births.structuresFor('other-site', 'node-07', 5, structures.revision), undefined);
});

test('the registry keeps a bounded number of boots per node and nodes', () => {
  const births = new BirthRegistry({ maxNodes: 2, bootsPerNode: 2 });
  for (let boot = 1; boot <= 3; boot++) births.learn(site, 'node-07', birth(boot, boot));
  assert.is(births.structuresFor(site, 'node-07', 1, 1), undefined);
  assert.ok(births.structuresFor(site, 'node-07', 3, 3));
  births.learn(site, 'b', birth(1));
  births.learn(site, 'c', birth(1));
  assert.is(births.structuresFor(site, 'node-07', 3, 3), undefined);
  assert.ok(births.structuresFor(site, 'c', 1, structures.revision));
});

test('the historical flag is appended to a fixmap: count + 1 and a1 78 c3', () => {
  const bytes = encodeMessage('counts', counts, structures);
  assert.is(bytes[0], 0x89);
  const flagged = withHistoricalFlag(bytes)!;
  assert.is(flagged[0], 0x8a);
  assert.equal([...flagged.subarray(-3)], [0xa1, 0x78, 0xc3]);
  const decoded = decodeMessage('counts', flagged, { node: 'node-07', structures: () => structures });
  assert.equal(decoded.ok && decoded.message, { ...counts, historical: true });
});

test('a fixmap of 15 entries becomes a map16 of 16; a map16 counts one more', () => {
  const packr = new Packr({ useRecords: false, variableMapSize: true });
  const fifteen = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`f${i}`, i]));
  const fixmap = Buffer.from(packr.pack(fifteen));
  assert.is(fixmap[0], 0x8f);
  const map16 = withHistoricalFlag(fixmap)!;
  assert.equal([...map16.subarray(0, 3)], [0xde, 0x00, 0x10]);
  assert.equal(unpackr.unpack(map16), { ...fifteen, x: true });
  const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, i]));
  const wide = Buffer.from(packr.pack(twenty));
  assert.equal([...wide.subarray(0, 3)], [0xde, 0x00, 0x14]);
  const flagged = withHistoricalFlag(wide)!;
  assert.equal([...flagged.subarray(0, 3)], [0xde, 0x00, 0x15]);
  assert.equal(unpackr.unpack(flagged), { ...twenty, x: true });
  assert.is(withHistoricalFlag(Buffer.from([0x93, 1, 2, 3])), undefined);
});

test('historicalPayload flags v2 bytes in place and re-encodes v1 (stored before v2)', () => {
  const v2 = historicalPayload('counts', encodeMessage('counts', counts, structures));
  assert.ok(v2.ok && v2.payload.subarray(-3).equals(Buffer.from([0xa1, 0x78, 0xc3])));
  const v1 = historicalPayload('counts', encodeMessage('counts', counts));
  assert.equal(v1.ok && decodeMessage('counts', v1.payload), { ok: true, message: { ...counts, historical: true } });
  const again = historicalPayload('counts', (v2 as { payload: Buffer }).payload);
  assert.equal(again, v2, 'a payload already flagged is sent as it is');
  assert.is(historicalPayload('counts', Buffer.from([0xc1])).ok, false);
});

test('held messages: bounded by count (oldest handed back), by age, released per node', () => {
  let now = 0;
  const held = new HeldForBirth<string>({ maxMessages: 2, maxAgeMs: 1000, now: () => now });
  assert.equal(held.hold(site, 'a', 'a1'), []);
  now = 10;
  assert.equal(held.hold(site, 'b', 'b1'), []);
  now = 20;
  assert.equal(held.hold(site, 'b', 'b2'), ['a1']);
  assert.ok(held.holds(site, 'b'));
  assert.not.ok(held.holds(site, 'a'));
  now = 1010;
  assert.equal(held.expired(), ['b1']);
  assert.equal(held.release(site, 'b').map((entry) => entry.item), ['b2']);
  assert.is(held.size, 0);
});

test('topic filters match as MQTT does', () => {
  assert.ok(topicMatchesFilter('nutgiao/v1/#', 'nutgiao/v1/s/n/state'));
  assert.ok(topicMatchesFilter('nutgiao/v1/+/+/state', 'nutgiao/v1/s/n/state'));
  assert.not.ok(topicMatchesFilter('nutgiao/v1/+/+/counts', 'nutgiao/v1/s/n/state'));
  assert.not.ok(topicMatchesFilter('nutgiao/v1/+/+', 'nutgiao/v1/s/n/state'));
  assert.ok(topicMatchesFilter('nutgiao/v1/s/#', 'nutgiao/v1/s'));
});

test.run();
