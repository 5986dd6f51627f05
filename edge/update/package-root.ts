import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The folder of the running package (holding its package.json), whether running from sources or from dist/. */
export function packageRoot(): string {
  for (const relative of ['../../', '../../../']) {
    const folder = new URL(relative, import.meta.url);
    try {
      const parsed = JSON.parse(readFileSync(new URL('package.json', folder), 'utf8')) as { name?: string };
      if (parsed.name === 'nutgiao') return fileURLToPath(folder).replace(/\/$/, '');
    } catch {
      // not at this level; try the next
    }
  }
  throw new Error(`no nutgiao package.json above ${fileURLToPath(import.meta.url)}`);
}
