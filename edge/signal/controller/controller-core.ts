import type { Config } from '../../config/index.js';
import { stopAspect, type Aspect, type GroupAspects, type GroupKind } from './aspects.js';
import { ControllerEventHub, type ControllerEvent, type ControllerMode, type GreenEndReason, type IntervalKind } from './controller-events.js';
import { CycleAccumulator } from './cycle-summary.js';
import { buildPlans, groupKinds, toMs, type PhaseTiming, type TimingPlan } from './phase-timing.js';
import { TimeOfDaySchedule } from './time-of-day.js';

type SignalConfig = Config['signal'];

type PedInterval = 'none' | 'walk' | 'clear' | 'done';
type PreemptState = 'idle' | 'pending' | 'dwell' | 'exit';

/** One service of a phase: the green and the crosswalk timing inside it. */
interface Service {
  readonly timing: PhaseTiming;
  readonly mode: TimingPlan['mode'];
  /** When a call on another phase was first seen during this green; the max timer runs from there. */
  maxStartMs: number | null;
  lastActuationMs: number;
  /** An actuation arrived since the last tick; it counts at that tick's time. */
  actuated: boolean;
  ped: PedInterval;
  pedSinceMs: number;
}

type Interval =
  | { kind: 'startup-flash' | 'startup-all-red' | 'flash' | 'all-red'; startMs: number }
  | { kind: 'green'; startMs: number; service: Service }
  | { kind: 'yellow' | 'red-clearance'; startMs: number; timing: PhaseTiming };

/** What the controller is doing, for the technician page, telemetry and tests. Times in seconds. */
export interface ControllerSnapshot {
  mode: ControllerMode;
  interval: IntervalKind;
  /** The phase timing its green or clearance; null in flash, all red and startup. */
  phase: string | null;
  plan: string | null;
  operation: TimingPlan['mode'];
  preempt: PreemptState;
  aspects: GroupAspects;
  /** Phases with a call waiting (vehicle, pedestrian or recall). */
  calls: string[];
  stepPending: boolean;
  remaining: {
    /** Until the current timed interval (startup, yellow, red clearance) may end. */
    intervalS: number | null;
    minGreenS: number | null;
    /** null while the max timer is not running (no call elsewhere). */
    maxGreenS: number | null;
    gapS: number | null;
    walkS: number | null;
    pedClearanceS: number | null;
  };
}

export type StepResult = 'accepted' | 'queued' | 'not-manual';

/**
 * The phase controller as a pure state machine: it is told the time (advance) and the calls, inputs and
 * operator commands, and answers with the aspect of every group. No timers and no I/O, so it runs as
 * fast as a test can call it.
 *
 * Safety by construction: phases are served one at a time and hold no conflicting groups (cross-checked
 * config). A phase's green ends only into its yellow, the yellow only into its red clearance, and the
 * next green starts only when that red clearance has timed out, every interval timed from the moment it
 * was commanded. Walk ends only into pedestrian clearance, which ends before the vehicle yellow. Only a
 * preempt may cut a green below minGreen (or a walk short); nothing cuts a clearance.
 */
export class ControllerCore {
  readonly events = new ControllerEventHub();
  private readonly ring: readonly string[];
  private readonly ringIndex: Map<string, number>;
  private readonly kinds: Map<string, GroupKind>;
  private readonly groupPhases = new Map<string, string[]>();
  private readonly plans: Map<string | null, TimingPlan>;
  private readonly schedule: TimeOfDaySchedule;
  private readonly startup: { flashMs: number; allRedMs: number };
  private readonly flashAspect: Aspect;
  private readonly preemptConfig: { phase: string; exitPhase: string; dwellMs: number } | null;
  private readonly cycle: CycleAccumulator;

  private plan: TimingPlan;
  private mode: ControllerMode = 'normal';
  private interval: Interval;
  private lastServed = -1;
  private lastPhase: string | null = null;
  private readonly latchedCalls = new Set<string>();
  private readonly presence = new Map<string, Set<string>>();
  private readonly pedCalls = new Set<string>();
  private stepPending = false;
  private preemptInput = false;
  private preempt: PreemptState = 'idle';
  private dwellStartMs = 0;
  private nowMs: number;
  private current: GroupAspects;
  private redMonitoring = false;

