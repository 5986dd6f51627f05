/**
 * Time as the runtime sees it. Everything above the HAL takes a Clock instead of calling Date.now() or
 * setTimeout directly, so the simulator can run faster than real time and tests are deterministic.
 */
export interface TimerHandle {
  /** Opaque; pass back to clearTimer. */
  readonly id: number;
}

export interface Clock {
  /** Wall-clock time in ms since the Unix epoch (what goes into telemetry `ts`). */
  now(): number;
  /** Monotonic ms since an arbitrary origin; never jumps backwards. Use it for intervals and timeouts. */
  monotonic(): number;
  /** Calls fn once after ms (monotonic). */
  setTimer(fn: () => void, ms: number): TimerHandle;
  /** Calls fn every ms (monotonic) until cleared. */
  setRepeating(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle | undefined): void;
  /** Resolves after ms of this clock's time. */
  sleep(ms: number): Promise<void>;
}
