import {
  AMBER_BIT,
  GREEN_BIT,
  WALK_BIT,
  litLampNames,
  type LampReading,
  type SensedGroup,
} from '../../hal/lamp-sensor.js';
import type { MonitorFaultKind } from './monitor-fault.js';
import type { MonitorRules } from './monitor-rules.js';

export interface MonitorTiming {
  /** How long a conflict or a multiple indication must persist before it trips. */
  tripMs: number;
  /** How long a dark head must persist before it trips. */
  redFailTripMs: number;
  /** Longest allowed gap between controller heartbeats. */
  heartbeatTimeoutMs: number;
}

/** One reading with what the monitor knows besides the lamps. */
export interface Observation {
  /** Monotonic ms of the reading. */
  tsMs: number;
  reading: LampReading;
  /** True while the controller runs normal, all-red or manual (red-fail applies); false in flash. */
  redMonitoring: boolean;
  /** Monotonic ms since the controller's last heartbeat. */
  heartbeatAgeMs: number;
}

/** A condition present in one reading (a conflict, a dark head): it trips once it has lasted tripAfterMs. */
export interface Condition {
  key: string;
  kind: MonitorFaultKind;
  groups: string[];
  detail: string;
  tripAfterMs: number;
}

export interface DetectedFault {
  kind: MonitorFaultKind;
  groups: string[];
  detail: string;
  /** Monotonic ms of the reading that first showed it. */
  firstSeenMs: number;
  /** Null when there is no reading to show (the sensor failed). */
  firstReading: LampReading | null;
}

interface Persisting {
  firstSeenMs: number;
  firstReading: LampReading;
}

interface GroupHistory {
  /** The mask of the previous reading (undefined before the first). */
  previous: number | undefined;
  /** For a yellow in progress: the time of the last reading before it was seen, and the mode it began in. */
  yellowAfterMs: number | undefined;
  yellowBeganInNormal: boolean;
  /** The last reading (normal operation) that showed this group's amber. */
  lastAmberSeenMs: number | undefined;
}

const GO = { vehicle: GREEN_BIT, pedestrian: WALK_BIT } as const;
const PERMISSIVE = { vehicle: GREEN_BIT | AMBER_BIT, pedestrian: WALK_BIT } as const;

const bitCount = (mask: number): number => (mask & 1) + ((mask >>> 1) & 1) + ((mask >>> 2) & 1);

/**
 * The monitor's judgement, free of I/O and timers: fed one reading at a time, it says when a fault trips.
 *
 * Conditions (conflict, multiple indications, red fail, missing heartbeat) trip once they have lasted their
 * trip time. Durations (yellow, red clearance) are judged when they end and trip at once, but only when the
 * readings prove them short: a reading shows a lamp up to one poll after it changed, so the measured span
 * is widened by the readings around it, and only a span short even at its widest trips. A correct yellow
 * never trips; one shorter than the minimum by more than two poll periods always does.
 */
export class FaultDetector {
  private readonly persisting = new Map<string, Persisting>();
  private readonly history = new Map<string, GroupHistory>();
  private readonly conflictsOf = new Map<string, string[]>();
  private readonly kinds: ReadonlyMap<string, SensedGroup['kind']>;
  private previousTsMs: number | undefined;

  constructor(
    private readonly rules: MonitorRules,
    private readonly timing: MonitorTiming,
  ) {
    this.kinds = new Map(rules.groups.map((group) => [group.id, group.kind]));
    for (const group of rules.groups) {
      this.history.set(group.id, { previous: undefined, yellowAfterMs: undefined, yellowBeganInNormal: false, lastAmberSeenMs: undefined });
      this.conflictsOf.set(group.id, []);
    }
    for (const [a, b] of rules.conflicts) {
      this.conflictsOf.get(a)?.push(b);
      this.conflictsOf.get(b)?.push(a);
    }
  }

  /** Feeds one reading; returns the fault that trips at it, if any (the first found). */
  observe(observation: Observation): DetectedFault | null {
    const { tsMs, reading } = observation;
    const present = this.conditions(observation);
    const seenKeys = new Set<string>();
    let tripped: DetectedFault | null = null;
    for (const condition of present) {
      seenKeys.add(condition.key);
      let entry = this.persisting.get(condition.key);
      if (entry === undefined) {
        entry = { firstSeenMs: tsMs, firstReading: reading };
        this.persisting.set(condition.key, entry);
      }
      if (tripped === null && tsMs - entry.firstSeenMs >= condition.tripAfterMs) {
        tripped = { kind: condition.kind, groups: condition.groups, detail: condition.detail, firstSeenMs: entry.firstSeenMs, firstReading: entry.firstReading };
      }
    }
    for (const key of [...this.persisting.keys()]) if (!seenKeys.has(key)) this.persisting.delete(key);
    const timed = this.judgeDurations(observation);
    this.previousTsMs = tsMs;
    return tripped ?? timed;
  }

