/**
 * The phase controller's part of `signal`: operating mode, startup, time-of-day plans and their schedule,
 * detector and preempt inputs. Kept apart so schema.ts stays readable; schema.ts passes in its id and pin
 * schemas (importing them here would make the two modules import each other).
 */
import { Type, type TSchema } from '@sinclair/typebox';

export const SIGNAL_MODES = ['actuated', 'fixed'] as const;
export type SignalOperation = (typeof SIGNAL_MODES)[number];

export const DETECTOR_KINDS = ['loop', 'button'] as const;

export const WEEK_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];

/** Vehicle heads in controller flash: amber (main road style) or red (all-way stop). */
export const FLASH_ASPECTS = ['flashing-amber', 'flashing-red'] as const;

const literalUnion = <const T extends readonly string[]>(values: T, options: { default?: T[number]; allowed?: string } = {}) =>
  Type.Union(
    values.map((value) => Type.Literal(value as T[number])),
    options,
  );

const seconds = (minimum: number, maximum: number, defaultValue?: number) =>
  Type.Number({ minimum, maximum, unit: 's', ...(defaultValue === undefined ? {} : { default: defaultValue }) });

const milliseconds = (maximum: number, defaultValue: number) => Type.Integer({ minimum: 0, maximum, unit: 'ms', default: defaultValue });

/** The ranges of a phase's green timings, shared by PhaseSchema and the plans that override them. */
export const GREEN_RANGES = {
  minGreen: [5, 120],
  maxGreen: [10, 300],
  passage: [0, 30],
} as const;

/**
 * The controller fields of SignalSchema. Clearances (yellow, red clearance, walk, pedestrian clearance)
 * are deliberately not overridable by a plan: they come from the geometry of the crossing, not the hour.
 */
export function signalControlFields<Id extends TSchema, Pin extends TSchema, Recall extends TSchema>(Id: Id, Pin: Pin, Recall: Recall) {
  const strict = { additionalProperties: false } as const;

  const PlanTimingSchema = Type.Object(
    {
      phase: Id,
      minGreen: Type.Optional(seconds(...GREEN_RANGES.minGreen)),
      maxGreen: Type.Optional(seconds(...GREEN_RANGES.maxGreen)),
      passage: Type.Optional(seconds(...GREEN_RANGES.passage)),
      recall: Type.Optional(Recall),
    },
    strict,
  );

  const PlanSchema = Type.Object(
    {
      id: Id,
      /** Absent: signal.mode. */
      mode: Type.Optional(literalUnion(SIGNAL_MODES)),
      /** Per-phase green timings; phases not listed keep their signal.phases values. */
      timings: Type.Array(PlanTimingSchema, { default: [] }),
    },
    strict,
  );

  const ScheduleEntrySchema = Type.Object(
    {
      days: Type.Array(literalUnion(WEEK_DAYS, { allowed: 'sun, mon, tue, wed, thu, fri or sat' }), { minItems: 1, default: [...WEEK_DAYS] }),
      /** Local time (signal.timeZone) from which the plan runs, until the next entry's start. */
      start: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', allowed: 'a time HH:MM from 00:00 to 23:59' }),
      plan: Id,
    },
    strict,
  );

  const DetectorSchema = Type.Object(
    {
      id: Id,
      /** loop: a vehicle detector (held while occupied); button: a pedestrian push button (latched call). */
      kind: literalUnion(DETECTOR_KINDS),
      input: Pin,
      /** The phase called; give either phase or group (a group calls every phase that serves it). */
      phase: Type.Optional(Id),
      group: Type.Optional(Id),
      debounceMs: milliseconds(2000, 50),
    },
    strict,
  );

  const PreemptSchema = Type.Object(
    {
      input: Pin,
      /** Served while the input is asserted, and at least dwellS. */
      phase: Id,
      dwellS: seconds(5, 600, 15),
      /** Served right after the preempt, then normal operation resumes. */
      exitPhase: Id,
      debounceMs: milliseconds(2000, 100),
    },
    strict,
  );

  return {
    /** actuated: green extends on detector calls, phases without calls are skipped; fixed: every phase, maxGreen each. */
    mode: literalUnion(SIGNAL_MODES, { default: 'actuated' }),
    flashAspect: literalUnion(FLASH_ASPECTS, { default: 'flashing-amber' }),
    /** Power-up: flash for flashS, all red for allRedS, then the first phase of the ring. */
    startup: Type.Object({ flashS: seconds(0, 600, 5), allRedS: seconds(1, 60, 3) }, { ...strict, default: {} }),
    /** IANA time zone of the schedule's times, e.g. Asia/Ho_Chi_Minh. */
    timeZone: Type.String({ minLength: 1, default: 'UTC' }),
    plans: Type.Array(PlanSchema, { default: [] }),
    /** Which plan runs when; with no entries, the signal.phases timings always apply. */
    schedule: Type.Array(ScheduleEntrySchema, { default: [] }),
    detectors: Type.Array(DetectorSchema, { default: [] }),
    preempt: Type.Optional(PreemptSchema),
  };
}
