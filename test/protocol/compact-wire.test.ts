import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromCompactWire, toCompactWire, type CompactKind, type WireStructures } from '../../protocol/compact-wire.js';
import { MESSAGE_SCHEMAS, type CountsMessage, type EventMessage, type HealthMessage, type SignalMessage } from '../../protocol/messages.js';
import { Value } from '@sinclair/typebox/value';
import { scanWire } from '../../protocol/wire-scan.js';

const structures: WireStructures = {
  revision: 7,
  counts: { cam1: { lines: ['stop', 'count'], zones: ['q1', 'box'] } },
  signal: { groups: ['G1', 'G2', 'P1'], phases: ['ns-through', 'ew-through'] },
};

const envelope = { v: 1, node: 'node-07', boot: 3, ts: 1_764_201_660_027 };

const counts: CountsMessage = {
  ...envelope,
  seq: 41,
  camera: 'cam1',
  periodStart: 1_764_201_600_000,
  periodS: 60,
  lines: { stop: { lr: 17, rl: 0 }, count: { lr: 12, rl: 9 } },
  zones: { q1: { occupancyPct: 23.4, volume: 8, queueM: 31.7 }, box: { occupancyPct: 0, volume: 0 } },
};
const signal: SignalMessage = { ...envelope, seq: 42, mode: 'normal', groups: { G1: 'green', G2: 'red', P1: 'dont-walk' }, phase: 'ns-through', reason: 'green ns-through' };
const health: HealthMessage = {
  ...envelope,
  uptimeS: 3600.25,
  load1PerCpu: 0.412,
  processCpuPercent: 3.75,
  memRssBytes: 81_920_000,
  memHeapUsedBytes: 20_480_000,
  memFreeBytes: 512_000_000,
  memTotalBytes: 4_000_000_000,
  cpuTempC: 48.31,
  diskFreeBytes: null,
  link: { reconnects: 2, queued: 0, dropped: 0 },
};
const cycle: EventMessage = {
  ...envelope,
  seq: 43,
  historical: true,
  type: 'signal.cycle',
  severity: 'info',
  message: 'cycle of 66.5 s',
  data: { startedMs: 84_500, cycleMs: 66_500, phases: ['ns-through', 'ew-through'], greenMs: { 'ns-through': 45_000, 'ew-through': 10_000 }, callsServed: { 'ns-through': 1 }, pedServices: 0, gapOuts: 1, maxOuts: 1 },
};
const otherEvent: EventMessage = { ...envelope, seq: 44, type: 'camera.lost', severity: 'warning', message: 'cam1 lost', data: { camera: 'cam1', attempts: [1, 2] } };

const cases: Array<[CompactKind, CountsMessage | SignalMessage | HealthMessage | EventMessage]> = [
  ['counts', counts],
  ['counts', { ...counts, zones: undefined, lines: { count: { lr: 1, rl: 2 } } }],
  ['signal', signal],
  ['signal', { ...signal, phase: null, reason: undefined, groups: { G1: 'flashing-amber' as const } }],
  ['health', health],
  ['event', cycle],
  ['event', otherEvent],
];

/** Packs as encodeMessage does: msgpackr, then integral float64s rewritten to ints. */
function pack(value: unknown): Buffer {
  const bytes = Buffer.from(new Packr({ useRecords: false, variableMapSize: true, skipValues: [undefined] } as never).pack(value));
  const problem = scanWire(bytes, true);
  if (problem !== undefined) throw new Error(problem);
  return bytes;
}
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

function withoutUndefined(value: object): object {
  return JSON.parse(JSON.stringify(value)) as object;
}

for (const [kind, message] of cases) {
  test(`${kind} ${'type' in message ? message.type : ''} survives v2 wire and back, smaller than JSON`, () => {
    const wire = toCompactWire(kind, message, structures);
    if (!wire.ok) return assert.unreachable(wire.error);
    const bytes = pack(wire.value);
    assert.ok(bytes.length < Buffer.byteLength(JSON.stringify(message)) * 0.5, `${bytes.length} bytes`);
    const back = fromCompactWire(kind, unpackr.unpack(bytes) as Record<string, unknown>, message.node, structures);
    if (!back.ok) return assert.unreachable(back.error);
    assert.equal(back.value, withoutUndefined(message));
    assert.ok(Value.Check(MESSAGE_SCHEMAS[kind], back.value));
  });
}

test('health fractions travel in fixed integer units: rounded to 1/100 s, 1/1000, 1/100 %, 1/100 °C', () => {
  const wire = toCompactWire('health', { ...health, uptimeS: 12.3456, load1PerCpu: 0.12345, processCpuPercent: 1.23456, cpuTempC: 40.123 }, structures);
  if (!wire.ok) return assert.unreachable(wire.error);
  assert.equal((wire.value.h as number[]).slice(0, 3), [1235, 123, 123]);
  assert.is((wire.value.h as number[])[7], 4012);
});

test('a name missing from the structures is an error naming it', () => {
  const result = toCompactWire('counts', { ...counts, lines: { exit: { lr: 1, rl: 0 } } }, structures);
  assert.equal(result, { ok: false, error: 'counts: line "exit" is not in the birth\'s structures' });
  const signalResult = toCompactWire('signal', { ...signal, phase: 'ped' }, structures);
  assert.equal(signalResult, { ok: false, error: 'signal: phase "ped" is not in the birth\'s structures' });
});

test('a message of another structures revision is refused', () => {
  const wire = toCompactWire('signal', signal, structures);
  if (!wire.ok) return assert.unreachable(wire.error);
  const result = fromCompactWire('signal', wire.value, 'node-07', { ...structures, revision: 8 });
  assert.equal(result, { ok: false, error: 'signal: structures revision 7 differs from the birth\'s 8' });
});

test('fromCompactWire never throws on arbitrary maps', () => {
  fc.assert(
    fc.property(fc.constantFrom<CompactKind>('counts', 'signal', 'health', 'event'), fc.dictionary(fc.constantFrom('v', 'k', 'b', 't', 's', 'c', 'l', 'z', 'g', 'm', 'p', 'h', 'd', 'e', 'y'), fc.anything({ maxDepth: 2 })), (kind, wire) => {
      const result = fromCompactWire(kind, { ...wire, k: 7 }, 'node-07', structures);
      return result.ok || result.error.length > 0;
    }),
    { numRuns: 1000 },
  );
});

test('python3-msgpack reads the v2 wire as plain maps, arrays and ints', () => {
  const wires = cases.map(([kind, message]) => {
    const wire = toCompactWire(kind, message, structures);
    if (!wire.ok) throw new Error(wire.error);
    return { hex: pack(wire.value).toString('hex'), value: wire.value };
  });
  const script = 'import json,sys,msgpack\nprint(json.dumps([msgpack.unpackb(bytes.fromhex(h), raw=False, strict_map_key=True) for h in json.load(sys.stdin)]))';
  const run = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(wires.map((w) => w.hex)), encoding: 'utf8' });
  assert.is(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout), wires.map((w) => withoutUndefined(w.value)));
  // `t` (a174) followed by 0xcf: the timestamp is a uint64, not a float64.
  for (const wire of wires) assert.ok(wire.hex.includes('a174cf'), `${wire.hex}: t is not a uint64`);
});

test.run();