  /** Starts in startup flash at startMs; call advance to move on (listeners registered first see every event). */
  constructor(signal: SignalConfig, startMs: number, wallMs: number) {
    refuseConflictingPhases(signal);
    this.ring = [...signal.ring];
    this.ringIndex = new Map(this.ring.map((id, index) => [id, index]));
    this.kinds = groupKinds(signal);
    for (const phase of signal.phases) {
      for (const group of phase.groups) this.groupPhases.set(group, [...(this.groupPhases.get(group) ?? []), phase.id]);
    }
    this.plans = buildPlans(signal);
    this.schedule = new TimeOfDaySchedule(signal);
    this.plan = this.plans.get(this.schedule.planAt(wallMs)) ?? this.plans.get(null)!;
    this.startup = { flashMs: toMs(signal.startup.flashS), allRedMs: toMs(signal.startup.allRedS) };
    this.flashAspect = signal.flashAspect;
    this.preemptConfig = signal.preempt ? { phase: signal.preempt.phase, exitPhase: signal.preempt.exitPhase, dwellMs: toMs(signal.preempt.dwellS) } : null;
    this.cycle = new CycleAccumulator((phase) => this.ringIndex.get(phase) ?? 0);
    this.nowMs = startMs;
    this.interval = { kind: 'startup-flash', startMs };
    this.current = this.computeAspects();
  }

  /** Moves the controller to time nowMs (monotonic); returns whether any aspect changed. */
  advance(nowMs: number, wallMs: number): boolean {
    this.nowMs = Math.max(this.nowMs, nowMs);
    // Transitions that change no aspect chain within one call; the first that changes one ends it. So
    // every commanded aspect is shown for at least one tick (a red clearance of 0 still shows red, a
    // pedestrian clearance is followed by don't walk before any new walk), and intervals only lengthen.
    for (let pass = 0; pass < 16 && this.transition(this.nowMs, wallMs); pass++) {
      const next = this.computeAspects();
      if (Object.keys(next).some((id) => next[id] !== this.current[id])) {
        this.current = next;
        return true;
      }
    }
    return false;
  }

  /** The commanded aspect of every group; a new object whenever an aspect changes. */
  aspects(): Readonly<GroupAspects> {
    return this.current;
  }

  currentMode(): ControllerMode {
    return this.mode;
  }

  /** Requests a mode. Leaving a green waits for its minGreen and clearances; flash is left through all red. */
  setMode(mode: ControllerMode): void {
    if (mode === this.mode) return;
    const previous = this.mode;
    this.mode = mode;
    if (mode !== 'manual') this.stepPending = false;
    this.emit({ type: 'mode', atMs: this.nowMs, mode, previous });
  }

  /**
   * Manual mode: end the current green and serve the next phase of the ring. A step before minGreen,
   * walk or pedestrian clearance are over (or during a clearance) is queued and taken as soon as allowed.
   */
  step(): StepResult {
    if (this.mode !== 'manual') return 'not-manual';
    const interval = this.interval;
    const immediate = interval.kind === 'green' && this.nowMs - interval.startMs >= interval.service.timing.minGreenMs && pedDone(interval.service);
    this.stepPending = true;
    return immediate ? 'accepted' : 'queued';
  }

  /** A presence-style vehicle call (held while on) from `source`, on a phase or on every phase serving a group. */
  placeCall(target: string, on: boolean, source = 'api'): void {
    for (const phase of this.resolve(target)) {
      let sources = this.presence.get(phase);
      if (on) {
        if (!sources) this.presence.set(phase, (sources = new Set()));
        sources.add(source);
        this.actuate(phase);
      } else {
        sources?.delete(source);
      }
    }
  }

