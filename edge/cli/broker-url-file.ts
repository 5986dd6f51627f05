import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../state/atomic-file.js';

/**
 * `nutgiao start` writes the embedded broker's URL under var/ in the folder it was started from, so
 * `nutgiao sub` run from the same folder finds it without being told.
 */
const RELATIVE_PATH = join('var', 'broker.url');
export const SYSTEM_BROKER_URL = 'mqtt://127.0.0.1:1883';

export async function defaultBrokerUrl(cwd: string): Promise<string> {
  try {
    const url = (await readFile(join(cwd, RELATIVE_PATH), 'utf8')).trim();
    return url || SYSTEM_BROKER_URL;
  } catch {
    return SYSTEM_BROKER_URL;
  }
}

export async function recordBrokerUrl(cwd: string, url: string): Promise<void> {
  await writeFileAtomic(join(cwd, RELATIVE_PATH), url + '\n');
}

export async function forgetBrokerUrl(cwd: string): Promise<void> {
  await rm(join(cwd, RELATIVE_PATH), { force: true });
}
