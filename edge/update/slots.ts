/**
 * The A/B release folders and the pointer between them, all inside one releases folder (on a cabinet
 * /var/lib/nutgiao/releases, writable under the unit's ProtectSystem=strict):
 *
 *   current   symlink to the release that runs: `a`, `b`, or the installed package (/opt/nutgiao)
 *   a/, b/    the two slots; an update goes into the one `current` does not point at
 *
 * The unit starts RELEASES/current/bin/nutgiao.js, so switching is one rename of a new symlink over
 * `current`: atomic, so a power cut leaves the old or the new pointer, never none. Imports only node:
 * modules and the atomic file helper, so the start guard (start-guard.ts) runs without dependencies.
 */
import { mkdir, open, readlink, realpath, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const SLOTS = ['a', 'b'] as const;
export type Slot = (typeof SLOTS)[number];

/** The node's releases folder: inside its state folder, the one place the unit lets it write. */
export const releasesDir = (stateDir: string) => join(stateDir, 'releases');

export const currentLink = (releasesDir: string) => join(releasesDir, 'current');

/** Where `current` points (as written: a slot name or an absolute path); null when there is no pointer. */
export async function readCurrent(releasesDir: string): Promise<string | null> {
  try {
    return await readlink(currentLink(releasesDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Points `current` at target (a slot name or an absolute path) in one rename. */
export async function pointCurrent(releasesDir: string, target: string): Promise<void> {
  await mkdir(releasesDir, { recursive: true });
  const staged = join(releasesDir, `.current-${process.pid}`);
  await rm(staged, { force: true });
  await symlink(target, staged);
  await rename(staged, currentLink(releasesDir));
  const dir = await open(releasesDir, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The slot an update may overwrite: the one `current` does not point at. */
export async function inactiveSlot(releasesDir: string): Promise<Slot> {
  return (await readCurrent(releasesDir)) === 'a' ? 'b' : 'a';
}

/** Whether the package at packageRoot is the one `current` points at (the node runs under the pointer). */
export async function runsFromCurrent(releasesDir: string, packageRoot: string): Promise<boolean> {
  try {
    return (await realpath(currentLink(releasesDir))) === (await realpath(packageRoot));
  } catch {
    return false;
  }
}

export interface SlotFile {
  path: string;
  data: Uint8Array;
  mode: number;
  mtimeMs: number;
}

/** Replaces a slot's contents: written beside it as SLOT.partial, then renamed, so a slot is whole or absent. */
export async function installSlot(releasesDir: string, slot: Slot, files: readonly SlotFile[]): Promise<string> {
  const target = join(releasesDir, slot);
  const partial = `${target}.partial`;
  await rm(partial, { recursive: true, force: true });
  const made = new Set<string>();
  for (const file of files) {
    const path = join(partial, file.path);
    const folder = dirname(path);
    if (!made.has(folder)) {
      await mkdir(folder, { recursive: true });
      made.add(folder);
    }
    await writeFile(path, file.data, { mode: file.mode });
    // Kept, because bin/nutgiao.js compares the build's time with the sources' to pick what to run.
    const mtime = new Date(file.mtimeMs);
    await utimes(path, mtime, mtime);
  }
  await rm(target, { recursive: true, force: true });
  await rename(partial, target);
  return target;
}
