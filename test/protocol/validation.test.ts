import { Packr } from 'msgpackr';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage, ProtocolError } from '../../protocol/codec.js';
import type { TopicKind } from '../../protocol/topics.js';
import { validMessages } from './valid-messages.js';

// Raw msgpackr, not our encoder, so that invalid messages can reach the decoder at all.
const rawPackr = new Packr({ useRecords: false });

type Mutation = (message: Record<string, unknown>) => void;

interface Case {
  kind: TopicKind;
  base?: 'stateOffline';
  change: string;
  mutate: Mutation;
  error: RegExp;
}

const cases: Case[] = [
  { kind: 'state', change: 'online without version', mutate: (m) => delete m.version, error: /^state: version: missing, expected string/ },
  { kind: 'state', change: 'non-string capability', mutate: (m) => ((m.capabilities as unknown[])[1] = 3), error: /capabilities\[1\]: expected string \(got integer 3\)/ },
  { kind: 'state', change: 'unknown status', mutate: (m) => (m.status = 'sleeping'), error: /status: expected one of 'online' \| 'offline'/ },
  { kind: 'state', change: 'bad mqttProtocol', mutate: (m) => (m.mqttProtocol = '4'), error: /mqttProtocol: expected one of '5' \| '3\.1\.1'/ },
  { kind: 'state', change: 'non-hex configHash', mutate: (m) => (m.configHash = 'xyz'), error: /configHash: expected string matching/ },
  { kind: 'state', change: 'seq on state', mutate: (m) => (m.seq = 4), error: /seq: must be absent/ },
  { kind: 'state', base: 'stateOffline', change: 'offline with numeric reason', mutate: (m) => (m.reason = 5), error: /reason: expected string/ },
  { kind: 'state', change: 'node id with a slash', mutate: (m) => (m.node = 'a/b'), error: /node: expected string matching/ },
  { kind: 'state', change: 'negative boot', mutate: (m) => (m.boot = -1), error: /boot: expected integer ≥ 0 \(got integer -1\)/ },
  { kind: 'state', change: 'fractional ts', mutate: (m) => (m.ts = 1.5), error: /ts: expected integer/ },
  { kind: 'health', change: 'missing link counter', mutate: (m) => delete (m.link as Record<string, unknown>).dropped, error: /link\.dropped: missing, expected integer ≥ 0/ },
  { kind: 'health', change: 'string temperature', mutate: (m) => (m.cpuTempC = 'hot'), error: /cpuTempC: expected number or null/ },
  { kind: 'health', change: 'negative memory', mutate: (m) => (m.memRssBytes = -5), error: /memRssBytes: expected integer ≥ 0/ },
  { kind: 'health', change: 'seq on health', mutate: (m) => (m.seq = 1), error: /^health: seq: must be absent/ },
  { kind: 'event', change: 'missing seq', mutate: (m) => delete m.seq, error: /seq: missing, expected integer ≥ 0/ },
  { kind: 'event', change: 'negative seq', mutate: (m) => (m.seq = -1), error: /seq: expected integer ≥ 0 \(got integer -1\)/ },
  { kind: 'event', change: 'unknown severity', mutate: (m) => (m.severity = 'fatal'), error: /severity: expected one of 'debug'/ },
  { kind: 'event', change: 'data not a map', mutate: (m) => (m.data = [1]), error: /data: expected map/ },
  { kind: 'counts', change: 'negative line count', mutate: (m) => ((m.lines as Record<string, { lr: number }>).L1!.lr = -1), error: /lines\.L1\.lr: expected integer ≥ 0 \(got integer -1\)/ },
  { kind: 'counts', change: 'zero period', mutate: (m) => (m.periodS = 0), error: /periodS: expected integer ≥ 1/ },
  { kind: 'counts', change: 'occupancy over 100', mutate: (m) => (m.zones = { 'north box': { occupancyPct: 101, volume: 1 } }), error: /zones\["north box"\]\.occupancyPct: expected number ≥ 0 and ≤ 100/ },
  { kind: 'counts', change: 'line under a key with a newline', mutate: (m) => (m.lines = { 'a\nb': 'x' }), error: /lines\["a\\nb"\]: expected map/ },
  { kind: 'signal', change: 'unknown aspect', mutate: (m) => ((m.groups as Record<string, string>).G1 = 'blue'), error: /groups\.G1: expected one of 'dark'/ },
  { kind: 'signal', change: 'unknown mode', mutate: (m) => (m.mode = 'party'), error: /mode: expected one of 'startup'/ },
  { kind: 'signal', change: 'missing phase', mutate: (m) => delete m.phase, error: /phase: missing, expected string or null/ },
  { kind: 'request', change: 'empty id', mutate: (m) => (m.id = ''), error: /id: expected string of 1\.\.128 characters/ },
  { kind: 'request', change: 'bad command id', mutate: (m) => (m.cmd = 'do it'), error: /cmd: expected string matching/ },
  { kind: 'response', change: 'error status without error', mutate: (m) => (m.status = 'error'), error: /error: missing, expected string/ },
  { kind: 'response', change: 'unknown status', mutate: (m) => (m.status = 'maybe'), error: /status: expected one of 'ok' \| 'error'/ },
  { kind: 'response', change: 'missing id', mutate: (m) => delete m.id, error: /id: missing/ },
];

