import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

/**
 * A real Mosquitto the test owns, on a free port, so it can be killed and restarted. Persistence is on
 * (saved every second) so a persistent subscriber session survives a SIGKILL of the broker, as a
 * central collector's would on a production broker.
 */
/** Times kill() sends its signal, a second apart, before SIGKILL. */
const KILL_RETRIES = 5;

export class MosquittoBroker {
  private process: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    private readonly configPath: string,
    private readonly dir: string,
  ) {}

  /** Resolves once mosquitto has saved its database after this call (it autosaves every second). */
  async saved(timeoutMs = 5000): Promise<void> {
    const since = Date.now();
    const deadline = since + timeoutMs;
    for (;;) {
      const modified = await stat(join(this.dir, 'mosquitto.db')).then((info) => info.mtimeMs, () => 0);
      if (modified > since) return;
      if (Date.now() > deadline) throw new Error(`mosquitto did not save its database within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** A broker on a free port; `settings` are extra mosquitto.conf lines (queue limits, say). */
  static async start(settings: readonly string[] = []): Promise<MosquittoBroker> {
    const dir = await mkdtemp(join(tmpdir(), 'nutgiao-mosquitto-'));
    // Started as root, mosquitto drops to its own user, which must be able to write its database here.
    await chmod(dir, 0o777);
    const port = await freePort();
    const configPath = join(dir, 'mosquitto.conf');
    await writeFile(
      configPath,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence true',
        `persistence_location ${dir}/`,
        'autosave_interval 1',
        'log_type error',
        'log_dest stderr',
        ...settings,
      ].join('\n') + '\n',
    );
    const broker = new MosquittoBroker(port, configPath, dir);
    await broker.restart();
    return broker;
  }

  async restart(): Promise<void> {
    if (this.process) throw new Error('mosquitto is already running');
    const child = spawn(mosquittoBinary(), ['-c', this.configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`cannot run mosquitto (apt-get install mosquitto): ${error.message}`)));
      child.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}: ${stderr.trim()}`)));
    });
    this.process = child;
    await Promise.race([waitForPort(this.port), failed]);
    failed.catch(() => undefined);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      // A SIGTERM sent right after a restart was seen lost (the broker ran on with no signal pending, and a
      // suite's teardown hung on it in a CI run). Send it again each second, then SIGKILL.
      let sent = 1;
      const again = setInterval(() => child.kill(sent++ < KILL_RETRIES ? signal : 'SIGKILL'), 1000);
      child.once('exit', () => {
        clearInterval(again);
        resolve();
      });
      child.kill(signal);
    });
  }

  stop(): Promise<void> {
    return this.kill('SIGTERM');
  }

  /** Freezes the broker (SIGSTOP): connections stay open but nothing is answered, like a stalled link. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }
}

/** Debian installs the broker in /usr/sbin, which is not on every PATH. */
function mosquittoBinary(): string {
  return existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';
}
