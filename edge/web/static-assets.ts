import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { extname, join } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Where `npm run build:web` puts the page: dist/web in the project, found from the sources (edge/web) and
 * from the compiled build (dist/edge/web) alike.
 */
export function builtPageDir(): string | null {
  const candidates = [new URL('../../dist/web/', import.meta.url), new URL('../../web/', import.meta.url)].map((url) => fileURLToPath(url));
  return candidates.find((dir) => existsSync(join(dir, 'app.js'))) ?? null;
}

/** The page's files by URL path, read once: a few tens of kB that never change while the node runs. */
export class StaticAssets {
  private readonly files = new Map<string, { type: string; body: Buffer }>();

  static async load(dir: string | null): Promise<StaticAssets> {
    const assets = new StaticAssets();
    if (dir === null) return assets;
    for (const name of ['index.html', 'app.js', 'app.css']) {
      const body = await readFile(join(dir, name)).catch(() => null);
      if (body) assets.files.set(name === 'index.html' ? '/' : `/${name}`, { type: TYPES[extname(name)] ?? 'application/octet-stream', body });
    }
    return assets;
  }

  get built(): boolean {
    return this.files.has('/');
  }

  get(path: string): { type: string; body: Buffer } | undefined {
    return this.files.get(path);
  }
}