  /** A single vehicle actuation (a pulse detector, a counted vehicle). */
  call(target: string): void {
    for (const phase of this.resolve(target)) this.actuate(phase);
  }

  /** A pedestrian call (push button) on a phase or on every phase serving a pedestrian group. */
  pedCall(target: string): void {
    const phases = this.resolve(target).filter((id) => this.timing(id).walkMs > 0);
    if (phases.length === 0) throw new Error(`pedCall: '${target}' serves no crosswalk (phases with walk: ${this.ring.filter((id) => this.timing(id).walkMs > 0).join(', ') || 'none'})`);
    for (const phase of phases) {
      const interval = this.interval;
      if (interval.kind === 'green' && interval.service.timing.id === phase && interval.service.ped === 'walk') continue; // being served
      this.pedCalls.add(phase);
    }
  }

  /** The preempt input (emergency vehicle); ignored when no preempt is configured. */
  setPreempt(active: boolean): void {
    if (!this.preemptConfig) return;
    this.preemptInput = active;
  }

  snapshot(): ControllerSnapshot {
    const now = this.nowMs;
    const interval = this.interval;
    const seconds = (ms: number) => Math.max(0, ms) / 1000;
    const remaining: ControllerSnapshot['remaining'] = { intervalS: null, minGreenS: null, maxGreenS: null, gapS: null, walkS: null, pedClearanceS: null };
    const elapsed = now - interval.startMs;
    let phase: string | null = null;
    if (interval.kind === 'startup-flash') remaining.intervalS = seconds(this.startup.flashMs - elapsed);
    else if (interval.kind === 'startup-all-red') remaining.intervalS = seconds(this.startup.allRedMs - elapsed);
    else if (interval.kind === 'yellow') remaining.intervalS = seconds(interval.timing.yellowMs - elapsed);
    else if (interval.kind === 'red-clearance') remaining.intervalS = seconds(interval.timing.redClearanceMs - elapsed);
    if (interval.kind === 'yellow' || interval.kind === 'red-clearance') phase = interval.timing.id;
    if (interval.kind === 'green') {
      const { timing, maxStartMs, lastActuationMs, ped, pedSinceMs } = interval.service;
      phase = timing.id;
      remaining.minGreenS = seconds(timing.minGreenMs - elapsed);
      remaining.maxGreenS = maxStartMs === null ? null : seconds(timing.maxGreenMs - (now - maxStartMs));
      remaining.gapS = seconds(timing.passageMs - (now - lastActuationMs));
      if (ped === 'walk') remaining.walkS = seconds(timing.walkMs - (now - pedSinceMs));
      if (ped === 'clear') remaining.pedClearanceS = seconds(timing.pedClearanceMs - (now - pedSinceMs));
    }
    return {
      mode: this.mode,
      interval: interval.kind,
      phase,
      plan: this.plan.id,
      operation: this.plan.mode,
      preempt: this.preempt,
      aspects: { ...this.current },
      calls: this.ring.filter((id) => this.hasCall(id)),
      stepPending: this.stepPending,
      remaining,
    };
  }

  private transition(now: number, wallMs: number): boolean {
    const interval = this.interval;
    const elapsed = now - interval.startMs;
    switch (interval.kind) {
      case 'startup-flash':
        if (elapsed < this.startup.flashMs) return false;
        this.enter({ kind: 'startup-all-red', startMs: now }, null);
        return true;
      case 'startup-all-red':
        if (elapsed < this.startup.allRedMs) return false;
        this.leaveAllRed(now, wallMs);
        return true;
      case 'flash':
        if (this.mode === 'flash') return false;
        // Out of flash only through all red, as at power-up.
        this.enter({ kind: 'startup-all-red', startMs: now }, null);
        return true;
      case 'all-red':
        if (this.mode === 'all-red') return false;
        this.leaveAllRed(now, wallMs);
        return true;
      case 'yellow':
        if (elapsed < interval.timing.yellowMs) return false;
        this.enter({ kind: 'red-clearance', startMs: now, timing: interval.timing }, interval.timing.id);
        return true;
      case 'red-clearance':
        if (elapsed < interval.timing.redClearanceMs) return false;
        this.afterClearance(now, wallMs);
        return true;
      case 'green':
        return this.greenTransition(interval.service, now, elapsed);
    }
  }

