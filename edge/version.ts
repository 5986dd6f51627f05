import { readFileSync } from 'node:fs';

/** The package version, read from package.json whether running from sources or from dist/. */
export function packageVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'nutgiao' && parsed.version) return parsed.version;
    } catch {
      // not at this level; try the next
    }
  }
  return '0.0.0-unknown';
}
