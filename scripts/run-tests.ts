/**
 * `npm test`: runs every test/**\/*.test.ts with uvu and fails unless every test ran and passed.
 *
 * Why not uvu alone: uvu 0.5 swallows an error thrown by a suite's before/after hook (its runner returns
 * from a finally block), prints "(0 / N)" for that suite and still exits 0. A suite whose broker or
 * database did not start would then pass without running. This reads uvu's per-suite and final tallies and
 * turns any test that did not run, or any skip, into a failure naming the file.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const ANSI = /\x1b\[[0-9;]*m/g;
// uvu's package exports list neither bin.js nor package.json: bin.js sits one folder above its main file.
const uvuBin = join(dirname(createRequire(import.meta.url).resolve('uvu')), '..', 'bin.js');
// `tsx scripts/run-tests.ts [DIR] [PATTERN]`: the whole suite by default.
const [dir = 'test', pattern = '\\.test\\.ts$'] = process.argv.slice(2);
const args = [uvuBin, '-r', 'tsx', dir, pattern];
const child = spawn(process.execPath, args, { stdio: ['inherit', 'pipe', 'inherit'] });

let text = '';
child.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  text += chunk.toString('utf8');
});

child.on('close', (code, signal) => {
  const lines = text.replace(ANSI, '').split('\n');
  const shortSuites: string[] = [];
  let file = '';
  for (const line of lines) {
    const header = /^(\S+\.test\.ts)\s*$/.exec(line.trim());
    if (header) file = header[1]!;
    const tally = /\((\d+) \/ (\d+)\)\s*$/.exec(line);
    if (tally && Number(tally[1]) < Number(tally[2])) shortSuites.push(`${file || '(unknown file)'}: ${tally[1]} of ${tally[2]} passed`);
  }
  const total = summary(lines, 'Total');
  const passed = summary(lines, 'Passed');
  const skipped = summary(lines, 'Skipped');
  const problems: string[] = [];
  if (code !== 0 || signal !== null) problems.push(`uvu exited with ${signal ?? `code ${code}`}`);
  if (total === null || passed === null) problems.push('uvu printed no final tally (it crashed or was killed before the end)');
  else if (passed < total && code === 0) {
    problems.push(`${total - passed} of ${total} tests did not run though uvu reported no failure: a suite's before/after hook threw (uvu hides that error: await the setup inside the tests, or log it in the hook)`);
  }
  if (skipped !== null && skipped > 0) problems.push(`${skipped} tests skipped: a test is either run or removed`);
  if (problems.length > 0) {
    process.stderr.write(`\nnpm test FAILED:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\n`);
    if (shortSuites.length > 0) process.stderr.write(`suites with tests that did not pass:\n${shortSuites.map((suite) => `  - ${suite}`).join('\n')}\n`);
    process.exitCode = 1;
  }
});

function summary(lines: string[], label: string): number | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = new RegExp(`^\\s*${label}:\\s+(\\d+)`).exec(lines[i]!);
    if (match) return Number(match[1]);
  }
  return null;
}
