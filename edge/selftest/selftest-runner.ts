import type { CheckRow, SelftestCheck, SelftestReport } from './selftest-check.js';
import { row } from './selftest-check.js';

export interface RunOptions {
  /** Default bound per check, ms. */
  timeoutMs?: number;
  /** Called as each check finishes, so a long run shows progress. */
  onRows?: (rows: readonly CheckRow[]) => void;
}

/**
 * Runs the checks one after the other (the lamp test must not share the GPIO with a camera check's
 * timing, and a technician reads results in order), each bounded by its timeout. A check that throws or
 * hangs fails its own row only; the others still run.
 */
export async function runSelftest(checks: readonly SelftestCheck[], options: RunOptions = {}): Promise<SelftestReport> {
  const startedAt = Date.now();
  const rows: CheckRow[] = [];
  for (const check of checks) {
    const produced = await bounded(check, check.timeoutMs ?? options.timeoutMs ?? 5000);
    rows.push(...produced);
    options.onRows?.(produced);
  }
  return { passed: rows.every((entry) => entry.status !== 'fail'), startedAt, durationMs: Date.now() - startedAt, rows };
}

async function bounded(check: SelftestCheck, timeoutMs: number): Promise<CheckRow[]> {
  let timer: NodeJS.Timeout | undefined;
  // Real time on purpose: a check waits on sockets, cameras and relays, not on the signal plan's clock.
  const timeout = new Promise<CheckRow[]>((resolve) => {
    timer = setTimeout(() => resolve([row(check.name, 'fail', `no answer within ${timeoutMs} ms`)]), timeoutMs);
  });
  try {
    const rows = await Promise.race([check.run().catch((error: Error) => [row(check.name, 'fail', error.message)]), timeout]);
    return rows.length > 0 ? rows : [row(check.name, 'fail', 'the check reported nothing')];
  } finally {
    clearTimeout(timer);
  }
}
