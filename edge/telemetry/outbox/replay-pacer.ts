import type { Clock, TimerHandle } from '../../hal/clock.js';

export interface ReplayBudget {
  /** Messages per second for live and backlog together; unlimited when absent. */
  messagesPerS?: number;
  /** Bytes per second for live and backlog together; unlimited when absent. */
  bytesPerS?: number;
  /** How much unused budget may be saved up, in seconds of the rate. Default 1. */
  burstS?: number;
}

/** A token bucket on the injected clock. Live traffic may push it into debt, at most one burst deep. */
class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  readonly capacity: number;

  constructor(
    private readonly clock: Clock,
    readonly perSecond: number,
    burstS: number,
    minimumCapacity: number,
  ) {
    this.capacity = Math.max(minimumCapacity, perSecond * burstS);
    this.tokens = this.capacity;
    this.updatedAt = clock.monotonic();
  }

  level(): number {
    const now = this.clock.monotonic();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) * this.perSecond) / 1000);
    this.updatedAt = now;
    return this.tokens;
  }

  spend(amount: number): void {
    this.tokens = Math.max(-this.capacity, this.level() - amount);
  }

  /** ms until `amount` tokens are there (0 when they are). */
  msUntil(amount: number): number {
    const missing = amount - this.level();
    return missing <= 0 ? 0 : (missing * 1000) / this.perSecond;
  }
}

/**
 * Paces the replay of a backlog so live data is never starved: live messages are counted against the
 * budget first and never delayed; backlog messages go out only with what live traffic left over.
 */
export class ReplayPacer {
  private readonly messages: TokenBucket | null;
  private readonly bytes: TokenBucket | null;
  private stopped = false;
  private waiting: { timer: TimerHandle; wake: () => void } | null = null;
  private live = 0;
  private backlog = 0;

  constructor(
    private readonly clock: Clock,
    budget: ReplayBudget,
  ) {
    const burstS = budget.burstS ?? 1;
    for (const [field, value] of [['messagesPerS', budget.messagesPerS], ['bytesPerS', budget.bytesPerS], ['burstS', burstS]] as const) {
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new RangeError(`replay budget ${field} must be a number > 0, got ${value}`);
    }
    this.messages = budget.messagesPerS === undefined ? null : new TokenBucket(clock, budget.messagesPerS, burstS, 1);
    this.bytes = budget.bytesPerS === undefined ? null : new TokenBucket(clock, budget.bytesPerS, burstS, 1);
  }

  /** A live message went out: it uses the budget first. */
  noteLive(bytes: number): void {
    this.live++;
    this.messages?.spend(1);
    this.bytes?.spend(bytes);
  }

  /** Resolves true when a backlog message of `bytes` fits in the remaining budget (and takes it); false once stopped. */
  async acquire(bytes: number): Promise<boolean> {
    for (;;) {
      if (this.stopped) return false;
      // A message bigger than a whole burst still goes out when the bucket is full, or it never would.
      const byteCost = this.bytes === null ? 0 : Math.min(bytes, this.bytes.capacity);
      const waitMs = Math.max(this.messages?.msUntil(1) ?? 0, this.bytes?.msUntil(byteCost) ?? 0);
      if (waitMs === 0) {
        this.messages?.spend(1);
        this.bytes?.spend(byteCost);
        this.backlog++;
        return true;
      }
      await this.sleep(waitMs);
    }
  }

  /** Yields the items of `source` (a backlog, oldest first), each when the budget allows it. */
  async *pace<T>(source: AsyncIterable<T>, sizeOf: (item: T) => number): AsyncGenerator<T> {
    for await (const item of source) {
      if (!(await this.acquire(sizeOf(item)))) return;
      yield item;
    }
  }

  stats(): { live: number; backlog: number } {
    return { live: this.live, backlog: this.backlog };
  }

  /** Ends pacing: a waiting acquire resolves false, and so does every later one. */
  stop(): void {
    this.stopped = true;
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting !== null) {
      this.clock.clearTimer(waiting.timer);
      waiting.wake();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.waiting = null;
        resolve();
      };
      // At least 1 ms, so rounding can never spin the loop without time passing.
      this.waiting = { timer: this.clock.setTimer(wake, Math.max(1, Math.ceil(ms))), wake };
    });
  }
}
