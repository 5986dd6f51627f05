import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { crashPayload } from '../support/outbox-crash-payload.js';
import { collect, openOutbox, outboxOptions, outboxTempDir } from '../support/outbox-fixture.js';
import { seededRandom } from '../../sim/seeded-random.js';

const test = suite('outbox survives SIGKILL mid-append');
const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CHILD = resolve(PROJECT_ROOT, 'test/support/outbox-crash-child.ts');
/** The 20 kills; NUTGIAO_OUTBOX_KILLS=N for more (or fewer). */
const ROUNDS = Number(process.env.NUTGIAO_OUTBOX_KILLS ?? 20);
if (!Number.isSafeInteger(ROUNDS) || ROUNDS < 1) throw new Error(`NUTGIAO_OUTBOX_KILLS must be a whole number >= 1, got ${process.env.NUTGIAO_OUTBOX_KILLS}`);
/** The kill points are random; NUTGIAO_OUTBOX_SEED=S repeats a run's (printed with every result). */
const SEED = Number(process.env.NUTGIAO_OUTBOX_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Each node appends for 20..250 ms after its first durable append, then is killed wherever it is in a write. */
const MIN_RUN_MS = 20;
const MAX_RUN_MS = 250;

interface Round {
  boot: number;
  runMs: number;
  durable: number[];
  /** What the node found when it reopened the log: records pending and damaged stretches skipped. */
  pendingAtOpen: number;
  corruptAtOpen: number;
}


/**
 * One node process for `boot`, started ahead of its turn: it loads its modules and waits. run() lets it
 * open the log and append, and SIGKILLs it `runMs` after the log is open.
 */
class CrashNode {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly lines: string[] = [];
  private readonly waiters: Array<() => void> = [];
  private stderr = '';

  constructor(
    dir: string,
    readonly boot: number,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(boot)], { cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.stdout.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      this.lines.push(...lines);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolveExit) => this.child.once('exit', (code, signal) => resolveExit({ code, signal })));
    this.child.once('exit', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  async run(runMs: number): Promise<Round> {
    const giveUp = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    try {
      await this.lineStartingWith('loaded');
      this.child.stdin.write('go\n');
      const ready = await this.lineStartingWith('ready');
      // From the first durable append on, so every node is killed while it writes, however slow the disk.
      await this.firstLineMatching(/^\d+$/, 'its first durable append');
      await new Promise((resolveRun) => setTimeout(resolveRun, runMs));
      this.child.kill('SIGKILL');
      const { code, signal } = await this.exited;
      if (signal !== 'SIGKILL') throw new Error(`node boot ${this.boot} ended (${code ?? signal}) before it was killed: ${this.stderr.trim()}`);
      const [, pending, , corrupt] = ready.split(' ');
      const durable = this.lines.filter((line) => /^\d+$/.test(line)).map(Number);
      return { boot: this.boot, runMs, durable, pendingAtOpen: Number(pending), corruptAtOpen: Number(corrupt) };
    } finally {
      clearTimeout(giveUp);
    }
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private lineStartingWith(prefix: string): Promise<string> {
    return this.firstLineMatching(new RegExp(`^${prefix}`), `"${prefix}"`);
  }

  private async firstLineMatching(pattern: RegExp, what: string): Promise<string> {
    for (;;) {
      const line = this.lines.find((candidate) => pattern.test(candidate));
      if (line !== undefined) return line;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`node boot ${this.boot} ended (${this.child.exitCode ?? this.child.signalCode}) before ${what}: ${this.stderr.trim()}`);
      }
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }
}

test(`${ROUNDS} SIGKILLs at random points: the log reopens every time and every record reported durable is there`, async () => {
  const temp = await outboxTempDir();
  const random = seededRandom(SEED);
  const rounds: Round[] = [];
  let next = new CrashNode(temp.dir, 1);
  try {
    for (let boot = 1; boot <= ROUNDS; boot++) {
      const current = next;
      // The next node loads while this one runs; it touches the log only after this one is dead.
      if (boot < ROUNDS) next = new CrashNode(temp.dir, boot + 1);
      const round = await current.run(MIN_RUN_MS + Math.floor(random() * (MAX_RUN_MS - MIN_RUN_MS)));
      const where = `seed ${SEED}, boot ${boot} (killed ${round.runMs} ms after its first append)`;
      // Every durable, never-acknowledged record of the earlier boots must be pending when the log reopens.
      const mustHold = rounds.reduce((sum, earlier) => sum + earlier.durable.filter((seq) => seq % 3 !== 0).length, 0);
      assert.ok(round.pendingAtOpen >= mustHold, `${where}: reopened with ${round.pendingAtOpen} pending, but ${mustHold} unacknowledged records were reported durable before`);
      rounds.push(round);
    }
    const { outbox, report } = await openOutbox(outboxOptions(temp.dir, { segmentBytes: 16 * 1024, maxBytes: 64 * 1024 * 1024 }));
    const pending = await collect(outbox.pending());
    await outbox.close();
    const held = new Map(pending.map((record) => [`${record.boot}:${record.seq}`, record]));
    for (const { boot, durable } of rounds) {
      for (const seq of durable) {
        if (seq % 3 === 0) continue; // acknowledged right after: gone, or back if the ack was not yet written
        const record = held.get(`${boot}:${seq}`);
        assert.ok(record !== undefined, `seed ${SEED}: boot ${boot} seq ${seq} was reported durable but is missing after the kills`);
        assert.ok(record.payload.equals(crashPayload(boot, seq)), `seed ${SEED}: boot ${boot} seq ${seq} payload intact`);
      }
    }
    // Pending is in append order: boots in turn, sequence numbers rising within each.
    const order = pending.map((record) => record.boot * 1e9 + record.seq);
    assert.equal(order, [...order].sort((a, b) => a - b));
    const appended = rounds.reduce((sum, round) => sum + round.durable.length, 0);
    const damaged = rounds.reduce((sum, round) => sum + round.corruptAtOpen, 0) + report.corrupt;
    console.log(`  seed ${SEED}: ${ROUNDS} kills, ${appended} durable appends, ${pending.length} pending at the end, ${damaged} damaged stretches skipped over all reopens`);
  } finally {
    next.kill();
    await temp.remove();
  }
});

test.run();
