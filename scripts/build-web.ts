/**
 * Builds the technician's page (web/) into dist/web/: Preact bundled and minified by esbuild, with the
 * HTML and CSS beside it. Nothing is fetched from elsewhere at run time, so the page works on a cabinet
 * LAN with no internet. `npm run build:web`; part of `npm run build`, so `npm install` runs it.
 */
import { build } from 'esbuild';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildWebPage(outDir = join(root, 'dist', 'web')): Promise<{ outDir: string; gzippedBytes: number }> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(root, 'web', 'src', 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outfile: join(outDir, 'app.js'),
    logLevel: 'warning',
  });
  await copyFile(join(root, 'web', 'index.html'), join(outDir, 'index.html'));
  await copyFile(join(root, 'web', 'app.css'), join(outDir, 'app.css'));
  let gzippedBytes = 0;
  for (const name of ['index.html', 'app.js', 'app.css']) gzippedBytes += gzipSync(await readFile(join(outDir, name))).length;
  return { outDir, gzippedBytes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // No top-level await: tests load this file through tsx's CommonJS hook.
  buildWebPage().then(
    ({ outDir, gzippedBytes }) => console.log(`web page built in ${outDir}: ${(gzippedBytes / 1024).toFixed(1)} kB gzipped`),
    (error: Error) => {
      console.error(`web page build failed: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
