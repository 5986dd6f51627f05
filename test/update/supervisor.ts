import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { currentLink } from '../../edge/update/slots.js';

const run = promisify(execFile);

export interface Start {
  guard: string;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  stderr: string;
}

/**
 * What systemd does with scripts/systemd/nutgiao.service, in miniature: before each start, the start guard
 * from the installed package (ExecStartPre=); then node RELEASES/current/bin/nutgiao.js run … (ExecStart=);
 * after any exit, start again (Restart=always) after a short pause, until stopped.
 */
export class Supervisor {
  readonly starts: Start[] = [];
  private child: ChildProcess | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly options: { installedPackage: string; releasesDir: string; args: string[]; cwd: string; restartMs?: number; maxStarts?: number },
  ) {}

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const { installedPackage, releasesDir, args, cwd } = this.options;
    while (!this.stopped && this.starts.length < (this.options.maxStarts ?? 12)) {
      const guard = await run(process.execPath, [join(installedPackage, 'dist/edge/update/start-guard.js'), releasesDir]).then(
        (result) => result.stderr.trim(),
        (error: Error) => `guard failed: ${error.message}`,
      );
      if (this.stopped) return;
      const start: Start = { guard, exit: null, stderr: '' };
      this.starts.push(start);
      const child = spawn(process.execPath, [join(currentLink(releasesDir), 'bin/nutgiao.js'), ...args], { cwd, env: { ...process.env, NUTGIAO_LOG: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
      this.child = child;
      child.stderr?.on('data', (chunk: Buffer) => (start.stderr += chunk.toString()));
      start.exit = await new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      this.child = null;
      await new Promise((resolve) => setTimeout(resolve, this.options.restartMs ?? 200));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await this.loop;
  }

  describe(): string {
    return this.starts.map((start, index) => `start ${index + 1}: guard: ${start.guard || '-'}; exit ${JSON.stringify(start.exit)}\n${start.stderr.trim()}`).join('\n');
  }
}
