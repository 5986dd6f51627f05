import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from '../edge/hal/clock.js';

export interface VirtualClockOptions {
  /** Wall-clock time (ms since the Unix epoch) at monotonic 0. Default 2026-01-01T00:00:00Z. */
  epochMs?: number;
}

export interface RunUntilOptions {
  /**
   * Virtual ms (monotonic, absolute) beyond which a predicate run gives up; it bounds runs where repeating
   * timers would otherwise keep the loop going forever. Default: one virtual hour from the call.
   */
  limitMs?: number;
}

interface VirtualTimer {
  readonly id: number;
  due: number;
  /** Insertion order; breaks ties between timers due at the same instant. */
  seq: number;
  readonly fn: () => void;
  readonly periodMs: number | null;
}

interface SpeedDriver {
  stopped: boolean;
  /** Set while the driver waits; called to cut the wait short (new timer, stop). */
  wake: (() => void) | null;
  done: Promise<void>;
}

const DEFAULT_EPOCH_MS = Date.UTC(2026, 0, 1);
const DEFAULT_RUN_LIMIT_MS = 3_600_000;
/** Like Node, a repeating timer fires at most once per ms; a period of 0 would never let time advance. */
const MIN_PERIOD_MS = 1;
/** Timers firing without virtual time moving; more than this is a callback rescheduling itself at 0 ms. */
const STORM_LIMIT = 100_000;
/** Longest real wait of the speed driver, so monotonic() is never staler than this × factor. */
const MAX_DRIVER_WAIT_MS = 20;

/** Real ms between checks of a hold (holdWhile); short, since it paces the whole fast simulation. */
const HELD_POLL_MS = 1;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A deterministic Clock: time moves only when told to (advance / runUntil) or when the real-time driver
 * (runAtSpeed) moves it. Timers fire in due-time order, ties in insertion order; timers scheduled by a
 * firing callback run in the same advance if they fall due within it.
 *
 * The sync methods run callbacks only: continuations of promises resolved by a timer (`await sleep()`)
 * run after the call returns. Use the *Async variants for promise-driven code; they let microtasks run
 * between timers so such code sees every intermediate instant.
 */
export class VirtualClock implements Clock {
  private readonly epochMs: number;
  private elapsed = 0;
  /** Sorted by (due, seq). Timer counts here are small, so a sorted array beats a heap in clarity. */
  private readonly queue: VirtualTimer[] = [];
  private nextId = 1;
  private nextSeq = 0;
  private firedAtSameInstant = 0;
  private driver: SpeedDriver | null = null;
  private readonly holds = new Set<() => boolean>();

  constructor(options: VirtualClockOptions = {}) {
    this.epochMs = options.epochMs ?? DEFAULT_EPOCH_MS;
  }

  now(): number {
    return this.epochMs + this.elapsed;
  }

