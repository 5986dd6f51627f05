import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatTable } from '../../edge/selftest/format-table.js';
import { row } from '../../edge/selftest/selftest-check.js';
import { runSelftest } from '../../edge/selftest/selftest-runner.js';

const test = suite('selftest: runner');

test('every check runs; a throwing, hanging or silent check fails its own row; warnings pass', async () => {
  const seen: string[] = [];
  const report = await runSelftest(
    [
      { name: 'good', run: async () => [row('good', 'pass', 'fine', { fps: 14.96 })] },
      { name: 'meh', run: async () => [row('meh', 'warn', 'no reference clock')] },
      { name: 'throws', run: async () => Promise.reject(new Error('sensor unreadable')) },
      { name: 'hangs', timeoutMs: 30, run: () => new Promise(() => undefined) },
      { name: 'silent', run: async () => [] },
    ],
    { timeoutMs: 1000, onRows: (rows) => seen.push(...rows.map((entry) => entry.check)) },
  );
  assert.equal(seen, ['good', 'meh', 'throws', 'hangs', 'silent']);
  assert.equal(
    report.rows.map((entry) => [entry.check, entry.status, entry.detail]),
    [
      ['good', 'pass', 'fine'],
      ['meh', 'warn', 'no reference clock'],
      ['throws', 'fail', 'sensor unreadable'],
      ['hangs', 'fail', 'no answer within 30 ms'],
      ['silent', 'fail', 'the check reported nothing'],
    ],
  );
  assert.is(report.passed, false);
  const table = formatTable(report).split('\n');
  assert.match(table[1]!, /^good\s+PASS\s+fine  \[fps=14\.96\]$/);
  assert.match(table[3]!, /^throws\s+FAIL\s+sensor unreadable$/);
  assert.match(table.at(-1)!, /^selftest FAILED: 3 fail, 1 warn, 1 pass/);
});

test('only warnings: passed', async () => {
  const report = await runSelftest([{ name: 'clock', run: async () => [row('clock', 'warn', 'no reference clock')] }]);
  assert.is(report.passed, true);
  assert.match(formatTable(report), /selftest PASSED: 0 pass, 1 warn, 0 fail/);
});

test.run();
