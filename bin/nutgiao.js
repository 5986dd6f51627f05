#!/usr/bin/env node
// Entry point of the `nutgiao` command. It runs the compiled build in dist/ (made by `npm run build`,
// which `npm install` runs) when that build is newer than every source file; otherwise, in a checkout
// being edited, it runs the TypeScript sources through tsx, so a stale build is never what runs.
import { readdirSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const compiled = new URL('dist/edge/cli/main.js', root);

function mtimeMs(url) {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return -1;
  }
}

function newestSourceMs() {
  let newest = 0;
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const url = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
      if (entry.isDirectory()) walk(url);
      else if (/\.(ts|yaml)$/.test(entry.name)) newest = Math.max(newest, mtimeMs(url));
    }
  };
  for (const folder of ['edge/', 'sim/', 'protocol/']) walk(new URL(folder, root));
  return newest;
}

let entry = compiled;
const builtAt = mtimeMs(new URL('dist/.built', root));
if (builtAt < 0 || newestSourceMs() > builtAt) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    entry = new URL('edge/cli/main.ts', root);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    // No tsx (a production install): the build is what there is.
  }
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
