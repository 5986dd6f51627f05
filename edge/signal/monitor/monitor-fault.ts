import { litLampNames, type LampReading, type SensedGroup } from '../../hal/lamp-sensor.js';

export type MonitorFaultKind =
  /** Two conflicting groups both showed green, amber or walk. */
  | 'conflict'
  /** A head showed no lamp at all (no red, no don't-walk) during normal operation. */
  | 'red-fail'
  /** More than one lamp lit on one head (green and red, walk and don't-walk). */
  | 'multiple-indications'
  /** A yellow shorter than the group's minimum. */
  | 'short-yellow'
  /** A group went green or walk too soon after a conflicting group's yellow ended. */
  | 'short-red-clearance'
  /** The controller stopped calling heartbeat(). */
  | 'heartbeat-missing'
  /** The lamp sensor could not be read: the monitor cannot see, so it must not let the lamps run. */
  | 'sensor-error'
  /** The persisted fault record exists but cannot be read: kept latched, since it recorded a fault. */
  | 'unreadable-record';

/** One lamp reading as stored in a fault record: the lamps lit per group, by name. */
export interface RecordedReading {
  /** Wall-clock ms since the Unix epoch. */
  at: number;
  lit: Record<string, string[]>;
  flashRelayEnergised: boolean | null;
}

/** A latched fault, as persisted in the state dir and sent with the monitor's events. */
export interface MonitorFaultRecord {
  kind: MonitorFaultKind;
  groups: string[];
  /** What was seen, in words (durations, the lamps involved). */
  detail: string;
  /** Wall-clock ms when the condition was first seen and when it latched flash. */
  firstSeenAt: number;
  trippedAt: number;
  /** The reading that first showed the condition and the one that tripped (one entry when they coincide). */
  readings: RecordedReading[];
}

export function recordReading(groups: readonly SensedGroup[], reading: LampReading, at: number): RecordedReading {
  const lit: Record<string, string[]> = {};
  for (const group of groups) lit[group.id] = litLampNames(group.kind, reading.lit[group.id] ?? 0);
  return { at, lit, flashRelayEnergised: reading.flashRelayEnergised };
}
