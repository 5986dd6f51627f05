/**
 * The v2 compact wire layout of counts, signal, health and event (issue 5's wire-size target), which
 * encodeMessage sends when given the structures: it turns a v1 message object into plain
 * MessagePack-able data with one-letter keys, names replaced by their index in the structures the
 * node's birth announces, and fractions as integers in a fixed unit; and back. Without the structures a
 * v2 message cannot be read, so a receiver keeps the birth's structures per (node, boot) and `k` (their
 * revision) must match. See docs/wire-v2.md.
 */
import type { CountsMessage, EventMessage, HealthMessage, SignalMessage, WireStructures } from './messages.js';
import { SEVERITIES, SIGNAL_ASPECTS, SIGNAL_MODES } from './messages.js';

export type { WireStructures } from './messages.js';

export const COMPACT_WIRE_VERSION = 2;
export const COMPACT_KINDS = ['counts', 'signal', 'health', 'event'] as const;

/**
 * The steps a signal state's `reason` names ("green ns-through", "red-clearance ew-through", "startup"):
 * a reason that is one of them, alone or followed by a space and a phase of the structures, travels as
 * `r: [step index]` or `r: [step index, phase index]`; any other reason as its string.
 */
export const SIGNAL_REASON_STEPS = ['startup', 'startup-flash', 'startup-all-red', 'green', 'yellow', 'red-clearance', 'flash', 'all-red', 'phase'] as const;

export type CompactKind = (typeof COMPACT_KINDS)[number];
type CompactMessage = CountsMessage | SignalMessage | HealthMessage | EventMessage;
type Wire = Record<string, unknown>;
export type CompactResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Wire units: occupancy in ‰ (the aggregator reports 0.1 %), queue in dm, health fractions in 1/100 or 1/1000. */
const OCCUPANCY_PER_PCT = 10;
const QUEUE_DM_PER_M = 10;
const UPTIME_CS_PER_S = 100;
const LOAD_MILLI = 1000;
const CPU_CENTI_PCT = 100;
const TEMP_CENTI_C = 100;

/** The order of `h` in a v2 health message. */
export const HEALTH_FIELDS = [
  'uptimeS (1/100 s)',
  'load1PerCpu (1/1000)',
  'processCpuPercent (1/100 %)',
  'memRssBytes',
  'memHeapUsedBytes',
  'memFreeBytes',
  'memTotalBytes',
  'cpuTempC (1/100 °C, nil when unknown)',
  'diskFreeBytes (nil when unknown)',
  'link.reconnects',
  'link.queued',
  'link.dropped',
] as const;

/** The order of `d` when a signal.cycle event's data is sent as an array. */
export const CYCLE_FIELDS = ['startedMs', 'cycleMs', 'phases (phase indices)', 'greenMs ([phase index, ms]...)', 'callsServed ([phase index, n]...)', 'pedServices', 'gapOuts', 'maxOuts'] as const;
const CYCLE_KEYS = ['startedMs', 'cycleMs', 'phases', 'greenMs', 'callsServed', 'pedServices', 'gapOuts', 'maxOuts'];

class CompactError extends Error {}

function indexIn(names: readonly string[], name: string, what: string): number {
  const index = names.indexOf(name);
  if (index < 0) throw new CompactError(`${what} ${JSON.stringify(name)} is not in the birth's structures`);
  return index;
}

function nameAt(names: readonly string[], index: unknown, what: string): string {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= names.length) {
    throw new CompactError(`${what} index ${JSON.stringify(index)} is outside the birth's structures (${names.length} known)`);
  }
  return names[index]!;
}

function scaled(value: number, factor: number): number {
  return Math.round(value * factor);
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new CompactError(`${what} must be an integer`);
  return value;
}

function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new CompactError(`${what} must be an array`);
  return value;
}

function envelopeToWire(message: { boot: number; ts: number; seq?: number; historical?: boolean }, structures: WireStructures): Wire {
  const wire: Wire = { v: COMPACT_WIRE_VERSION, k: structures.revision, b: message.boot, t: message.ts };
  if (message.seq !== undefined) wire.s = message.seq;
  if (message.historical !== undefined) wire.x = message.historical;
  return wire;
}

