/**
 * JSON Schemas of the v2 (compact) wire maps, for the AsyncAPI document and for other implementations:
 * what a MessagePack reader sees before the names are put back from the birth's structures
 * (compact-wire.ts does that). A golden-vector test checks every v2 vector against them.
 */
import { Type } from '@sinclair/typebox';
import { CYCLE_FIELDS, HEALTH_FIELDS, SIGNAL_REASON_STEPS } from './compact-wire.js';
import { SEVERITIES, SIGNAL_ASPECTS, SIGNAL_MODES } from './messages.js';
import { ID_PATTERN } from './topics.js';

// Plain Type.* calls only (no helpers that return schema types): the build emits declarations for them.
const NullableCount = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);
function indexInto(list: readonly string[], what: string) {
  return { minimum: 0, maximum: list.length - 1, description: `index in ${what}: ${list.join(', ')}` };
}

const envelope = {
  v: Type.Literal(2),
  k: Type.Integer({ minimum: 0, maximum: 0xffff_ffff, description: "structures revision: must equal the birth's structures.revision" }),
  b: Type.Integer({ minimum: 0, description: 'boot' }),
  t: Type.Integer({ minimum: 0, description: 'ts: node wall clock, ms since the Unix epoch, uint64' }),
};
const sequenced = {
  ...envelope,
  s: Type.Integer({ minimum: 0, description: 'seq' }),
  x: Type.Optional(Type.Boolean({ description: 'historical: sent again from the durable log' })),
};
const description = (text: string) => ({ description: `${text} The node is the topic's; names come from the birth's structures.` });

export const CountsWireSchema = Type.Object(
  {
    ...sequenced,
    c: Type.String({ pattern: ID_PATTERN, description: 'camera: a key of structures.counts' }),
    p: Type.Integer({ minimum: 0, description: 'periodStart, ms since the Unix epoch, uint64' }),
    d: Type.Integer({ minimum: 1, description: 'periodS' }),
    l: Type.Array(NullableCount, { description: 'lr, rl for each line of structures.counts[c].lines in order; nil, nil for a line absent that period' }),
    z: Type.Optional(Type.Array(NullableCount, { description: 'occupancy (‰), volume, queue (dm, nil when not measured) for each zone of structures.counts[c].zones; nil, nil, nil for a zone absent' })),
  },
  description('counts, v2.'),
);

export const SignalWireSchema = Type.Object(
  {
    ...sequenced,
    m: Type.Integer(indexInto(SIGNAL_MODES, 'the signal modes')),
    g: Type.Array(Type.Union([Type.Integer(indexInto(SIGNAL_ASPECTS, 'the aspects')), Type.Null()]), { description: 'aspect of each group of structures.signal.groups in order; nil for a group absent' }),
    p: Type.Union([Type.Integer({ minimum: 0, description: 'phase: index in structures.signal.phases' }), Type.Null()]),
    r: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: 2 })], {
        description: `reason: a string, or [step] / [step, phase] meaning "<step>" / "<step> <phase>", step an index in ${SIGNAL_REASON_STEPS.join(', ')}, phase an index in structures.signal.phases`,
      }),
    ),
  },
  description('signal, v2.'),
);

export const HealthWireSchema = Type.Object(
  {
    ...envelope,
    h: Type.Array(Type.Union([Type.Integer(), Type.Null()]), { minItems: HEALTH_FIELDS.length, maxItems: HEALTH_FIELDS.length, description: `in this order: ${HEALTH_FIELDS.join(', ')}` }),
  },
  description('health, v2 (no seq).'),
);

export const EventWireSchema = Type.Object(
  {
    ...sequenced,
    y: Type.String({ minLength: 1, description: 'type' }),
    e: Type.Integer(indexInto(SEVERITIES, 'the severities')),
    m: Type.String({ description: 'message' }),
    d: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown())], {
        description: `data: a map as in v1; for signal.cycle whose data is exactly the cycle summary, an array in this order: ${CYCLE_FIELDS.join(', ')}, phases as indices in structures.signal.phases`,
      }),
    ),
  },
  description('event, v2.'),
);

export const COMPACT_WIRE_SCHEMAS = { counts: CountsWireSchema, signal: SignalWireSchema, health: HealthWireSchema, event: EventWireSchema } as const;
