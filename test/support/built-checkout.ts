import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../support/node-process.js';

const run = promisify(execFile);

/** What `npm pack` ships (package.json "files") plus what the build needs. */
const RELEASE_ITEMS = ['bin', 'edge', 'sim', 'protocol', 'README.md', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

/**
 * A release folder as install.sh takes it: the package's files, freshly built with the package's own
 * `npm run build` (the checkout's dist/ may be older than sources being edited). node_modules is a
 * symlink to the checkout's, so the build finds tsc and --copy-node-modules stays cheap (cp -a copies
 * the link, not 175 MB).
 */
export async function buildReleaseFixture(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'nutgiao-release-'));
  for (const item of RELEASE_ITEMS) await cp(join(PROJECT_ROOT, item), join(dir, item), { recursive: true, preserveTimestamps: true });
  await symlink(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'));
  await run('npm', ['run', 'build'], { cwd: dir, timeout: 300_000 });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
