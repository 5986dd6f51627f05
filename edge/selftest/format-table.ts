import type { CheckRow, Measured, SelftestReport } from './selftest-check.js';

/** The status column's words; the technician's page shows the same. */
export const STATUS_TEXT = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

/** The report as a fixed-width table for a terminal, failures easy to spot, then a one-line verdict. */
export function formatTable(report: SelftestReport): string {
  const cells = report.rows.map((entry) => [entry.check, STATUS_TEXT[entry.status], detailWithFigures(entry)] as const);
  const checkWidth = Math.max('check'.length, ...cells.map(([check]) => check.length));
  const statusWidth = 'status'.length;
  // The detail column is not padded: it holds sentences, the measured figures following in brackets.
  const line = (check: string, status: string, detail: string) => `${check.padEnd(checkWidth)}  ${status.padEnd(statusWidth)}  ${detail}`.trimEnd();
  return [line('check', 'status', 'detail'), ...cells.map(([check, status, detail]) => line(check, status, detail)), verdictLine(report)].join('\n');
}

/** The table's last line: `selftest PASSED: …` or `selftest FAILED: …` with the counts and the duration. */
export function verdictLine(report: SelftestReport): string {
  const counts = countBy(report.rows);
  const seconds = (report.durationMs / 1000).toFixed(1);
  return report.passed
    ? `selftest PASSED: ${counts.pass} pass, ${counts.warn} warn, 0 fail (${seconds} s)`
    : `selftest FAILED: ${counts.fail} fail, ${counts.warn} warn, ${counts.pass} pass (${seconds} s)`;
}

/** The detail column: the sentence, then the measured figures in brackets. */
export function detailWithFigures(entry: CheckRow): string {
  const figures = formatMeasured(entry.measured);
  return figures === '' ? entry.detail : `${entry.detail}  [${figures}]`;
}

export function formatMeasured(measured: Measured): string {
  return Object.entries(measured)
    .map(([name, value]) => `${name}=${typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(2) : String(value)}`)
    .join(' ');
}

function countBy(rows: readonly CheckRow[]): Record<CheckRow['status'], number> {
  const counts = { pass: 0, warn: 0, fail: 0 };
  for (const entry of rows) counts[entry.status]++;
  return counts;
}
