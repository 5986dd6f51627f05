#!/usr/bin/env node
// Entry point of the `nutgiao` command. In a checkout (dev dependencies installed) it runs the
// TypeScript sources through tsx; in a deployed build (`npm run build`, no tsx) it runs dist/.
const root = new URL('..', import.meta.url);
let entry;
try {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('edge/cli/main.ts', root);
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  entry = new URL('dist/edge/cli/main.js', root);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
