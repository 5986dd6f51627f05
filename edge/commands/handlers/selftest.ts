import type { CommandHandler } from '../command-handler.js';
import { row, type SelftestCheck as SharedSelftestCheck, type SelftestReport } from '../../selftest/selftest-check.js';
import { runSelftest } from '../../selftest/selftest-runner.js';

export interface SelftestCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** One named probe; resolves to its verdict, or throws (counted as a failed check with the message). */
export type SelftestProbe = { name: string; run: () => Promise<{ ok: boolean; detail: string }> };

/**
 * selftest: runs every probe through the shared self-test runner (edge/selftest/, the same one as
 * `nutgiao selftest`), each bounded by timeoutMs, and reports them all. The command succeeds when the
 * test ran; `passed` says whether every check did.
 */
export function selftestHandler(probes: () => SelftestProbe[], timeoutMs = 5000): CommandHandler {
  return {
    name: 'selftest',
    async run() {
      const report = await runSelftest(probes().map(asCheck), { timeoutMs });
      return toResponse(report);
    },
  };
}

function asCheck(probe: SelftestProbe): SharedSelftestCheck {
  return {
    name: probe.name,
    run: async () => {
      const verdict = await probe.run();
      return [row(probe.name, verdict.ok ? 'pass' : 'fail', verdict.detail)];
    },
  };
}

/** The protocol's result shape (protocol/commands.ts): a warning counts as ok. */
export function toResponse(report: SelftestReport): { passed: boolean; checks: SelftestCheck[] } {
  return { passed: report.passed, checks: report.rows.map((entry) => ({ name: entry.check, ok: entry.status !== 'fail', detail: entry.detail })) };
}
