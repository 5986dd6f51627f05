import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own: `initdb` into a temporary folder and `pg_ctl` on a free port,
 * so a test can crash and restart it during traffic without touching the machine's shared cluster that
 * the other tests use. Trust authentication on 127.0.0.1 only; the Unix socket lives in the folder.
 * As root, initdb and the server run as the `postgres` user (initdb refuses root).
 */
export class PrivatePostgres {
  private running = false;
  private readonly stopAtExit = () => this.stopNow();

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly bin: string,
  ) {}

  /** postgres://postgres@127.0.0.1:PORT/postgres */
  get url(): string {
    return PrivatePostgres.urlFor(this.port);
  }

  /** The url a server started on `port` will have: a client can be given it before the server is up. */
  static urlFor(port: number): string {
    return `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** A new cluster (initdb), started; on `port`, else on a free one. */
  static async start(port?: number): Promise<PrivatePostgres> {
    const bin = postgresBinDir();
    await reapOrphans(bin);
    const dir = await mkdtemp(join(tmpdir(), DIR_PREFIX));
    await writeFile(join(dir, OWNER_FILE), String(process.pid));
    const owner = serverUser();
    if (owner) await chown(dir, owner.uid, owner.gid);
    const server = new PrivatePostgres(port ?? (await freePort()), dir, bin);
    try {
      await server.pg('initdb', ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
      await server.restart();
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  /** Starts the server (again) on the same port and data; after a crash it runs its WAL recovery first. */
  async restart(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c max_connections=40',
      '-c shared_buffers=16MB',
      // Only an OS crash loses unsynced writes; a killed server recovers them from the page cache.
      '-c fsync=off',
    ].join(' ');
    try {
      await this.pg('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', options, '-w', '-t', '30', 'start']);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nserver log:\n${await this.log()}`);
    }
    this.running = true;
    process.once('exit', this.stopAtExit);
  }

  /**
   * `pg_ctl stop -m immediate`: every server process quits at once without a checkpoint, as on a crash
   * or power cut; clients see their connections drop and new ones refused until restart().
   */
  async crash(): Promise<void> {
    await this.stop('immediate');
  }

  async stop(mode: 'immediate' | 'fast' = 'fast'): Promise<void> {
    if (!this.running) return;
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
    this.running = false;
    process.removeListener('exit', this.stopAtExit);
  }

  /** Stops the server and deletes its folder. */
  async destroy(): Promise<void> {
    await this.stop('immediate');
    await rm(this.dir, { recursive: true, force: true });
  }

  async log(): Promise<string> {
    return readFile(join(this.dir, 'server.log'), 'utf8').catch(() => '(no server log)');
  }

  /** A test that died before destroy() must not leave a postmaster behind. */
  private stopNow(): void {
    if (!this.running) return;
    try {
      execFileSync(...asServerUser(join(this.bin, 'pg_ctl'), ['-D', this.dataDir, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }

  private async pg(tool: 'initdb' | 'pg_ctl', args: string[]): Promise<void> {
    try {
      await run(...asServerUser(join(this.bin, tool), args));
    } catch (error) {
      const failure = error as Error & { stderr?: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`);
    }
  }
}

const DIR_PREFIX = 'nutgiao-pg-';
/** The pid of the test process that started the server in this folder. */
const OWNER_FILE = 'owner.pid';

/**
 * Servers left by a test process that died without its exit handlers (a runner killed on a timeout):
 * stopped and deleted. A server whose test process still runs is left alone.
 */
async function reapOrphans(bin: string): Promise<void> {
  const folders = (await readdir(tmpdir())).filter((name) => name.startsWith(DIR_PREFIX)).map((name) => join(tmpdir(), name));
  for (const dir of folders) {
    const owner = Number(await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => 'NaN'));
    if (!Number.isInteger(owner) || isAlive(owner)) continue;
    if (existsSync(join(dir, 'data', 'postmaster.pid'))) {
      await run(...asServerUser(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', 'stop'])).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const INSTALL_HINT = 'install the PostgreSQL server binaries (Debian: apt-get install postgresql, which .ci/run does)';

/** The folder holding initdb and pg_ctl: Debian's newest /usr/lib/postgresql/N/bin, else the PATH. */
export function postgresBinDir(debianRoot = '/usr/lib/postgresql', path = process.env.PATH ?? ''): string {
  const hasTools = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  const versions = existsSync(debianRoot) ? readdirSync(debianRoot).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  const candidates = [...versions.map((version) => join(debianRoot, version, 'bin')), ...path.split(':').filter(Boolean)];
  const found = candidates.find(hasTools);
  if (!found) throw new Error(`initdb and pg_ctl not found in ${debianRoot}/*/bin nor on PATH: ${INSTALL_HINT}`);
  return found;
}

/** initdb refuses to run as root: as root, the server belongs to the `postgres` user. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(`running as root and there is no "postgres" user to own a private PostgreSQL server: ${INSTALL_HINT}, or run the tests as another user`);
  }
}

function asServerUser(binary: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}
