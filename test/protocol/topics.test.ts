import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  assertPublishTopic,
  buildTopic,
  DEFAULT_PREFIX,
  isValidId,
  parseTopic,
  subscriptionFilter,
  TELEMETRY_KINDS,
} from '../../protocol/topics.js';

test('telemetry topics round-trip through build and parse', () => {
  for (const kind of TELEMETRY_KINDS) {
    const topic = buildTopic(DEFAULT_PREFIX, 'hcm-q1', 'node_07', kind);
    assert.is(topic, `nutgiao/v1/hcm-q1/node_07/${kind}`);
    assert.equal(parseTopic(DEFAULT_PREFIX, topic), { ok: true, site: 'hcm-q1', node: 'node_07', kind });
  }
});

test('command topics round-trip with their command level', () => {
  for (const kind of ['request', 'response'] as const) {
    const topic = buildTopic('acme/traffic/v1', 's1', 'n1', kind, 'set-mode');
    assert.is(topic, `acme/traffic/v1/s1/n1/${kind}/set-mode`);
    assert.equal(parseTopic('acme/traffic/v1', topic), { ok: true, site: 's1', node: 'n1', kind, command: 'set-mode' });
  }
});

test('isValidId accepts 1-64 of [A-Za-z0-9_-] and nothing else', () => {
  assert.ok(isValidId('a'));
  assert.ok(isValidId('A-z_09'));
  assert.ok(isValidId('x'.repeat(64)));
  for (const bad of ['', 'x'.repeat(65), 'a/b', 'a+b', 'a#', 'nút', 'a b', 'a.b', '\0', 7, null]) {
    assert.not.ok(isValidId(bad), `accepted ${JSON.stringify(bad)}`);
  }
});

test('buildTopic names the bad part', () => {
  assert.throws(() => buildTopic(DEFAULT_PREFIX, 'bad/site', 'n1', 'state'), /site id "bad\/site"/);
  assert.throws(() => buildTopic(DEFAULT_PREFIX, 's1', '+', 'state'), /node id "\+"/);
  assert.throws(() => buildTopic(DEFAULT_PREFIX, 's1', 'n1', 'bogus' as never), /kind "bogus"/);
  assert.throws(() => buildTopic(DEFAULT_PREFIX, 's1', 'n1', 'request'), /needs a command/);
  assert.throws(() => buildTopic(DEFAULT_PREFIX, 's1', 'n1', 'request', 'a#'), /command id "a#"/);
  assert.throws(() => buildTopic(DEFAULT_PREFIX, 's1', 'n1', 'state', 'x'), /takes no command/);
});

test('buildTopic refuses unusable prefixes', () => {
  for (const [prefix, pattern] of [
    ['', /non-empty/],
    ['a/+/b', /\+ or #/],
    ['a/#', /\+ or #/],
    ['/a', /start or end/],
    ['a/', /start or end/],
    ['a//b', /empty level/],
    ['a\0b', /NUL/],
  ] as const) {
    assert.throws(() => buildTopic(prefix, 's1', 'n1', 'state'), pattern, `prefix ${JSON.stringify(prefix)}`);
  }
});

test('parseTopic explains every refusal', () => {
  const cases: [string, RegExp][] = [
    ['other/v1/s1/n1/state', /does not start with prefix/],
    ['nutgiao/v1x/s1/n1/state', /does not start with prefix/],
    ['nutgiao/v1/s1/n1', /needs <site>\/<node>\/<kind>/],
    ['nutgiao/v1/s1//state', /node id ""/],
    ['nutgiao/v1/s+/n1/state', /site id "s\+"/],
    ['nutgiao/v1/s1/n1/weather', /kind "weather" is unknown/],
    ['nutgiao/v1/s1/n1/state/extra', /nothing may follow/],
    ['nutgiao/v1/s1/n1/state/', /nothing may follow/],
    ['nutgiao/v1/s1/n1/request', /end in \/request\/<command>/],
    ['nutgiao/v1/s1/n1/response/a/b', /end in \/response\/<command>/],
    ['nutgiao/v1/s1/n1/request/#', /command id "#"/],
  ];
  for (const [topic, pattern] of cases) {
    const result = parseTopic(DEFAULT_PREFIX, topic);
    assert.is(result.ok, false, topic);
    if (!result.ok) assert.match(result.error, pattern, topic);
  }
  const badPrefix = parseTopic('a/#', 'a/#/s/n/state');
  assert.is(badPrefix.ok, false);
});

test('assertPublishTopic refuses wildcards, empty levels, NUL and empty topics', () => {
  assertPublishTopic('nutgiao/v1/s1/n1/state');
  for (const [topic, pattern] of [
    ['', /non-empty/],
    ['a/+/b', /wildcards/],
    ['a/#', /wildcards/],
    ['a+b', /wildcards/],
    ['a//b', /empty level/],
    ['/a', /empty level/],
    ['a/', /empty level/],
    ['a\0b', /NUL/],
    ['x'.repeat(65_536), /longer than/],
  ] as const) {
    assert.throws(() => assertPublishTopic(topic), pattern, JSON.stringify(topic.slice(0, 20)));
  }
});

test('subscriptionFilter wildcards what is not given', () => {
  assert.is(subscriptionFilter(DEFAULT_PREFIX), 'nutgiao/v1/#');
  assert.is(subscriptionFilter(DEFAULT_PREFIX, { site: 's1' }), 'nutgiao/v1/s1/#');
  assert.is(subscriptionFilter(DEFAULT_PREFIX, { site: 's1', node: 'n1' }), 'nutgiao/v1/s1/n1/#');
  assert.is(subscriptionFilter(DEFAULT_PREFIX, { node: 'n1' }), 'nutgiao/v1/+/n1/#');
  assert.is(subscriptionFilter(DEFAULT_PREFIX, { kind: 'counts' }), 'nutgiao/v1/+/+/counts');
  assert.is(subscriptionFilter(DEFAULT_PREFIX, { site: 's1', kind: 'state' }), 'nutgiao/v1/s1/+/state');
  assert.is(subscriptionFilter(DEFAULT_PREFIX, { kind: 'response' }), 'nutgiao/v1/+/+/response/+');
  assert.is(subscriptionFilter(DEFAULT_PREFIX, { site: 's1', node: 'n1', kind: 'request', command: 'ping' }), 'nutgiao/v1/s1/n1/request/ping');
});

test('subscriptionFilter refuses bad scopes', () => {
  assert.throws(() => subscriptionFilter(DEFAULT_PREFIX, { site: '+' }), /site id/);
  assert.throws(() => subscriptionFilter(DEFAULT_PREFIX, { kind: 'state', command: 'ping' }), /command scope/);
  assert.throws(() => subscriptionFilter('a/#'), /\+ or #/);
});

test.run();