  private greenTransition(service: Service, now: number, elapsed: number): boolean {
    const timing = service.timing;
    if (service.actuated || this.presenceOn(timing.id)) service.lastActuationMs = now;
    service.actuated = false;
    if (this.preempt === 'idle' && this.preemptInput && (this.mode === 'normal' || this.mode === 'manual')) this.startPreempt(now);
    const preemptingAway = this.preempt === 'pending' && timing.id !== this.preemptConfig!.phase;

    if (service.ped === 'walk' && (now - service.pedSinceMs >= timing.walkMs || preemptingAway)) {
      service.ped = 'clear';
      service.pedSinceMs = now;
      return true;
    }
    if (service.ped === 'clear' && now - service.pedSinceMs >= timing.pedClearanceMs) {
      service.ped = 'done';
      service.pedSinceMs = now;
      return true;
    }
    const minDone = elapsed >= timing.minGreenMs;
    const pedFinished = pedDone(service);

    if (this.mode === 'flash' || this.mode === 'all-red') return minDone && pedFinished && this.endGreen(now, 'mode');
    if (this.preempt === 'pending') {
      if (!preemptingAway) {
        this.preempt = 'dwell';
        this.dwellStartMs = now;
        return false;
      }
      return pedFinished && this.endGreen(now, 'preempt');
    }
    if (this.preempt === 'dwell') {
      const dwellOver = now - this.dwellStartMs >= this.preemptConfig!.dwellMs && !this.preemptInput;
      if (!(dwellOver && minDone && pedFinished)) return false;
      this.preempt = 'exit';
      return this.endGreen(now, 'preempt-exit');
    }
    if (this.mode === 'manual') {
      if (!(this.stepPending && minDone && pedFinished)) return false;
      this.stepPending = false;
      return this.endGreen(now, 'step');
    }
    if (service.mode === 'fixed') {
      return elapsed >= Math.max(timing.maxGreenMs, timing.minGreenMs) && pedFinished && this.endGreen(now, 'fixed');
    }

    if (!this.ring.some((id) => id !== timing.id && this.hasCall(id))) {
      // Resting in green: nothing else wants the intersection. A button pressed now is served at once.
      service.maxStartMs = null;
      if (pedFinished && this.pedCalls.has(timing.id)) {
        this.startWalk(service, now);
        return true;
      }
      return false;
    }
    service.maxStartMs ??= now;
    if (!minDone || !pedFinished) return false;
    if (now - service.maxStartMs >= timing.maxGreenMs) {
      this.emit({ type: 'max-out', atMs: now, phase: timing.id });
      return this.endGreen(now, 'max-out');
    }
    if (timing.recall === 'max') return false;
    if (now - service.lastActuationMs >= timing.passageMs) {
      this.emit({ type: 'gap-out', atMs: now, phase: timing.id });
      return this.endGreen(now, 'gap-out');
    }
    return false;
  }

  private startPreempt(now: number): void {
    this.preempt = 'pending';
    this.emit({ type: 'preempt-start', atMs: now, phase: this.preemptConfig!.phase });
  }

  /** Ends the current green into its yellow. Returns true (a transition happened) for the caller's chaining. */
  private endGreen(now: number, reason: GreenEndReason): true {
    const interval = this.interval;
    if (interval.kind !== 'green') throw new Error('endGreen outside green');
    const timing = interval.service.timing;
    const greenMs = now - interval.startMs;
    // A vehicle still standing on the detector calls the phase back.
    if (this.presenceOn(timing.id)) this.latchedCalls.add(timing.id);
    this.emit({ type: 'green-end', atMs: now, phase: timing.id, reason, greenMs });
    this.cycle.greenEnded(timing.id, greenMs, reason);
    this.enter({ kind: 'yellow', startMs: now, timing }, timing.id);
    return true;
  }

