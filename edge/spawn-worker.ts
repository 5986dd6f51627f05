import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

/**
 * Starts a worker thread from a module next to the caller, given as the URL of its TypeScript source.
 * From dist/ the compiled .js sibling is started directly; from sources (tsx) a small bootstrap
 * registers the TypeScript loader in the worker first.
 */
export function spawnWorker(sourceUrl: URL, workerData: unknown): Worker {
  if (!sourceUrl.pathname.endsWith('.ts')) throw new Error(`spawnWorker expects the .ts source URL, got ${sourceUrl.href}`);
  const runningFromSources = import.meta.url.endsWith('.ts');
  if (!runningFromSources) return new Worker(new URL(sourceUrl.href.replace(/\.ts$/, '.js')), { workerData });
  return new Worker(new URL('./tsx-worker-bootstrap.mjs', import.meta.url), { workerData, argv: [sourceUrl.href] });
}

/**
 * The command line (after the node executable) that runs a module next to the caller as a child
 * process, given as the URL of its TypeScript source, with one JSON argument: from dist/ its compiled .js
 * sibling, from sources through the tsx bootstrap. The module reads the JSON as its last argument.
 */
export function childProcessArgs(sourceUrl: URL, argument: unknown): string[] {
  if (!sourceUrl.pathname.endsWith('.ts')) throw new Error(`childProcessArgs expects the .ts source URL, got ${sourceUrl.href}`);
  const json = JSON.stringify(argument);
  if (!import.meta.url.endsWith('.ts')) return [fileURLToPath(sourceUrl.href.replace(/\.ts$/, '.js')), json];
  return [fileURLToPath(new URL('./tsx-worker-bootstrap.mjs', import.meta.url)), sourceUrl.href, json];
}
