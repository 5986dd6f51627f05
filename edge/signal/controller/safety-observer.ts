import type { Config } from '../../config/index.js';
import { grantsRightOfWay, type Aspect, type GroupAspects } from './aspects.js';
import { toMs } from './phase-timing.js';

type SignalConfig = Config['signal'];

export type SafetyViolationKind =
  /** Two conflicting groups both showed green, yellow, walk or pedestrian clearance. */
  | 'conflict'
  /** A green or walk began before a conflicting group's red clearance had run. */
  | 'red-clearance'
  | 'yellow'
  | 'min-green'
  | 'walk'
  | 'ped-clearance'
  /** An aspect followed one it may not (green straight to red, walk straight to don't walk, ...). */
  | 'sequence';

export interface SafetyViolation {
  kind: SafetyViolationKind;
  atMs: number;
  message: string;
}

export type ViolationCounts = Record<SafetyViolationKind, number>;

interface GroupRequirement {
  kind: 'vehicle' | 'pedestrian';
  /** The least of the phases (and plans) serving the group, so no legal service is flagged. */
  minGreenMs: number;
  yellowMs: number;
  redClearanceMs: number;
  walkMs: number;
  pedClearanceMs: number;
}

interface GroupTrack {
  aspect: Aspect;
  /** The aspect before this one; null until the first change. */
  previous: Aspect | null;
  sinceMs: number;
  /** When the group last stopped having right of way (end of yellow or pedestrian clearance). */
  rightOfWayEndMs: number;
  /** A preempt was asserted at some point of the current green or walk (it may cut them short). */
  preemptSeen: boolean;
}

const ALLOWED_AFTER: Readonly<Partial<Record<Aspect, readonly Aspect[]>>> = {
  green: ['yellow'],
  yellow: ['red'],
  walk: ['ped-clear'],
  'ped-clear': ['dont-walk'],
};
const ALLOWED_BEFORE: Readonly<Partial<Record<Aspect, readonly Aspect[]>>> = {
  green: ['red'],
  walk: ['dont-walk'],
};

/**
 * Watches the commanded aspects over time and counts every safety rule broken, from the config alone
 * (not from the controller's own state): conflicting rights of way, clearances and minimums shortened,
 * and illegal aspect sequences. The property tests and the safety bench run the controller under it.
 */
export class SafetyObserver {
  readonly counts: ViolationCounts = { conflict: 0, 'red-clearance': 0, yellow: 0, 'min-green': 0, walk: 0, 'ped-clearance': 0, sequence: 0 };
  /** The first few violations in full, for a readable failure. */
  readonly first: SafetyViolation[] = [];
  private readonly ids: string[];
  private readonly requirement = new Map<string, GroupRequirement>();
  private readonly conflictsOf = new Map<string, string[]>();
  private readonly conflictPairs: Array<[string, string]>;
  private readonly tracks = new Map<string, GroupTrack>();
  private lastAspects: Readonly<GroupAspects> | null = null;

  constructor(signal: SignalConfig, private readonly keepFirst = 10) {
    this.ids = signal.groups.map((group) => group.id);
    for (const group of signal.groups) {
      const phases = signal.phases.filter((phase) => phase.groups.includes(group.id));
      const least = (pick: (phase: SignalConfig['phases'][number]) => number) => Math.min(...phases.map(pick));
      const planMinGreens = signal.plans.flatMap((plan) => plan.timings.filter((timing) => phases.some((phase) => phase.id === timing.phase)).map((timing) => timing.minGreen ?? Infinity));
      this.requirement.set(group.id, {
        kind: group.kind,
        minGreenMs: toMs(Math.min(least((phase) => phase.minGreen), ...planMinGreens)),
        yellowMs: toMs(least((phase) => phase.yellow)),
        redClearanceMs: toMs(least((phase) => phase.redClearance)),
        walkMs: toMs(least((phase) => phase.walk ?? 0)),
        pedClearanceMs: toMs(least((phase) => phase.pedClearance ?? 0)),
      });
      this.conflictsOf.set(group.id, []);
    }
    const seen = new Set<string>();
    this.conflictPairs = [];
    for (const [a, b] of signal.conflicts) {
      const key = a < b ? `${a} ${b}` : `${b} ${a}`;
      if (seen.has(key) || a === b) continue;
      seen.add(key);
      this.conflictPairs.push([a, b]);
      this.conflictsOf.get(a)?.push(b);
      this.conflictsOf.get(b)?.push(a);
    }
  }