function envelopeFromWire(wire: Wire, node: string, structures: WireStructures, sequenced: boolean): Record<string, unknown> {
  if (wire.k !== structures.revision) throw new CompactError(`structures revision ${JSON.stringify(wire.k)} differs from the birth's ${structures.revision}`);
  const message: Record<string, unknown> = { v: 1, node, boot: wire.b, ts: wire.t };
  if (sequenced) message.seq = wire.s;
  if (wire.x !== undefined) message.historical = wire.x;
  return message;
}

/** The camera's structures; own keys only, so a camera named like an Object.prototype member is unknown. */
function cameraStructures(structures: WireStructures, camera: unknown): { lines: string[]; zones: string[] } | undefined {
  return typeof camera === 'string' && Object.hasOwn(structures.counts, camera) ? structures.counts[camera] : undefined;
}

function countsToWire(message: CountsMessage, structures: WireStructures): Wire {
  const camera = cameraStructures(structures, message.camera);
  if (camera === undefined) throw new CompactError(`camera ${JSON.stringify(message.camera)} is not in the birth's structures`);
  const lines: Array<number | null> = new Array<number | null>(camera.lines.length * 2).fill(null);
  for (const [name, line] of Object.entries(message.lines)) {
    const at = indexIn(camera.lines, name, 'line') * 2;
    lines[at] = line.lr;
    lines[at + 1] = line.rl;
  }
  const wire: Wire = { ...envelopeToWire(message, structures), c: message.camera, p: message.periodStart, d: message.periodS, l: lines };
  if (message.zones !== undefined) {
    const zones: Array<number | null> = new Array<number | null>(camera.zones.length * 3).fill(null);
    for (const [name, zone] of Object.entries(message.zones)) {
      const at = indexIn(camera.zones, name, 'zone') * 3;
      zones[at] = scaled(zone.occupancyPct, OCCUPANCY_PER_PCT);
      zones[at + 1] = zone.volume;
      zones[at + 2] = zone.queueM === undefined ? null : scaled(zone.queueM, QUEUE_DM_PER_M);
    }
    wire.z = zones;
  }
  return wire;
}

function countsFromWire(wire: Wire, node: string, structures: WireStructures): Record<string, unknown> {
  const camera = cameraStructures(structures, wire.c);
  if (camera === undefined) throw new CompactError(`camera ${JSON.stringify(wire.c)} is not in the birth's structures`);
  const lineValues = array(wire.l, 'l');
  if (lineValues.length !== camera.lines.length * 2) throw new CompactError(`l holds ${lineValues.length} values, the birth's structures need ${camera.lines.length * 2}`);
  // nil, nil: the line was not in this period's message.
  const lines = Object.fromEntries(camera.lines.flatMap((name, i) => (lineValues[i * 2] === null && lineValues[i * 2 + 1] === null ? [] : [[name, { lr: lineValues[i * 2], rl: lineValues[i * 2 + 1] }]])));
  const message: Record<string, unknown> = { ...envelopeFromWire(wire, node, structures, true), camera: wire.c, periodStart: wire.p, periodS: wire.d, lines };
  if (wire.z !== undefined) {
    const zoneValues = array(wire.z, 'z');
    if (zoneValues.length !== camera.zones.length * 3) throw new CompactError(`z holds ${zoneValues.length} values, the birth's structures need ${camera.zones.length * 3}`);
    const zones: Record<string, unknown> = {};
    camera.zones.forEach((name, i) => {
      const [occupancy, volume, queue] = zoneValues.slice(i * 3, i * 3 + 3);
      if (occupancy === null && volume === null) return; // the zone was not in this period's message
      const zone: Record<string, unknown> = { occupancyPct: integer(occupancy, 'zone occupancy') / OCCUPANCY_PER_PCT, volume };
      if (queue !== null) zone.queueM = integer(queue, 'zone queue') / QUEUE_DM_PER_M;
      zones[name] = zone;
    });
    message.zones = zones;
  }
  return message;
}

function signalToWire(message: SignalMessage, structures: WireStructures): Wire {
  const { groups, phases } = structures.signal;
  const aspects: Array<number | null> = new Array<number | null>(groups.length).fill(null);
  for (const [name, aspect] of Object.entries(message.groups)) aspects[indexIn(groups, name, 'signal group')] = SIGNAL_ASPECTS.indexOf(aspect);
  const wire: Wire = { ...envelopeToWire(message, structures), m: SIGNAL_MODES.indexOf(message.mode), g: aspects, p: message.phase === null ? null : indexIn(phases, message.phase, 'phase') };
  if (message.reason !== undefined) wire.r = reasonToWire(message.reason, phases);
  return wire;
}

