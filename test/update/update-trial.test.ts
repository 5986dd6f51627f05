import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inactiveSlot, installSlot, pointCurrent, readCurrent, runsFromCurrent } from '../../edge/update/slots.js';
import { beginUpdateTrial, confirmUpdateTrial, readUpdateTrial, revertUpdateTrial, settleUpdateTrialAtStart, takeUpdateOutcome } from '../../edge/update/update-trial.js';
import { file } from './bundle-fixture.js';

const test = suite('A/B slots and the update trial');
let root: string;
let releases: string;
let installed: string;

test.before.each(async () => {
  root = await mkdtemp(join(tmpdir(), 'nutgiao-slots-'));
  releases = join(root, 'releases');
  installed = join(root, 'opt-nutgiao');
  await mkdir(installed, { recursive: true });
  await pointCurrent(releases, installed);
});

test.after.each(async () => {
  await rm(root, { recursive: true, force: true });
});

const trialOf = (next: 'a' | 'b') => ({ next, version: '2.0.0', fromVersion: '1.0.0', healthyWithinS: 30 });

test('a slot is written whole (modes and times kept), replaced whole, and the pointer switches by one rename', async () => {
  assert.is(await inactiveSlot(releases), 'a');
  const path = await installSlot(releases, 'a', [file('bin/nutgiao.js', 'one', 0o755), file('old.txt', 'gone next time')]);
  assert.is((await stat(join(path, 'bin/nutgiao.js'))).mode & 0o777, 0o755);
  assert.is((await stat(join(path, 'old.txt'))).mtimeMs, Date.UTC(2026, 10, 1, 12, 0, 0));
  await installSlot(releases, 'a', [file('bin/nutgiao.js', 'two', 0o755)]);
  assert.equal((await readdir(path)).sort(), ['bin']);
  assert.is(await readFile(join(path, 'bin/nutgiao.js'), 'utf8'), 'two');
  await pointCurrent(releases, 'a');
  assert.is(await readlink(join(releases, 'current')), 'a');
  assert.ok((await lstat(join(releases, 'current'))).isSymbolicLink());
  assert.is(await inactiveSlot(releases), 'b');
  assert.ok(await runsFromCurrent(releases, path));
  assert.not.ok(await runsFromCurrent(releases, installed));
  assert.equal((await readdir(releases)).sort(), ['a', 'current'], 'no staging link or partial slot left');
});

test('a trial that confirms: counted once by the guard, then confirmed; the pointer stays', async () => {
  await beginUpdateTrial(releases, trialOf('a'), installed);
  assert.is(await readCurrent(releases), 'a');
  assert.equal(await readUpdateTrial(releases), { ...trialOf('a'), starts: 0, previous: installed });
  const settled = await settleUpdateTrialAtStart(releases);
  assert.is(settled.state, 'trying');
  assert.is((await readUpdateTrial(releases))?.starts, 1);
  await confirmUpdateTrial(releases);
  assert.equal(await settleUpdateTrialAtStart(releases), { state: 'none' });
  assert.is(await readCurrent(releases), 'a');
  assert.is(await takeUpdateOutcome(releases), null);
});

test('a release that exits before confirming is rolled back at the next start, and the reason is reported once', async () => {
  await pointCurrent(releases, 'b');
  await beginUpdateTrial(releases, trialOf('a'), installed);
  assert.is((await settleUpdateTrialAtStart(releases)).state, 'trying'); // start 1: it crashes
  const second = await settleUpdateTrialAtStart(releases); // start 2: the guard rolls back
  assert.is(second.state, 'reverted');
  assert.is(await readCurrent(releases), 'b');
  assert.is(await readUpdateTrial(releases), null);
  const outcome = await takeUpdateOutcome(releases);
  assert.is(outcome?.result, 'rolled-back');
  assert.match(outcome?.reason ?? '', /^release 2\.0\.0 did not come up healthy: it exited, crashed or was killed before confirming \(start 2\); 1\.0\.0 was restored$/);
  assert.is(await takeUpdateOutcome(releases), null, 'reported once');
  assert.equal(await settleUpdateTrialAtStart(releases), { state: 'none' });
});

test('a release that is not healthy in time reverts itself; the installed package is pointed at again', async () => {
  const trial = await beginUpdateTrial(releases, trialOf('a'), installed);
  await settleUpdateTrialAtStart(releases);
  await revertUpdateTrial(releases, trial, 'no broker within 30 s');
  assert.is(await readCurrent(releases), installed);
  assert.is((await takeUpdateOutcome(releases))?.reason, 'no broker within 30 s');
});

test('a power cut between marking the trial and switching leaves the old release and no trial', async () => {
  await writeFile(join(releases, 'trial.json'), JSON.stringify({ ...trialOf('a'), starts: 0, previous: installed }));
  assert.equal(await settleUpdateTrialAtStart(releases), { state: 'none' });
  assert.is(await readCurrent(releases), installed);
  assert.is(await readUpdateTrial(releases), null);
});

test('a damaged trial marker is dropped, the pointer left alone', async () => {
  await pointCurrent(releases, 'a');
  await writeFile(join(releases, 'trial.json'), '{"starts":');
  assert.equal(await settleUpdateTrialAtStart(releases), { state: 'none' });
  assert.is(await readUpdateTrial(releases), null);
  assert.is(await readCurrent(releases), 'a');
});

test.run();
