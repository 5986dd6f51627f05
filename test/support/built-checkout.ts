import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from './node-process.js';

const run = promisify(execFile);

/** Everything `npm run build` reads, and what the package ships. */
const ITEMS = ['bin', 'edge', 'sim', 'protocol', 'web', 'scripts', 'docs', 'README.md', 'package.json', 'package-lock.json'];

/**
 * A copy of this checkout freshly built with its own `npm run build` (the checkout's dist/ may be older
 * than sources being edited): the release folder install.sh takes, the package a cabinet has installed,
 * and what `nutgiao release` packs. node_modules is a link to the checkout's, so nothing is downloaded
 * and install.sh --copy-node-modules stays cheap (cp -a copies the link).
 */
export async function buildCheckoutCopy(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'nutgiao-built-'));
  const tsconfigs = (await readdir(PROJECT_ROOT)).filter((name) => /^tsconfig.*\.json$/.test(name));
  const present = new Set(await readdir(PROJECT_ROOT));
  for (const item of [...ITEMS, ...tsconfigs]) {
    if (present.has(item)) await cp(join(PROJECT_ROOT, item), join(dir, item), { recursive: true, preserveTimestamps: true });
  }
  await symlink(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'));
  try {
    await run('npm', ['run', 'build'], { cwd: dir, timeout: 300_000 });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const output = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm run build failed in a copy of the checkout:\n${output.stdout ?? ''}\n${output.stderr ?? ''}`);
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
