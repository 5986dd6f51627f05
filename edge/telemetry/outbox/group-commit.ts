import type { Clock, TimerHandle } from '../../hal/clock.js';

/**
 * When an append counts as durable:
 * - 'always': one fsync per append; the append resolves after its own fsync.
 * - { batchMs }: group commit; appends are written at once, and every append written within one window
 *   of batchMs resolves together after a single fsync at the window's end.
 */
export type FsyncPolicy = 'always' | { batchMs: number };

/**
 * The batched policy: waiters that arrive while a window is open share its fsync. The window opens with
 * the first waiter after a commit, so an idle log costs no timer and no fsync.
 */
export class GroupCommit {
  private waiters: Array<() => void> = [];
  private timer: TimerHandle | undefined;
  private commits = 0;

  constructor(
    private readonly clock: Clock,
    private readonly batchMs: number,
    /** Makes everything written so far durable; must not reject (failures are the log's to handle). */
    private readonly sync: () => Promise<void>,
  ) {}

  /** Resolves after the fsync that ends the current window (call it after the write has completed). */
  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.timer ??= this.clock.setTimer(() => void this.commit(), this.batchMs);
    });
  }

  /** Commits the open window now (on close). */
  async flush(): Promise<void> {
    if (this.timer === undefined && this.waiters.length === 0) return;
    await this.commit();
  }

  /** How many windows were committed (for stats and tests). */
  get committed(): number {
    return this.commits;
  }

  private async commit(): Promise<void> {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
    // Only waiters whose writes completed before this point are in the batch; later ones open a new window.
    const batch = this.waiters;
    this.waiters = [];
    await this.sync();
    this.commits++;
    for (const resolve of batch) resolve();
  }
}
