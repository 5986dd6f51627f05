import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diskCheck } from '../../edge/selftest/disk-check.js';
import { outboxCheck } from '../../edge/selftest/outbox-check.js';
import { runSelftest } from '../../edge/selftest/selftest-runner.js';
import { openOutbox, outboxOptions, outboxTempDir } from '../support/outbox-fixture.js';

/** Disk and outbox health on a real log written by the node's Outbox in a temporary folder. */
const test = suite('selftest: disk and outbox');
let cleanup: (() => Promise<void>)[] = [];

test.after.each(async () => {
  await Promise.all(cleanup.map((remove) => remove()));
  cleanup = [];
});

async function writtenLog(acked: number, total: number): Promise<string> {
  const { dir, remove } = await outboxTempDir();
  cleanup.push(remove);
  const { outbox } = await openOutbox(outboxOptions(dir));
  for (let seq = 0; seq < total; seq++) await outbox.append({ boot: 1, seq, topic: 'nutgiao/v1/demo/n1/event', payload: Buffer.alloc(40, seq), ts: Date.now() });
  for (let seq = 0; seq < acked; seq++) outbox.markAcked(1, seq);
  await outbox.close();
  return dir;
}

async function segmentBytes(dir: string): Promise<Buffer[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();
  return Promise.all(names.map((name) => readFile(join(dir, name))));
}

test('pending records are those no acknowledgement covers; the log is only read', async () => {
  const dir = await writtenLog(4, 10);
  const before = await segmentBytes(dir);
  const { rows } = await runSelftest([outboxCheck(dir)]);
  assert.is(rows[0]!.status, 'pass');
  assert.is(rows[0]!.measured.records, 10);
  assert.is(rows[0]!.measured.pending, 6);
  assert.is(rows[0]!.measured.corrupt, 0);
  assert.match(rows[0]!.detail, /6 records pending, the oldest \d+ s old/);
  assert.equal(await segmentBytes(dir), before);
});

test('a damaged record is counted as corrupt (a warning); a torn last record is not, and nothing is cut', async () => {
  const dir = await writtenLog(0, 10);
  const [name] = (await readdir(dir)).filter((entry) => entry.endsWith('.seg')).sort();
  const path = join(dir, name!);
  const bytes = await readFile(path);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = bytes[middle]! ^ 0xff; // flipped bits in a record mid-log
  await writeFile(path, bytes);
  await appendFile(path, Buffer.from('NGOB\x40\x00\x00\x00torn')); // a power cut mid-append
  const sizeBefore = (await readFile(path)).length;
  const { rows } = await runSelftest([outboxCheck(dir)]);
  assert.is(rows[0]!.status, 'warn');
  assert.is(rows[0]!.measured.corrupt, 1);
  assert.is(rows[0]!.measured.tornTail, 1);
  assert.is(rows[0]!.measured.pending, 9);
  assert.match(rows[0]!.detail, /^1 damaged stretches .* check the SD card/);
  assert.is((await readFile(path)).length, sizeBefore);
});

test('an outbox folder not created yet passes as empty', async () => {
  const { rows } = await runSelftest([outboxCheck('/nonexistent/nutgiao/outbox')]);
  assert.equal([rows[0]!.status, rows[0]!.measured.pending], ['pass', 0]);
});

test('disk: free space measured on the state folder, or its nearest existing parent; too little fails', async () => {
  const { dir, remove } = await outboxTempDir();
  cleanup.push(remove);
  const ok = await runSelftest([diskCheck({ stateDir: dir, outboxMaxBytes: 1024 })]);
  assert.is(ok.rows[0]!.status, 'pass');
  assert.ok((ok.rows[0]!.measured.freeMiB as number) > 0);
  const notYet = await runSelftest([diskCheck({ stateDir: join(dir, 'var', 'state'), outboxMaxBytes: 1024 })]);
  assert.match(notYet.rows[0]!.detail, /not created yet; measured on /);
  const full = await runSelftest([diskCheck({ stateDir: dir, outboxMaxBytes: 1024, minFreeBytes: Number.MAX_SAFE_INTEGER })]);
  assert.is(full.rows[0]!.status, 'fail');
  assert.match(full.rows[0]!.detail, /free space or move state\.dir/);
  const small = await runSelftest([diskCheck({ stateDir: dir, outboxMaxBytes: Number.MAX_SAFE_INTEGER })]);
  assert.is(small.rows[0]!.status, 'warn');
  assert.match(small.rows[0]!.detail, /lower outbox\.maxBytes/);
});

test.run();
