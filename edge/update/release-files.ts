/**
 * What goes into a release: the package's `files` list (package.json), package.json and package-lock.json,
 * and the production dependencies, i.e. every package-lock entry not marked dev, from the source's
 * node_modules. Dependencies are bundled so that a cabinet needs no internet and no compiler to update;
 * the price is that native addons are those of the machine that made the release (the manifest records
 * its platform, CPU and Node ABI, and a node of another kind refuses the bundle).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ReleaseManifest } from './bundle.js';
import type { TarFile } from './tar.js';

interface PackageJson {
  name?: string;
  version?: string;
  files?: string[];
  engines?: { node?: string };
}

interface LockEntry {
  dev?: boolean;
  link?: boolean;
}

export interface ReleaseContents {
  name: string;
  version: string;
  minNodeMajor: number;
  native: ReleaseManifest['native'];
  files: TarFile[];
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function walk(root: string, start: string, into: TarFile[], skip: (relativePath: string) => boolean): Promise<void> {
  const info = await stat(start);
  if (info.isFile()) {
    const path = relative(root, start).split(sep).join('/');
    if (skip(path)) return;
    into.push({ path, data: await readFile(start), mode: info.mode & 0o111 ? 0o755 : 0o644, mtimeMs: info.mtimeMs });
    return;
  }
  if (!info.isDirectory()) return;
  for (const entry of (await readdir(start)).sort()) {
    if (entry === '.bin') continue; // npm's links to package binaries; the node runs none
    await walk(root, join(start, entry), into, skip);
  }
}

/** The files of a release made from a built package folder; version overrides package.json's. */
export async function collectReleaseFiles(sourceDir: string, options: { version?: string } = {}): Promise<ReleaseContents> {
  const packageJson = JSON.parse(await readFile(join(sourceDir, 'package.json'), 'utf8')) as PackageJson;
  if (!packageJson.name || !packageJson.version) throw new Error(`${join(sourceDir, 'package.json')}: no name or version`);
  const version = options.version ?? packageJson.version;
  const files: TarFile[] = [];
  const noSkip = () => false;
  // npm always ships these, whatever `files` says.
  const listed = [...(packageJson.files ?? []), 'README.md', 'package-lock.json'];
  for (const item of [...new Set(listed)]) {
    const path = join(sourceDir, item);
    if (await exists(path)) await walk(sourceDir, path, files, (file) => file.endsWith('.tsbuildinfo'));
  }
  // package.json carries the release's version: the node reports what it reads there.
  const packageInfo = await stat(join(sourceDir, 'package.json'));
  files.push({ path: 'package.json', data: Buffer.from(JSON.stringify({ ...packageJson, version }, null, 2) + '\n'), mode: 0o644, mtimeMs: packageInfo.mtimeMs });

  const lockPath = join(sourceDir, 'package-lock.json');
  if (await exists(lockPath)) {
    const lock = JSON.parse(await readFile(lockPath, 'utf8')) as { packages?: Record<string, LockEntry> };
    for (const [path, entry] of Object.entries(lock.packages ?? {})) {
      if (path === '' || entry.dev || entry.link) continue;
      const folder = join(sourceDir, path);
      // An optional dependency for another platform is in the lock but was never installed.
      if (!(await exists(folder))) continue;
      // Nested packages come from their own lock entries; a dev package nested in a production one stays out.
      await walk(sourceDir, folder, files, (file) => file.slice(path.length + 1).includes('node_modules/'));
    }
  }
  const hasNative = files.some((file) => file.path.startsWith('node_modules/') && file.path.endsWith('.node'));
  const range = packageJson.engines?.node ?? '';
  const minNodeMajor = Number(range.match(/(\d+)/)?.[1] ?? 0);
  return {
    name: packageJson.name,
    version,
    minNodeMajor,
    native: hasNative ? { platform: process.platform, arch: process.arch, nodeAbi: process.versions.modules } : null,
    files,
  };
}
