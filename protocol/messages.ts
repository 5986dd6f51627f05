/**
 * The v1 message schemas, one per topic kind; the TypeScript types are derived from them.
 * Objects do not set additionalProperties:false, so readers tolerate fields added later.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ID_PATTERN, type TopicKind } from './topics.js';

export const SCHEMA_VERSION = 1;

/** Kinds that carry the shared per-boot `seq` counter: any gap in it means a lost message. */
export const SEQUENCED_KINDS = ['event', 'counts', 'signal'] as const;
export type SequencedKind = (typeof SEQUENCED_KINDS)[number];

const Id = Type.String({ pattern: ID_PATTERN });
const Count = Type.Integer({ minimum: 0 });
const EpochMs = Type.Integer({ minimum: 0 });
const AnyMap = Type.Record(Type.String(), Type.Unknown());

// A Record's key pattern `^(.*)$` skips keys holding a newline; additionalProperties checks those too.
function nameMap<T extends TSchema>(value: T) {
  return Type.Record(Type.String(), value, { additionalProperties: value });
}

const versionField = { v: Type.Integer({ minimum: 1 }) };

const envelopeFields = {
  ...versionField,
  node: Id,
  /** Boot/session id, persisted and incremented by the node on every start (Sparkplug's bdSeq). */
  boot: Count,
  /** Node wall clock, ms since the Unix epoch. */
  ts: EpochMs,
};

const sequencedEnvelopeFields = {
  ...envelopeFields,
  seq: Count,
  /** True when sent from the node's durable backlog after an outage or on request, not as it happened. */
  historical: Type.Optional(Type.Boolean()),
};

// state and health never carry seq: a receiver would otherwise count their absence as loss.
const unsequencedEnvelopeFields = { ...envelopeFields, seq: Type.Optional(Type.Never()) };

/**
 * What a receiver needs to read this boot's v2 (compact) messages: the names the compact arrays refer to
 * by index, in that order. `revision` is echoed as `k` by every v2 message (see compact-wire.ts).
 */
export const WireStructuresSchema = Type.Object({
  revision: Type.Integer({ minimum: 0, maximum: 0xffff_ffff }),
  counts: nameMap(Type.Object({ lines: Type.Array(Type.String()), zones: Type.Array(Type.String()) })),
  signal: Type.Object({ groups: Type.Array(Type.String()), phases: Type.Array(Type.String()) }),
});

export const StateOnlineSchema = Type.Object({
  ...unsequencedEnvelopeFields,
  status: Type.Literal('online'),
  site: Id,
  version: Type.String({ minLength: 1 }),
  configHash: Type.String({ pattern: '^[0-9a-fA-F]{1,128}$' }),
  capabilities: Type.Array(Type.String()),
  startedAt: EpochMs,
  mqttProtocol: Type.Union([Type.Literal('5'), Type.Literal('3.1.1')]),
  healthIntervalS: Type.Integer({ minimum: 1 }),
  /** Present when the node sends its counts, signal, health and event messages as v2 (compact). */
  structures: Type.Optional(WireStructuresSchema),
});

export const StateOfflineSchema = Type.Object({
  ...unsequencedEnvelopeFields,
  status: Type.Literal('offline'),
  reason: Type.Optional(Type.String()),
});

export const StateSchema = Type.Union([StateOnlineSchema, StateOfflineSchema]);

export const HealthSchema = Type.Object({
  ...unsequencedEnvelopeFields,
  uptimeS: Type.Number({ minimum: 0 }),
  load1PerCpu: Type.Number({ minimum: 0 }),
  processCpuPercent: Type.Number({ minimum: 0 }),
  memRssBytes: Count,
  memHeapUsedBytes: Count,
  memFreeBytes: Count,
  memTotalBytes: Count,
  cpuTempC: Type.Union([Type.Number(), Type.Null()]),
  diskFreeBytes: Type.Union([Count, Type.Null()]),
  link: Type.Object({ reconnects: Count, queued: Count, dropped: Count }),
});

export const SEVERITIES = ['debug', 'info', 'warning', 'error', 'critical'] as const;

export const EventSchema = Type.Object({
  ...sequencedEnvelopeFields,
  type: Type.String({ minLength: 1 }),
  severity: Type.Union(SEVERITIES.map((s) => Type.Literal(s))),
  message: Type.String(),
  data: Type.Optional(AnyMap),
});