  total(): number {
    return Object.values(this.counts).reduce((sum, count) => sum + count, 0);
  }

  /**
   * Feeds the aspects commanded at atMs (call it whenever they may have changed, and at least on every
   * tick) and whether the preempt input is asserted.
   */
  observe(atMs: number, aspects: Readonly<GroupAspects>, preemptActive: boolean): void {
    if (aspects === this.lastAspects) {
      if (preemptActive) for (const track of this.tracks.values()) track.preemptSeen = true;
      return;
    }
    this.lastAspects = aspects;
    const changed: string[] = [];
    for (const id of this.ids) {
      const aspect = aspects[id]!;
      const track = this.tracks.get(id);
      if (!track) {
        this.tracks.set(id, { aspect, previous: null, sinceMs: atMs, rightOfWayEndMs: -Infinity, preemptSeen: preemptActive });
        continue;
      }
      if (preemptActive) track.preemptSeen = true;
      if (track.aspect === aspect) continue;
      this.checkEnd(id, track, aspect, atMs);
      if (grantsRightOfWay(track.aspect) && !grantsRightOfWay(aspect)) track.rightOfWayEndMs = atMs;
      track.previous = track.aspect;
      track.aspect = aspect;
      track.sinceMs = atMs;
      track.preemptSeen = preemptActive;
      changed.push(id);
    }
    for (const id of changed) this.checkStart(id, this.tracks.get(id)!, atMs);
    for (const [a, b] of this.conflictPairs) {
      if (grantsRightOfWay(aspects[a]!) && grantsRightOfWay(aspects[b]!)) {
        this.report('conflict', atMs, `${a} ${aspects[a]} and ${b} ${aspects[b]} conflict`);
      }
    }
  }

  /** Checks the interval that just ended (from track.aspect to `next`). */
  private checkEnd(id: string, track: GroupTrack, next: Aspect, atMs: number): void {
    const held = atMs - track.sinceMs;
    const need = this.requirement.get(id)!;
    const allowed = ALLOWED_AFTER[track.aspect];
    if (allowed && !allowed.includes(next)) this.report('sequence', atMs, `${id}: ${track.aspect} went to ${next}`);
    if (track.aspect === 'green' && held < need.minGreenMs && !track.preemptSeen) this.report('min-green', atMs, `${id}: green ${held} ms < ${need.minGreenMs} ms`);
    if (track.aspect === 'yellow' && held < need.yellowMs) this.report('yellow', atMs, `${id}: yellow ${held} ms < ${need.yellowMs} ms`);
    if (track.aspect === 'walk' && held < need.walkMs && !track.preemptSeen) this.report('walk', atMs, `${id}: walk ${held} ms < ${need.walkMs} ms`);
    if (track.aspect === 'ped-clear' && held < need.pedClearanceMs) this.report('ped-clearance', atMs, `${id}: pedestrian clearance ${held} ms < ${need.pedClearanceMs} ms`);
  }

  /** Checks the aspect that just began against what preceded it and the conflicting groups' clearances. */
  private checkStart(id: string, track: GroupTrack, atMs: number): void {
    if (!grantsRightOfWay(track.aspect)) return;
    const allowedBefore = ALLOWED_BEFORE[track.aspect];
    const previous = track.previous;
    if (allowedBefore && previous !== null && !allowedBefore.includes(previous)) this.report('sequence', atMs, `${id}: ${track.aspect} after ${previous}`);
    if (track.aspect !== 'green' && track.aspect !== 'walk') return;
    for (const other of this.conflictsOf.get(id)!) {
      const otherTrack = this.tracks.get(other)!;
      const otherNeed = this.requirement.get(other)!;
      const clearance = otherNeed.kind === 'vehicle' ? otherNeed.redClearanceMs : 0;
      if (atMs - otherTrack.rightOfWayEndMs < clearance) {
        this.report('red-clearance', atMs, `${id} ${track.aspect} ${atMs - otherTrack.rightOfWayEndMs} ms after conflicting ${other} cleared (needs ${clearance} ms)`);
      }
    }
  }

  private report(kind: SafetyViolationKind, atMs: number, message: string): void {
    this.counts[kind]++;
    if (this.first.length < this.keepFirst) this.first.push({ kind, atMs, message });
  }
}
