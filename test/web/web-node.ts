import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWebPage } from '../../scripts/build-web.js';
import { NodeProcess, writeTestConfig } from '../support/node-process.js';
import { freePort, waitForPort } from '../support/ports.js';

export const WEB_TOKEN = 'cabinet-technician-7';

/** A whole node on simulated hardware (`nutgiao start` with its embedded broker) with the web page on a free port. */
export interface WebNode {
  node: NodeProcess;
  base: string;
  configPath: string;
  stop(): Promise<void>;
}

export async function startWebNode(nodeId: string, web: Record<string, unknown> = {}, mutate?: (config: Record<string, any>) => void): Promise<WebNode> {
  // The page the node serves is the one built from web/ now (esbuild: a fraction of a second).
  await buildWebPage();
  const port = await freePort();
  const { configPath } = await writeTestConfig({
    nodeId,
    mutate: (config) => {
      config.web = { enabled: true, port, token: WEB_TOKEN, streamFps: 5, ...web };
      mutate?.(config);
    },
  });
  const cwd = await mkdtemp(join(tmpdir(), 'nutgiao-web-cwd-'));
  const node = NodeProcess.spawn(['start', '--config', configPath, '--broker-port', '0'], { cwd });
  const ready = waitForPort(port, 30_000);
  const exited = node.exited.then((exit) => {
    throw new Error(`node exited ${exit.code} before its web page listened\n${node.stderr.join('\n')}`);
  });
  await Promise.race([ready, exited]);
  return { node, base: `http://127.0.0.1:${port}`, configPath, stop: () => node.stop() };
}

export function bearer(token = WEB_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export async function getJson(url: string, headers: Record<string, string> = bearer()): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.json() };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = bearer()): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

/** Polls until `check` returns a value, or fails after timeoutMs naming what it waited for. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
