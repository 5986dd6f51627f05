import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from './clock.js';

/**
 * The production Clock: wall time from Date.now, monotonic time from performance.now, node timers.
 *
 * Timers stay ref'd on purpose: a pending signal-phase or retry timer must keep the process alive, so a
 * clean shutdown has to clear them (every service's stop() does). An unref'd timer would let the process
 * exit silently mid-cycle, which is worse for a signal controller than refusing to exit.
 */
export class RealClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        fn();
      }, ms),
    );
    return { id };
  }

  setRepeating(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, setInterval(fn, ms));
    return { id };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    const timer = this.timers.get(handle.id);
    if (timer === undefined) return;
    // clearTimeout and clearInterval are interchangeable in Node.
    clearTimeout(timer);
    this.timers.delete(handle.id);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.setTimer(resolve, ms);
    });
  }

  /** Timers scheduled and not yet fired or cleared (for shutdown checks). */
  pending(): number {
    return this.timers.size;
  }
}