function reasonToWire(reason: string, phases: readonly string[]): string | number[] {
  const space = reason.indexOf(' ');
  const step = (SIGNAL_REASON_STEPS as readonly string[]).indexOf(space < 0 ? reason : reason.slice(0, space));
  if (step < 0) return reason;
  if (space < 0) return [step];
  const phase = phases.indexOf(reason.slice(space + 1));
  return phase < 0 ? reason : [step, phase];
}

function reasonFromWire(r: unknown, phases: readonly string[]): unknown {
  if (!Array.isArray(r)) return r;
  if (r.length < 1 || r.length > 2) throw new CompactError(`r holds ${r.length} values, expected [step] or [step, phase]`);
  const step = nameAt(SIGNAL_REASON_STEPS, r[0], 'reason step');
  return r.length === 1 ? step : `${step} ${nameAt(phases, r[1], 'phase')}`;
}

function signalFromWire(wire: Wire, node: string, structures: WireStructures): Record<string, unknown> {
  const { groups, phases } = structures.signal;
  const aspects = array(wire.g, 'g');
  if (aspects.length !== groups.length) throw new CompactError(`g holds ${aspects.length} aspects, the birth's structures name ${groups.length} groups`);
  const message: Record<string, unknown> = {
    ...envelopeFromWire(wire, node, structures, true),
    mode: nameAt(SIGNAL_MODES, wire.m, 'mode'),
    // nil: the group was not in this message.
    groups: Object.fromEntries(groups.flatMap((name, i) => (aspects[i] === null ? [] : [[name, nameAt(SIGNAL_ASPECTS, aspects[i], 'aspect')]]))),
    phase: wire.p === null ? null : nameAt(phases, wire.p, 'phase'),
  };
  if (wire.r !== undefined) message.reason = reasonFromWire(wire.r, phases);
  return message;
}

function healthToWire(message: HealthMessage, structures: WireStructures): Wire {
  const h = [
    scaled(message.uptimeS, UPTIME_CS_PER_S),
    scaled(message.load1PerCpu, LOAD_MILLI),
    scaled(message.processCpuPercent, CPU_CENTI_PCT),
    message.memRssBytes,
    message.memHeapUsedBytes,
    message.memFreeBytes,
    message.memTotalBytes,
    message.cpuTempC === null ? null : scaled(message.cpuTempC, TEMP_CENTI_C),
    message.diskFreeBytes,
    message.link.reconnects,
    message.link.queued,
    message.link.dropped,
  ];
  return { ...envelopeToWire(message, structures), h };
}

function healthFromWire(wire: Wire, node: string, structures: WireStructures): Record<string, unknown> {
  const h = array(wire.h, 'h');
  if (h.length !== HEALTH_FIELDS.length) throw new CompactError(`h holds ${h.length} values, v2 health has ${HEALTH_FIELDS.length}`);
  return {
    ...envelopeFromWire(wire, node, structures, false),
    uptimeS: integer(h[0], 'h[0] uptime') / UPTIME_CS_PER_S,
    load1PerCpu: integer(h[1], 'h[1] load') / LOAD_MILLI,
    processCpuPercent: integer(h[2], 'h[2] process CPU') / CPU_CENTI_PCT,
    memRssBytes: h[3],
    memHeapUsedBytes: h[4],
    memFreeBytes: h[5],
    memTotalBytes: h[6],
    cpuTempC: h[7] === null ? null : integer(h[7], 'h[7] CPU temperature') / TEMP_CENTI_C,
    diskFreeBytes: h[8],
    link: { reconnects: h[9], queued: h[10], dropped: h[11] },
  };
}

