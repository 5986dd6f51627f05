import { Worker } from 'node:worker_threads';

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
