import type { SensedGroup, SignalGroupKind } from '../../hal/lamp-sensor.js';

/** What the monitor checks against, derived once from the signal config. */
export interface MonitorRules {
  readonly groups: readonly SensedGroup[];
  /** Pairs that must never show green/amber/walk together, each pair once. */
  readonly conflicts: ReadonlyArray<readonly [string, string]>;
  /** Per vehicle group: the shortest yellow it may show. */
  readonly minYellowMs: ReadonlyMap<string, number>;
  /** Per vehicle group: how long conflicting groups must wait after its yellow ends (0 = no check). */
  readonly minRedClearanceMs: ReadonlyMap<string, number>;
}

/** The shortest yellow for a group that no phase serves (the schema's lower bound for a phase yellow). */
export const DEFAULT_MIN_YELLOW_MS = 3000;

/** The parts of config `signal` the monitor reads. */
export interface MonitorSignalConfig {
  groups: ReadonlyArray<{ id: string; kind: SignalGroupKind }>;
  conflicts: ReadonlyArray<readonly [string, string]>;
  phases: ReadonlyArray<{ groups: readonly string[]; yellow: number; redClearance: number }>;
}

/**
 * A group's yellow and red clearance are the smallest of the phases serving it: the monitor does not
 * know which phase is running (it must not ask the controller), so it holds every clearance to the
 * least the config allows, and never trips on a clearance the config permits.
 */
export function monitorRules(signal: MonitorSignalConfig): MonitorRules {
  const known = new Set(signal.groups.map((group) => group.id));
  const seen = new Set<string>();
  const conflicts: Array<readonly [string, string]> = [];
  for (const [a, b] of signal.conflicts) {
    if (!known.has(a) || !known.has(b)) throw new Error(`monitor: conflict [${a}, ${b}] names a group that is not in signal.groups`);
    const key = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
    if (a === b || seen.has(key)) continue;
    seen.add(key);
    conflicts.push([a, b]);
  }
  const minYellowMs = new Map<string, number>();
  const minRedClearanceMs = new Map<string, number>();
  for (const group of signal.groups) {
    if (group.kind !== 'vehicle') continue;
    const serving = signal.phases.filter((phase) => phase.groups.includes(group.id));
    minYellowMs.set(group.id, serving.length === 0 ? DEFAULT_MIN_YELLOW_MS : Math.min(...serving.map((phase) => phase.yellow * 1000)));
    minRedClearanceMs.set(group.id, serving.length === 0 ? 0 : Math.min(...serving.map((phase) => phase.redClearance * 1000)));
  }
  return { groups: signal.groups.map(({ id, kind }) => ({ id, kind })), conflicts, minYellowMs, minRedClearanceMs };
}