/** signal.cycle data as an array when it has exactly the cycle summary's fields and known phases; else unchanged. */
function cycleDataToWire(data: Record<string, unknown>, phases: string[]): unknown {
  const keys = Object.keys(data);
  if (keys.length !== CYCLE_KEYS.length || !CYCLE_KEYS.every((key) => key in data)) return data;
  const served = data.phases;
  const green = data.greenMs;
  const calls = data.callsServed;
  const known = (name: unknown) => typeof name === 'string' && phases.includes(name);
  const pairsOf = (value: unknown) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : undefined);
  const greenPairs = pairsOf(green);
  const callPairs = pairsOf(calls);
  if (!Array.isArray(served) || !served.every(known) || greenPairs === undefined || callPairs === undefined) return data;
  if (![...greenPairs, ...callPairs].every(([name, value]) => known(name) && Number.isInteger(value))) return data;
  if (![data.startedMs, data.cycleMs, data.pedServices, data.gapOuts, data.maxOuts].every((value) => Number.isInteger(value))) return data;
  const index = (name: string) => phases.indexOf(name);
  return [
    data.startedMs,
    data.cycleMs,
    served.map((name) => index(name as string)),
    greenPairs.flatMap(([name, value]) => [index(name), value]),
    callPairs.flatMap(([name, value]) => [index(name), value]),
    data.pedServices,
    data.gapOuts,
    data.maxOuts,
  ];
}

function cycleDataFromWire(d: unknown[], phases: string[]): Record<string, unknown> {
  if (d.length !== CYCLE_KEYS.length) throw new CompactError(`signal.cycle d holds ${d.length} values, expected ${CYCLE_KEYS.length}`);
  const pairs = (value: unknown, what: string) => {
    const flat = array(value, what);
    if (flat.length % 2 !== 0) throw new CompactError(`${what} must hold [phase index, value] pairs`);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < flat.length; i += 2) out[nameAt(phases, flat[i], 'phase')] = flat[i + 1];
    return out;
  };
  return {
    startedMs: d[0],
    cycleMs: d[1],
    phases: array(d[2], 'signal.cycle phases').map((i) => nameAt(phases, i, 'phase')),
    greenMs: pairs(d[3], 'signal.cycle greenMs'),
    callsServed: pairs(d[4], 'signal.cycle callsServed'),
    pedServices: d[5],
    gapOuts: d[6],
    maxOuts: d[7],
  };
}

function eventToWire(message: EventMessage, structures: WireStructures): Wire {
  const wire: Wire = { ...envelopeToWire(message, structures), y: message.type, e: SEVERITIES.indexOf(message.severity), m: message.message };
  if (message.data !== undefined) wire.d = message.type === 'signal.cycle' ? cycleDataToWire(message.data, structures.signal.phases) : message.data;
  return wire;
}

function eventFromWire(wire: Wire, node: string, structures: WireStructures): Record<string, unknown> {
  const message: Record<string, unknown> = { ...envelopeFromWire(wire, node, structures, true), type: wire.y, severity: nameAt(SEVERITIES, wire.e, 'severity'), message: wire.m };
  if (wire.d !== undefined) message.data = Array.isArray(wire.d) ? cycleDataFromWire(wire.d, structures.signal.phases) : wire.d;
  return message;
}

/** The v2 wire value of a valid v1 message; an error when a name is missing from the structures. */
export function toCompactWire(kind: CompactKind, message: CompactMessage, structures: WireStructures): CompactResult<Wire> {
  try {
    switch (kind) {
      case 'counts':
        return { ok: true, value: countsToWire(message as CountsMessage, structures) };
      case 'signal':
        return { ok: true, value: signalToWire(message as SignalMessage, structures) };
      case 'health':
        return { ok: true, value: healthToWire(message as HealthMessage, structures) };
      case 'event':
        return { ok: true, value: eventToWire(message as EventMessage, structures) };
    }
  } catch (error) {
    if (error instanceof CompactError) return { ok: false, error: `${kind}: ${error.message}` };
    throw error;
  }
}

/**
 * The v1-shaped object of a decoded v2 wire value (`node` from the topic). Never throws; the result
 * still has to pass the v1 schema, which checks every value this function only moves.
 */
export function fromCompactWire(kind: CompactKind, wire: Wire, node: string, structures: WireStructures): CompactResult<Record<string, unknown>> {
  try {
    switch (kind) {
      case 'counts':
        return { ok: true, value: countsFromWire(wire, node, structures) };
      case 'signal':
        return { ok: true, value: signalFromWire(wire, node, structures) };
      case 'health':
        return { ok: true, value: healthFromWire(wire, node, structures) };
      case 'event':
        return { ok: true, value: eventFromWire(wire, node, structures) };
    }
  } catch (error) {
    return { ok: false, error: `${kind}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
