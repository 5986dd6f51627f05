/**
 * The `monitor` section: the independent conflict monitor's timing and how it senses the lamps.
 * schema.ts passes in its id and pin schemas (importing them here would make the two modules import
 * each other, and ESM would leave them undefined here).
 */
import { Type, type TSchema } from '@sinclair/typebox';

export const LAMP_SENSORS = ['sim', 'gpio'] as const;
export type LampSensorKind = (typeof LAMP_SENSORS)[number];

const milliseconds = (minimum: number, maximum: number, defaultValue: number) =>
  Type.Integer({ minimum, maximum, unit: 'ms', default: defaultValue });

export function monitorSchema<Id extends TSchema, Pin extends TSchema>(Id: Id, Pin: Pin) {
  const strict = { additionalProperties: false } as const;

  /** One group's readback inputs: exactly the lamps of its kind (checked in monitor-cross-check.ts). */
  const ReadbackGroupSchema = Type.Object(
    {
      group: Id,
      red: Type.Optional(Pin),
      amber: Type.Optional(Pin),
      green: Type.Optional(Pin),
      dontWalk: Type.Optional(Pin),
      walk: Type.Optional(Pin),
    },
    strict,
  );

  return Type.Object(
    {
      /** How often the lamps are read. */
      pollMs: milliseconds(5, 50, 20),
      /** How long a conflict or a multiple indication must persist before it latches flash. */
      tripMs: milliseconds(50, 1000, 300),
      /** How long a head may be dark (no red, no don't-walk) before it latches flash. */
      redFailTripMs: milliseconds(50, 2000, 300),
      /** The controller must call heartbeat() at least this often. */
      heartbeatTimeoutMs: milliseconds(100, 10_000, 1000),
      /** sim: the simulator's lamps; gpio: a readback input per lamp (monitor.readback). */
      sensor: Type.Union(
        LAMP_SENSORS.map((kind) => Type.Literal(kind)),
        { default: 'sim' },
      ),
      /** For sensor gpio: one entry per signal group, an input pin per lamp. */
      readback: Type.Array(ReadbackGroupSchema, { default: [] }),
      /** For sensor gpio: an input wired to the flash-transfer relay's contact (energised = 1). */
      flashRelayReadback: Type.Optional(Pin),
      /** For sensor gpio: how long a readback level must hold before it counts. */
      readbackDebounceMs: milliseconds(0, 100, 0),
    },
    { ...strict, default: {} },
  );
}
