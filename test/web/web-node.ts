import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, type Config } from '../../edge/config/index.js';
import { RealClock } from '../../edge/hal/real-clock.js';
import { createMemoryLogger } from '../../edge/log.js';
import { composeNode } from '../../edge/main.js';
import type { IntersectionNode } from '../../edge/node.js';
import { buildWebPage } from '../../scripts/build-web.js';
import { SimGpioBinding } from '../../sim/sim-gpio.js';
import { SimLamps } from '../../sim/sim-lamps.js';
import { MosquittoBroker } from '../support/mosquitto.js';
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

/** A whole simulated node in this process, so a test can watch its lamps (LampConflictMeter) and inject lamp faults. */
export interface InProcessWebNode {
  node: IntersectionNode;
  base: string;
  broker: MosquittoBroker;
  config: Config;
  gpio: SimGpioBinding;
  lamps: SimLamps;
  stop(): Promise<void>;
}

/**
 * The example config on simulated GPIO and lamps with the page on a free port, against a real Mosquitto.
 * `mutate` edits the config before it is validated (shorter timings keep a test short).
 */
export async function startInProcessWebNode(nodeId: string, mutate?: (config: Record<string, any>) => void): Promise<InProcessWebNode> {
  await buildWebPage();
  const broker = await MosquittoBroker.start();
  const port = await freePort();
  const { configPath, stateDir, dir } = await writeTestConfig({
    nodeId,
    broker: broker.url,
    mutate: (config) => {
      config.web = { enabled: true, port, token: WEB_TOKEN, streamFps: 5 };
      mutate?.(config);
    },
  });
  const loaded = await loadConfigFile(configPath);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const { config } = loaded;
  const clock = new RealClock();
  const gpio = new SimGpioBinding({ clock });
  gpio.recording = false;
  const lamps = new SimLamps(gpio, config.signal.groups, config.signal.flashRelay);
  const node = await composeNode({
    config,
    configHash: loaded.hash,
    stateDir,
    brokerUrl: broker.url,
    log: createMemoryLogger(nodeId),
    summary: () => undefined,
    clock,
    overrides: { gpio, lampSensor: lamps },
  });
  await node.start();
  await waitForPort(port, 10_000);
  return {
    node,
    base: `http://127.0.0.1:${port}`,
    broker,
    config,
    gpio,
    lamps,
    stop: async () => {
      await node.stop();
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
