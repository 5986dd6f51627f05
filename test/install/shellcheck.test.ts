import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROJECT_ROOT } from '../support/node-process.js';

/** Every shell script under scripts/: by extension, or by a sh/bash shebang. */
async function shellScripts(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await shellScripts(path)));
    else if (entry.name.endsWith('.sh') || /^#!.*\b(ba)?sh\b/.test((await readFile(path, 'utf8')).split('\n', 1)[0] ?? '')) found.push(path);
  }
  return found.sort();
}

test('every shell script in scripts/ is shellcheck-clean', async () => {
  const scripts = await shellScripts(join(PROJECT_ROOT, 'scripts'));
  const names = scripts.map((path) => relative(PROJECT_ROOT, path));
  for (const expected of ['scripts/install.sh', 'scripts/uninstall.sh']) assert.ok(names.includes(expected), `${expected} not found among ${names.join(', ')}`);
  const result = await new Promise<{ code: number; output: string; missing: boolean }>((resolve) => {
    execFile('shellcheck', ['--external-sources', '--format=gcc', ...scripts], { cwd: PROJECT_ROOT }, (error, stdout, stderr) => {
      const missing = (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, output: stdout + stderr, missing });
    });
  });
  assert.not.ok(result.missing, 'shellcheck is not installed: apt-get install shellcheck (.ci/run installs it)');
  assert.is(result.code, 0, `shellcheck on ${names.join(', ')}:\n${result.output}`);
  assert.is(result.output, '');
});

test.run();