  private afterClearance(now: number, wallMs: number): void {
    if (this.mode === 'flash' || this.mode === 'all-red') {
      this.enter({ kind: this.mode, startMs: now }, null);
      return;
    }
    const preempt = this.preemptConfig;
    if (preempt && this.preempt === 'idle' && this.preemptInput) this.startPreempt(now);
    if (preempt && this.preempt === 'exit') {
      if (this.preemptInput) {
        this.preempt = 'pending';
      } else {
        this.preempt = 'idle';
        this.emit({ type: 'preempt-end', atMs: now, exitPhase: preempt.exitPhase });
        this.startGreen(preempt.exitPhase, now, wallMs);
        return;
      }
    }
    if (preempt && this.preempt === 'pending') {
      this.startGreen(preempt.phase, now, wallMs);
      return;
    }
    const next = this.ring[(this.lastServed + 1) % this.ring.length]!;
    this.startGreen(this.mode === 'manual' ? next : (this.nextCalledPhase() ?? next), now, wallMs);
  }

  /** From all red (startup, all-red mode) into the mode now requested. */
  private leaveAllRed(now: number, wallMs: number): void {
    if (this.mode === 'flash' || this.mode === 'all-red') {
      this.enter({ kind: this.mode, startMs: now }, null);
      return;
    }
    if (this.preemptConfig && this.preemptInput) {
      this.startPreempt(now);
      this.startGreen(this.preemptConfig.phase, now, wallMs);
      return;
    }
    this.startGreen(this.ring[0]!, now, wallMs);
  }

  private startGreen(phase: string, now: number, wallMs: number): void {
    const planId = this.schedule.planAt(wallMs);
    if (planId !== this.plan.id) {
      const previous = this.plan.id;
      this.plan = this.plans.get(planId) ?? this.plans.get(null)!;
      this.emit({ type: 'plan', atMs: now, plan: this.plan.id, previous });
    }
    const timing = this.timing(phase);
    const answeredCall = this.latchedCalls.delete(phase) || this.presenceOn(phase) || this.pedCalls.has(phase);
    const callElsewhere = this.ring.some((id) => id !== phase && this.hasCall(id));
    const service: Service = { timing, mode: this.plan.mode, maxStartMs: callElsewhere ? now : null, lastActuationMs: now, actuated: false, ped: 'none', pedSinceMs: now };
    const preempting = this.preempt === 'pending' || this.preempt === 'dwell';
    const walkWanted = this.pedCalls.has(phase) || timing.recall === 'ped' || this.plan.mode === 'fixed';
    if (preempting && phase === this.preemptConfig?.phase) {
      this.preempt = 'dwell';
      this.dwellStartMs = now;
    }
    const served = this.cycle.greenStarted(phase, now, answeredCall, !preempting && walkWanted && timing.walkMs > 0);
    if (served) this.emit({ type: 'cycle', atMs: now, summary: served });
    this.lastServed = this.ringIndex.get(phase) ?? -1;
    const previous = this.lastPhase;
    this.lastPhase = phase;
    this.enter({ kind: 'green', startMs: now, service }, phase);
    this.emit({ type: 'phase', atMs: now, phase, previous, plan: this.plan.id });
    if (!preempting && walkWanted && timing.walkMs > 0) this.startWalk(service, now);
  }

  private startWalk(service: Service, now: number): void {
    service.ped = 'walk';
    service.pedSinceMs = now;
    this.pedCalls.delete(service.timing.id);
    this.emit({ type: 'ped-service', atMs: now, phase: service.timing.id, groups: service.timing.pedestrianGroups });
  }

