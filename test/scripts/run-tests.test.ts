import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * npm test's runner (scripts/run-tests.ts) on throwaway test folders: uvu alone exits 0 when a suite's
 * before hook throws (none of its tests run), which the runner must turn into a failure naming the file.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const RUNNER = join(ROOT, 'scripts', 'run-tests.ts');

function runOn(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nutgiao-run-tests-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    mkdirSync(join(dir, 'cases'));
    for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, 'cases', name), source);
    const result = spawnSync(process.execPath, ['--import', 'tsx', RUNNER, 'cases', '\\.test\\.ts$'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { status: result.status, output: result.stdout + result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PASSING = `import { test } from 'uvu';\nimport * as assert from 'uvu/assert';\ntest('adds', () => assert.is(1 + 1, 2));\ntest.run();\n`;

test('every test passing: exit 0', () => {
  const { status, output } = runOn({ 'ok.test.ts': PASSING });
  assert.is(status, 0, output);
});

test("a suite whose before hook throws fails the run and is named, though uvu exits 0", () => {
  const broken = `import { suite } from 'uvu';\nimport * as assert from 'uvu/assert';\nconst s = suite('needs a broker');\ns.before(() => { throw new Error('broker did not start'); });\ns('publishes', () => assert.ok(true));\ns.run();\n`;
  const { status, output } = runOn({ 'ok.test.ts': PASSING, 'broken.test.ts': broken });
  assert.is(status, 1, output);
  assert.match(output, /1 of 2 tests did not run though uvu reported no failure/);
  assert.match(output, /broken\.test\.ts: 0 of 1 passed/);
});

test('a failing test fails the run', () => {
  const failing = `import { test } from 'uvu';\nimport * as assert from 'uvu/assert';\ntest('wrong', () => assert.is(1, 2));\ntest.run();\n`;
  const { status, output } = runOn({ 'failing.test.ts': failing });
  assert.is(status, 1, output);
  assert.match(output, /uvu exited with code 1/);
});

test.run();