  /**
   * The conditions in one reading, whatever their duration. Also what a reset checks: it is refused while
   * any is present.
   */
  conditions({ reading, redMonitoring, heartbeatAgeMs }: Observation): Condition[] {
    const found: Condition[] = [];
    const lit = reading.lit;
    if (heartbeatAgeMs > this.timing.heartbeatTimeoutMs) {
      found.push({ key: 'heartbeat', kind: 'heartbeat-missing', groups: [], detail: `no controller heartbeat for ${Math.round(heartbeatAgeMs)} ms (timeout ${this.timing.heartbeatTimeoutMs} ms)`, tripAfterMs: 0 });
    }
    for (const [a, b] of this.rules.conflicts) {
      const kindA = this.kindOf(a);
      const kindB = this.kindOf(b);
      const maskA = lit[a] ?? 0;
      const maskB = lit[b] ?? 0;
      if ((maskA & PERMISSIVE[kindA]) === 0 || (maskB & PERMISSIVE[kindB]) === 0) continue;
      // In controller flash every vehicle head flashes amber by design: two ambers alone are the flash.
      if (!redMonitoring && (maskA & GO[kindA]) === 0 && (maskB & GO[kindB]) === 0) continue;
      found.push({
        key: `conflict:${a}:${b}`,
        kind: 'conflict',
        groups: [a, b],
        detail: `${a} shows ${litLampNames(kindA, maskA).join('+')} while conflicting ${b} shows ${litLampNames(kindB, maskB).join('+')}`,
        tripAfterMs: this.timing.tripMs,
      });
    }
    for (const group of this.rules.groups) {
      const mask = lit[group.id] ?? 0;
      if (bitCount(mask) > 1) {
        found.push({ key: `multiple:${group.id}`, kind: 'multiple-indications', groups: [group.id], detail: `${group.id} shows ${litLampNames(group.kind, mask).join(' and ')} at once`, tripAfterMs: this.timing.tripMs });
      } else if (mask === 0 && redMonitoring) {
        const stop = group.kind === 'vehicle' ? 'red' : "don't walk";
        found.push({ key: `red-fail:${group.id}`, kind: 'red-fail', groups: [group.id], detail: `${group.id} shows no lamp at all (no ${stop})`, tripAfterMs: this.timing.redFailTripMs });
      }
    }
    return found;
  }

  /** Forgets every condition's start and every yellow in progress (after a reset, or when the mode changes). */
  restart(): void {
    this.persisting.clear();
    this.previousTsMs = undefined;
    for (const history of this.history.values()) {
      history.previous = undefined;
      history.yellowAfterMs = undefined;
      history.yellowBeganInNormal = false;
      history.lastAmberSeenMs = undefined;
    }
  }

  private judgeDurations({ tsMs, reading, redMonitoring }: Observation): DetectedFault | null {
    let tripped: DetectedFault | null = null;
    const trip = (kind: MonitorFaultKind, groups: string[], detail: string) => {
      tripped ??= { kind, groups, detail, firstSeenMs: tsMs, firstReading: reading };
    };
    for (const group of this.rules.groups) {
      const history = this.history.get(group.id)!;
      const mask = reading.lit[group.id] ?? 0;
      const previous = history.previous;
      history.previous = mask;
      if (previous === undefined) continue; // the first reading shows states, not changes
      if (group.kind === 'vehicle') this.followYellow(group, history, previous, mask, tsMs, redMonitoring, trip);
      const wentGo = (previous & GO[group.kind]) === 0 && (mask & GO[group.kind]) !== 0;
      if (wentGo && redMonitoring) this.checkClearanceBefore(group, tsMs, trip);
    }
    return tripped;
  }

  private followYellow(
    group: SensedGroup,
    history: GroupHistory,
    previous: number,
    mask: number,
    tsMs: number,
    redMonitoring: boolean,
    trip: (kind: MonitorFaultKind, groups: string[], detail: string) => void,
  ): void {
    const amberNow = (mask & AMBER_BIT) !== 0;
    const amberBefore = (previous & AMBER_BIT) !== 0;
    if (amberNow && !amberBefore) {
      history.yellowAfterMs = this.previousTsMs;
      history.yellowBeganInNormal = redMonitoring;
    }
    if (amberNow && redMonitoring) history.lastAmberSeenMs = tsMs;
    if (!amberNow && amberBefore) {
      // The yellow began after the reading before its first sighting and ended before this one.
      const longestPossibleMs = history.yellowAfterMs === undefined ? Infinity : tsMs - history.yellowAfterMs;
      const minimumMs = this.rules.minYellowMs.get(group.id) ?? 0;
      if (history.yellowBeganInNormal && redMonitoring && longestPossibleMs < minimumMs) {
        trip('short-yellow', [group.id], `${group.id} showed yellow for at most ${Math.round(longestPossibleMs)} ms; its minimum is ${minimumMs} ms`);
      }
      history.yellowAfterMs = undefined;
    }
  }

  private checkClearanceBefore(group: SensedGroup, tsMs: number, trip: (kind: MonitorFaultKind, groups: string[], detail: string) => void): void {
    for (const other of this.conflictsOf.get(group.id) ?? []) {
      const required = this.rules.minRedClearanceMs.get(other) ?? 0;
      const lastAmber = this.history.get(other)?.lastAmberSeenMs;
      if (required <= 0 || lastAmber === undefined) continue;
      // The yellow ended after lastAmber was read; the green began before this reading.
      const longestPossibleMs = tsMs - lastAmber;
      if (longestPossibleMs < required) {
        const go = group.kind === 'vehicle' ? 'green' : 'walk';
        trip('short-red-clearance', [group.id, other], `${group.id} showed ${go} at most ${Math.round(longestPossibleMs)} ms after conflicting ${other}'s yellow ended; red clearance is ${required} ms`);
      }
    }
  }

  private kindOf(id: string): SensedGroup['kind'] {
    const kind = this.kinds.get(id);
    if (kind === undefined) throw new Error(`monitor: unknown group '${id}'`);
    return kind;
  }
}