export const CountsSchema = Type.Object({
  ...sequencedEnvelopeFields,
  camera: Id,
  periodStart: EpochMs,
  periodS: Type.Integer({ minimum: 1 }),
  lines: nameMap(Type.Object({ lr: Count, rl: Count })),
  zones: Type.Optional(
    nameMap(
      Type.Object({
        occupancyPct: Type.Number({ minimum: 0, maximum: 100 }),
        volume: Count,
        queueM: Type.Optional(Type.Number({ minimum: 0 })),
      }),
    ),
  ),
});

export const SIGNAL_MODES = ['startup', 'flash', 'all-red', 'normal', 'manual', 'preempt', 'dark'] as const;
export const SIGNAL_ASPECTS = [
  'dark',
  'red',
  'amber',
  'green',
  'flashing-amber',
  'flashing-red',
  'dont-walk',
  'walk',
  'flashing-dont-walk',
] as const;

export const SignalSchema = Type.Object({
  ...sequencedEnvelopeFields,
  mode: Type.Union(SIGNAL_MODES.map((m) => Type.Literal(m))),
  groups: nameMap(Type.Union(SIGNAL_ASPECTS.map((a) => Type.Literal(a)))),
  phase: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Optional(Type.String()),
});

/** Central → node. Carries no node/boot/seq; extra fields (signatures, later) are allowed. */
export const RequestSchema = Type.Object({
  ...versionField,
  id: Type.String({ minLength: 1, maxLength: 128 }),
  cmd: Id,
  ts: EpochMs,
  args: Type.Optional(AnyMap),
});

const responseFields = {
  ...envelopeFields,
  /** The request's correlation id. */
  id: Type.String({ minLength: 1, maxLength: 128 }),
  cmd: Id,
  result: Type.Optional(Type.Unknown()),
};

export const ResponseOkSchema = Type.Object({
  ...responseFields,
  status: Type.Literal('ok'),
  error: Type.Optional(Type.String()),
});

export const ResponseErrorSchema = Type.Object({
  ...responseFields,
  status: Type.Literal('error'),
  error: Type.String({ minLength: 1 }),
});

/** The node would not run the command (signature, timestamp, nonce, key): `error` says why. */
export const ResponseRefusedSchema = Type.Object({
  ...responseFields,
  status: Type.Literal('refused'),
  error: Type.String({ minLength: 1 }),
});

export const ResponseSchema = Type.Union([ResponseOkSchema, ResponseErrorSchema, ResponseRefusedSchema]);

export type StateMessage = Static<typeof StateSchema>;
export type StateOnlineMessage = Static<typeof StateOnlineSchema>;
export type StateOfflineMessage = Static<typeof StateOfflineSchema>;
export type WireStructures = Static<typeof WireStructuresSchema>;
export type HealthMessage = Static<typeof HealthSchema>;
export type EventMessage = Static<typeof EventSchema>;
export type CountsMessage = Static<typeof CountsSchema>;
export type SignalMessage = Static<typeof SignalSchema>;
export type RequestMessage = Static<typeof RequestSchema>;
export type ResponseMessage = Static<typeof ResponseSchema>;
export type TelemetryMessage = StateMessage | HealthMessage | EventMessage | CountsMessage | SignalMessage;
export type Severity = (typeof SEVERITIES)[number];
export type SignalMode = (typeof SIGNAL_MODES)[number];
export type SignalAspect = (typeof SIGNAL_ASPECTS)[number];

export interface MessageByKind {
  state: StateMessage;
  health: HealthMessage;
  event: EventMessage;
  counts: CountsMessage;
  signal: SignalMessage;
  request: RequestMessage;
  response: ResponseMessage;
}

export const MESSAGE_SCHEMAS = {
  state: StateSchema,
  health: HealthSchema,
  event: EventSchema,
  counts: CountsSchema,
  signal: SignalSchema,
  request: RequestSchema,
  response: ResponseSchema,
} as const satisfies Record<TopicKind, TSchema>;

export function isSequencedKind(kind: TopicKind): kind is SequencedKind {
  return (SEQUENCED_KINDS as readonly string[]).includes(kind);
}