  monotonic(): number {
    return this.elapsed;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, nonNegative(ms), null);
  }

  setRepeating(fn: () => void, ms: number): TimerHandle {
    const period = Math.max(MIN_PERIOD_MS, nonNegative(ms));
    return this.schedule(fn, period, period);
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    const index = this.queue.findIndex((t) => t.id === handle.id);
    if (index >= 0) this.queue.splice(index, 1);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.setTimer(resolve, ms);
    });
  }

  /** Number of timers waiting to fire (a repeating timer counts once). */
  pending(): number {
    return this.queue.length;
  }

  /** Monotonic time at which the next timer falls due, or null if none is pending. */
  nextDue(): number | null {
    return this.queue[0]?.due ?? null;
  }

  /** Moves time forward by ms, firing every timer that falls due on the way. Returns how many fired. */
  advance(ms: number): number {
    return this.advanceTo(this.elapsed + nonNegative(ms));
  }

  /** Moves time forward to the absolute monotonic time target (no-op if already past). */
  advanceTo(target: number): number {
    let fired = 0;
    while (this.fireNext(target)) fired++;
    if (target > this.elapsed) this.setElapsed(target);
    return fired;
  }

  /** Like advance, letting promise continuations run after each timer. */
  async advanceAsync(ms: number): Promise<number> {
    const target = this.elapsed + nonNegative(ms);
    let fired = 0;
    await yieldToEventLoop();
    while (this.fireNext(target)) {
      fired++;
      await yieldToEventLoop();
    }
    if (target > this.elapsed) this.setElapsed(target);
    return fired;
  }

  /**
   * With a number: advances to that absolute monotonic time and returns true.
   * With a predicate: fires timers one at a time until it holds (true) or no timer is due before
   * limitMs (false; time is then left at the limit). Checked before the first timer too.
   */
  runUntil(target: number | (() => boolean), options: RunUntilOptions = {}): boolean {
    if (typeof target === 'number') {
      this.advanceTo(target);
      return true;
    }
    const limit = options.limitMs ?? this.elapsed + DEFAULT_RUN_LIMIT_MS;
    if (target()) return true;
    while (this.fireNext(limit)) {
      if (target()) return true;
    }
    if (limit > this.elapsed) this.setElapsed(limit);
    return false;
  }

  /** runUntil for promise-driven code: microtasks run after each timer before the predicate is checked. */
  async runUntilAsync(target: number | (() => boolean), options: RunUntilOptions = {}): Promise<boolean> {
    if (typeof target === 'number') {
      await this.advanceAsync(target - this.elapsed);
      return true;
    }
    const limit = options.limitMs ?? this.elapsed + DEFAULT_RUN_LIMIT_MS;
    await yieldToEventLoop();
    if (target()) return true;
    while (this.fireNext(limit)) {
      await yieldToEventLoop();
      if (target()) return true;
    }
    if (limit > this.elapsed) this.setElapsed(limit);
    return false;
  }

  /**
   * Drives this clock from the real clock at factor× real time until stop(). factor = Infinity jumps from
   * one due instant to the next as fast as possible (time stands still while nothing is pending). Between
   * instants it yields to the event loop (setImmediate), so I/O and promise continuations still run.
   * The returned promise settles when the driver stops: it rejects if a timer callback threw.
   */
  runAtSpeed(factor: number): Promise<void> {
    if (!(factor > 0)) throw new RangeError(`runAtSpeed: factor must be > 0, got ${factor}`);
    if (this.driver !== null) throw new Error('runAtSpeed: already running; stop() first');
    const driver: SpeedDriver = { stopped: false, wake: null, done: Promise.resolve() };
    this.driver = driver;
    driver.done = this.drive(factor, driver);
    return driver.done;
  }

  /** Stops the real-time driver; resolves once it has exited (errors are reported by runAtSpeed's promise). */
  async stop(): Promise<void> {
    const driver = this.driver;
    if (driver === null) return;
    driver.stopped = true;
    driver.wake?.();
    await driver.done.catch(() => undefined);
  }

  /**
   * Registers a check the as-fast-as-possible driver (factor Infinity) consults before each instant: while
   * it returns true, time waits in real time. Work that runs outside this clock (a vision worker thread
   * busy with a frame) so keeps up instead of losing frames. Returns a remover.
   */
  holdWhile(busy: () => boolean): () => void {
    this.holds.add(busy);
    return () => void this.holds.delete(busy);
  }

  /** True while runAtSpeed is driving the clock. */
  isRunning(): boolean {
    return this.driver !== null;
  }

  private async drive(factor: number, driver: SpeedDriver): Promise<void> {
    try {
      let realOrigin = performance.now();
      let virtualOrigin = this.elapsed;
      while (!driver.stopped) {
        const next = this.queue[0];
        if (factor === Infinity) {
          if (next === undefined) {
            await this.waitReal(driver, null);
          } else if (this.held()) {
            await this.waitReal(driver, HELD_POLL_MS);
          } else {
            this.fireInstant(next.due);
            await yieldToEventLoop();
          }
          continue;
        }
        const target = virtualOrigin + (performance.now() - realOrigin) * factor;
        if (target < this.elapsed) {
          // Someone advanced the clock by hand meanwhile: continue from there rather than stall.
          realOrigin = performance.now();
          virtualOrigin = this.elapsed;
          continue;
        }
        if (next !== undefined && next.due <= target) {
          this.fireInstant(next.due);
          await yieldToEventLoop();
          continue;
        }
        this.setElapsed(target);
        const untilNext = next === undefined ? Infinity : (next.due - this.elapsed) / factor;
        await this.waitReal(driver, Math.min(untilNext, MAX_DRIVER_WAIT_MS));
      }
    } finally {
      if (this.driver === driver) this.driver = null;
    }
  }

  private held(): boolean {
    for (const busy of this.holds) if (busy()) return true;
    return false;
  }

  /** Waits ms of real time (or until woken if null). */
  private waitReal(driver: SpeedDriver, ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === null ? undefined : setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        driver.wake = null;
        resolve();
      }
      driver.wake = done;
    });
  }

  /** Fires every timer due at or before instant, including ones its callbacks add for that instant. */
  private fireInstant(instant: number): void {
    while (this.fireNext(instant));
  }

  /** Fires the earliest timer if it is due at or before limit; returns whether one fired. */
  private fireNext(limit: number): boolean {
    const timer = this.queue[0];
    if (timer === undefined || timer.due > limit) return false;
    this.queue.shift();
    if (timer.due > this.elapsed) {
      this.setElapsed(timer.due);
    } else if (++this.firedAtSameInstant > STORM_LIMIT) {
      throw new Error(`VirtualClock: over ${STORM_LIMIT} timers fired at t=${this.elapsed} ms without time advancing`);
    }
    if (timer.periodMs !== null) {
      // Rescheduled before the call so the callback can clear its own handle; due-based, so no drift.
      timer.due += timer.periodMs;
      timer.seq = this.nextSeq++;
      this.insert(timer);
    }
    timer.fn();
    return true;
  }

  private setElapsed(ms: number): void {
    this.elapsed = ms;
    this.firedAtSameInstant = 0;
  }

  private schedule(fn: () => void, delayMs: number, periodMs: number | null): TimerHandle {
    const timer: VirtualTimer = { id: this.nextId++, due: this.elapsed + delayMs, seq: this.nextSeq++, fn, periodMs };
    this.insert(timer);
    this.driver?.wake?.();
    return { id: timer.id };
  }

  private insert(timer: VirtualTimer): void {
    // Binary search for the first timer ordered after this one.
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.queue[mid]!;
      if (other.due < timer.due || (other.due === timer.due && other.seq < timer.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, timer);
  }
}

function nonNegative(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}