  private enter(interval: Interval, phase: string | null): void {
    this.interval = interval;
    if (interval.kind === 'flash' || interval.kind === 'all-red' || interval.kind === 'startup-flash' || interval.kind === 'startup-all-red') {
      this.cycle.reset();
      if (this.preempt !== 'idle') {
        this.preempt = 'idle';
        this.emit({ type: 'preempt-end', atMs: interval.startMs, exitPhase: null });
      }
    }
    this.emit({ type: 'interval', atMs: interval.startMs, interval: interval.kind, phase });
    // Red-fail monitoring applies whenever the controller drives steady lamps (not in flash).
    const monitoring = interval.kind !== 'flash' && interval.kind !== 'startup-flash';
    if (monitoring !== this.redMonitoring) {
      this.redMonitoring = monitoring;
      this.emit({ type: 'red-monitoring', atMs: interval.startMs, enabled: monitoring });
    }
  }

  private nextCalledPhase(): string | undefined {
    for (let offset = 1; offset <= this.ring.length; offset++) {
      const id = this.ring[(this.lastServed + offset) % this.ring.length]!;
      if (this.hasCall(id)) return id;
    }
    return undefined;
  }

  private hasCall(phase: string): boolean {
    return this.plan.mode === 'fixed' || this.latchedCalls.has(phase) || this.presenceOn(phase) || this.pedCalls.has(phase) || this.timing(phase).recall !== 'none';
  }

  private actuate(phase: string): void {
    const interval = this.interval;
    if (interval.kind === 'green' && interval.service.timing.id === phase) interval.service.actuated = true;
    else this.latchedCalls.add(phase);
  }

  private presenceOn(phase: string): boolean {
    const sources = this.presence.get(phase);
    return sources !== undefined && sources.size > 0;
  }

  private timing(phase: string): PhaseTiming {
    const timing = this.plan.phases.get(phase);
    if (!timing) throw new Error(`unknown phase '${phase}'`);
    return timing;
  }

  private resolve(target: string): string[] {
    if (this.ringIndex.has(target)) return [target];
    const phases = this.groupPhases.get(target);
    if (phases) return phases;
    throw new Error(`unknown phase or group '${target}' (phases: ${this.ring.join(', ')}; groups: ${[...this.groupPhases.keys()].join(', ')})`);
  }

  private computeAspects(): GroupAspects {
    const aspects: GroupAspects = {};
    const interval = this.interval;
    const flashing = interval.kind === 'flash' || interval.kind === 'startup-flash';
    for (const [id, kind] of this.kinds) aspects[id] = flashing ? (kind === 'vehicle' ? this.flashAspect : 'dark') : stopAspect(kind);
    if (interval.kind === 'yellow') for (const id of interval.timing.vehicleGroups) aspects[id] = 'yellow';
    if (interval.kind === 'green') {
      const { timing, ped } = interval.service;
      for (const id of timing.vehicleGroups) aspects[id] = 'green';
      const pedAspect: Aspect = ped === 'walk' ? 'walk' : ped === 'clear' ? 'ped-clear' : 'dont-walk';
      for (const id of timing.pedestrianGroups) aspects[id] = pedAspect;
    }
    return aspects;
  }

  private emit(event: ControllerEvent): void {
    this.events.emit(event);
  }
}

function pedDone(service: Service): boolean {
  return service.ped === 'none' || service.ped === 'done';
}

/**
 * Defence in depth: validation already rejects these configs, but the one property this class exists to
 * keep must not depend on every caller having validated.
 */
function refuseConflictingPhases(signal: SignalConfig): void {
  const conflicts = new Set(signal.conflicts.flatMap(([a, b]) => [`${a} ${b}`, `${b} ${a}`]));
  for (const phase of signal.phases) {
    for (const a of phase.groups) {
      for (const b of phase.groups) {
        if (conflicts.has(`${a} ${b}`)) throw new Error(`phase '${phase.id}' serves conflicting groups ${a} and ${b}; refusing to run`);
      }
    }
  }
  const phases = new Set(signal.phases.map((phase) => phase.id));
  const unknown = signal.ring.filter((id) => !phases.has(id));
  if (unknown.length > 0 || signal.ring.length === 0) throw new Error(`signal.ring must name configured phases (unknown: ${unknown.join(', ') || 'none'}; ring: ${signal.ring.join(', ')})`);
}
