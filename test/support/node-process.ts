import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { EXAMPLE_CONFIG_PATH } from '../../edge/config/index.js';

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI = join(PROJECT_ROOT, 'bin', 'nutgiao.js');

/** The example config with test-friendly settings, written to a fresh temporary folder. */
export async function writeTestConfig(overrides: { nodeId: string; broker?: string; healthIntervalS?: number; mutate?: (config: Record<string, any>) => void }): Promise<{ dir: string; configPath: string; stateDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'nutgiao-node-'));
  const config = parse(await readFile(EXAMPLE_CONFIG_PATH, 'utf8')) as Record<string, any>;
  config.node.id = overrides.nodeId;
  config.mqtt = { ...(config.mqtt ?? {}), reconnect: { minMs: 100, maxMs: 1000 }, keepaliveS: 5 };
  if (overrides.broker) config.mqtt.broker = overrides.broker;
  config.telemetry = { ...(config.telemetry ?? {}), healthIntervalS: overrides.healthIntervalS ?? 1, summaryIntervalS: 1 };
  config.state = { dir: join(dir, 'var') };
  overrides.mutate?.(config);
  const configPath = join(dir, 'node.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  return { dir, configPath, stateDir: join(dir, 'var') };
}

/** The `nutgiao` CLI as a child process, as a technician or systemd runs it. */
export class NodeProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private constructor(readonly child: ChildProcess) {
    const lines = (into: string[]) => {
      let partial = '';
      return (chunk: Buffer) => {
        partial += chunk.toString();
        const parts = partial.split('\n');
        partial = parts.pop() ?? '';
        into.push(...parts);
      };
    };
    child.stdout?.on('data', lines(this.stdout));
    child.stderr?.on('data', lines(this.stderr));
    this.exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  }

  static spawn(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): NodeProcess {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: { ...process.env, NUTGIAO_LOG: 'warn', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new NodeProcess(child);
  }

  async waitForLine(pattern: RegExp, timeoutMs = 15_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this[stream]) {
        const match = line.match(pattern);
        if (match) return match;
      }
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no ${stream} line matching ${pattern}${this.child.exitCode !== null ? ` (exited ${this.child.exitCode})` : ''}\nstdout:\n${this.stdout.join('\n')}\nstderr:\n${this.stderr.join('\n')}`);
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 25));
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
