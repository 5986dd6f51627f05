import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { writeFileAtomic } from './atomic-file.js';

/**
 * The boot id (Sparkplug's bdSeq): a number persisted in the state folder and incremented on every start,
 * so a receiver that sees it change knows the node restarted and its sequence numbers began again.
 */
export async function nextBootId(stateDir: string, log: Logger): Promise<number> {
  const path = join(stateDir, 'boot.json');
  let previous: number | null = null;
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { boot?: unknown };
    if (typeof parsed.boot === 'number' && Number.isSafeInteger(parsed.boot) && parsed.boot >= 0) previous = parsed.boot;
    else log.warn('boot id file holds no valid boot number; starting a new series', { path });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') log.warn('boot id file unreadable; starting a new series', { path, error: error as Error });
  }
  // A lost or corrupt counter must not restart at 0 (receivers would take it for an old boot), so a new
  // series starts from the wall clock in seconds, larger than any counter that ran before.
  const boot = previous === null ? (await fileExists(path) ? Math.floor(Date.now() / 1000) : 0) : previous + 1;
  await writeFileAtomic(path, JSON.stringify({ boot }) + '\n');
  return boot;
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}
