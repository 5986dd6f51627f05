/** A controller core ticking on a VirtualClock, with every event recorded and a SafetyObserver watching. */
import * as assert from 'uvu/assert';
import type { Config } from '../../edge/config/index.js';
import type { Aspect } from '../../edge/signal/controller/aspects.js';
import { ControllerCore } from '../../edge/signal/controller/controller-core.js';
import type { ControllerEvent } from '../../edge/signal/controller/controller-events.js';
import { SafetyObserver } from '../../edge/signal/controller/safety-observer.js';
import { VirtualClock } from '../../sim/virtual-clock.js';
import { exampleRaw, type RawConfig } from '../config/example-raw.js';
import { expectValid } from '../config/expect-valid.js';

export const TICK_MS = 100;

/** The example intersection without its time-of-day schedule (so the base timings apply), edited. */
export function exampleSignal(edit: (signal: RawConfig) => void = () => undefined): Config['signal'] {
  const raw = exampleRaw();
  raw.signal.schedule = [];
  edit(raw.signal);
  return expectValid(raw).signal;
}

export class CoreRig {
  readonly clock: VirtualClock;
  readonly core: ControllerCore;
  readonly observer: SafetyObserver;
  readonly events: ControllerEvent[] = [];
  preempt = false;

  constructor(readonly signal: Config['signal'], epochMs?: number) {
    this.clock = new VirtualClock(epochMs === undefined ? {} : { epochMs });
    this.core = new ControllerCore(signal, this.clock.monotonic(), this.clock.now());
    this.observer = new SafetyObserver(signal);
    this.core.events.on((event) => this.events.push(event));
    this.tick();
    this.clock.setRepeating(() => this.tick(), TICK_MS);
  }

  /** Runs the clock to the absolute monotonic time atMs. */
  runTo(atMs: number): void {
    this.clock.advanceTo(atMs);
  }

  /** Runs to just before atMs and acts, so the tick at atMs is the first to see the action. */
  at(atMs: number, action: () => void): void {
    this.runTo(atMs - 1);
    action();
  }

  setPreempt(active: boolean): void {
    this.preempt = active;
    this.core.setPreempt(active);
  }

  aspect(group: string): Aspect {
    return this.core.aspects()[group]!;
  }

  /** [phase, atMs] of every green started. */
  greens(): Array<[string, number]> {
    return this.events.flatMap((event) => (event.type === 'phase' ? [[event.phase, event.atMs] as [string, number]] : []));
  }

  ofType<T extends ControllerEvent['type']>(type: T): Array<Extract<ControllerEvent, { type: T }>> {
    return this.events.filter((event): event is Extract<ControllerEvent, { type: T }> => event.type === type);
  }

  /** The observer saw no conflict, no shortened clearance or minimum, no illegal sequence. */
  assertSafe(): void {
    assert.equal(this.observer.first, [], 'safety violations');
  }

  private tick(): void {
    this.core.advance(this.clock.monotonic(), this.clock.now());
    this.observer.observe(this.clock.monotonic(), this.core.aspects(), this.preempt);
  }
}
