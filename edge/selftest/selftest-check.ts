/**
 * The commissioning self-test's vocabulary, shared by the `nutgiao selftest` command, the node's
 * `selftest` MQTT command and the technician's web page: a check produces one or more result rows.
 */

/** warn: works but needs a look (no reference clock, a dark image at night); fail: the node is not fit to run. */
export type CheckStatus = 'pass' | 'fail' | 'warn';

/** What a check measured, by name (fps, milliseconds, bytes): numbers stay numbers in --json output. */
export type Measured = Record<string, number | string | boolean | null>;

export interface CheckRow {
  /** The check and, for checks with several subjects, the subject: `camera cam1`, `lamp G1.green`. */
  check: string;
  status: CheckStatus;
  detail: string;
  measured: Measured;
}

export interface SelftestCheck {
  readonly name: string;
  /** How long the check may take before it counts as failed; the runner's default when absent. */
  readonly timeoutMs?: number;
  /** One row per subject; throwing counts as one failed row carrying the message. */
  run(): Promise<CheckRow[]>;
}

export interface SelftestReport {
  /** No row failed (warnings pass). */
  passed: boolean;
  /** Wall-clock time the run began, ms since the epoch. */
  startedAt: number;
  durationMs: number;
  rows: CheckRow[];
}

export function row(check: string, status: CheckStatus, detail: string, measured: Measured = {}): CheckRow {
  return { check, status, detail, measured };
}

/** A self-test on the running node (the technician's page), as the page follows it. */
export interface SelftestStatus {
  /** The run in progress: the rows of the checks done so far, and the step under way. */
  running: { by: string; startedAt: number; step: string | null; done: number; total: number; rows: CheckRow[] } | null;
  /** The last finished run (kept in the state folder across restarts); published: the broker acknowledged its selftest.result event. */
  last: { by: string; report: SelftestReport; published: boolean } | null;
}