function broken(c: Case): Record<string, unknown> {
  const message = validMessages()[c.base ?? c.kind] as unknown as Record<string, unknown>;
  c.mutate(message);
  return message;
}

for (const c of cases) {
  test(`${c.kind}: ${c.change} is refused, naming the field`, () => {
    const result = decodeMessage(c.kind, rawPackr.pack(broken(c)));
    if (result.ok) assert.unreachable('decoded an invalid message');
    else assert.match(result.error, c.error);
    assert.throws(() => encodeMessage(c.kind, broken(c) as never), (error: unknown) => error instanceof ProtocolError && c.error.test(error.message));
  });
}

test('every valid base message encodes and decodes', () => {
  const messages = validMessages();
  for (const kind of Object.keys(messages) as (keyof typeof messages)[]) {
    const wireKind = kind === 'stateOffline' ? 'state' : kind;
    const result = decodeMessage(wireKind, encodeMessage(wireKind, messages[kind] as never));
    assert.equal(result, { ok: true, message: messages[kind] }, kind);
  }
});

test('unknown extra fields are tolerated and kept', () => {
  const message = { ...validMessages().counts, firmware: 'x', extra: { nested: [1, 2] } };
  assert.equal(decodeMessage('counts', rawPackr.pack(message)), { ok: true, message });
});

test('a newer schema version is refused, naming both versions', () => {
  const result = decodeMessage('signal', rawPackr.pack({ ...validMessages().signal, v: 3 }));
  assert.equal(result, { ok: false, error: 'signal: schema version 3 is newer than this decoder knows (2)' });
  const state = decodeMessage('state', rawPackr.pack({ ...validMessages().state, v: 2 }));
  assert.equal(state, { ok: false, error: 'state: schema version 2 is newer than this decoder knows (1)' });
  // Message objects are v1-shaped: v2 is a wire layout that encodeMessage chooses, not a field to set.
  assert.throws(() => encodeMessage('signal', { ...validMessages().signal, v: 2 }), /schema version 2/);
});

test('a version below 1 is refused', () => {
  const result = decodeMessage('event', rawPackr.pack({ ...validMessages().event, v: 0 }));
  assert.equal(result, { ok: false, error: 'event: v: expected integer ≥ 1 (got integer 0)' });
});

test('a top level that is not a map is refused', () => {
  for (const value of [[1, 2], 'text', 42, null, true]) {
    const result = decodeMessage('health', rawPackr.pack(value));
    assert.equal(result, { ok: false, error: 'health: not a v1 MessagePack payload: top level is not a MessagePack map' });
  }
});

test.run();
