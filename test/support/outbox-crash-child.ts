/**
 * Appends to an outbox in a loop until killed: the child process of the outbox crash test.
 * Usage: node --import tsx test/support/outbox-crash-child.ts DIR BOOT
 * Prints `loaded` once its modules are loaded and waits for a line on stdin before it opens the log, so
 * the test can start the next node while the previous one still runs (starting tsx is the slow part).
 * Then prints `ready PENDING corrupt N` once the log is open, and `SEQ` for every record after its append
 * resolved as durable (fsync 'always'). Acknowledges every record whose seq is a multiple of 3 right after.
 */
import { RealClock } from '../../edge/hal/real-clock.js';
import { createLogger } from '../../edge/log.js';
import { Outbox } from '../../edge/telemetry/outbox/outbox.js';
import { crashPayload } from './outbox-crash-payload.js';

const [dir, bootText] = process.argv.slice(2);
const boot = Number(bootText);
if (dir === undefined || !Number.isSafeInteger(boot)) {
  process.stderr.write('usage: outbox-crash-child.ts DIR BOOT\n');
  process.exit(2);
}

const clock = new RealClock();
const outbox = new Outbox({
  dir,
  segmentBytes: 16 * 1024,
  maxBytes: 64 * 1024 * 1024,
  maxAgeMs: 24 * 3_600_000,
  fsync: 'always',
  memoryMaxBytes: 1024 * 1024,
  clock,
  log: createLogger('outbox-crash-child', (line) => process.stderr.write(line + '\n'), 30),
  releaseFlushMs: 20,
});
process.stdout.write('loaded\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
const report = await outbox.open();
process.stdout.write(`ready ${report.pending} corrupt ${report.corrupt}\n`);
for (let seq = 0; ; seq++) {
  const where = await outbox.append({ boot, seq, topic: `nutgiao/v1/crash/n1/counts`, payload: crashPayload(boot, seq) });
  if (where !== 'disk') throw new Error(`seq ${seq} went to ${where}`);
  // Synchronous on a pipe on Linux: once written, the parent will read it even if we die next.
  process.stdout.write(`${seq}\n`);
  if (seq % 3 === 0) outbox.markAcked(boot, seq);
}
