import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beginConfigTrial, confirmConfigTrial, pendingTrial, settleConfigTrialAtStartup } from '../../edge/commands/config-trial.js';

/** The set-config trial files: a start that never confirms is undone by the next start, whatever stopped it. */
const test = suite('config trial');

async function configFile(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'nutgiao-trial-')), 'node.yaml');
  await writeFile(path, 'node: { id: n1, site: s1 }   # the old one\n');
  return path;
}

test('no trial: nothing happens at startup', async () => {
  const path = await configFile();
  assert.equal(await settleConfigTrialAtStartup(path), { state: 'none' });
  assert.is(await readFile(path, 'utf8'), 'node: { id: n1, site: s1 }   # the old one\n');
});

test('the first start of a new config tries it; confirming keeps it and the previous file', async () => {
  const path = await configFile();
  await beginConfigTrial(path, { node: { id: 'n1', site: 's1' }, telemetry: { healthIntervalS: 7 } }, 30);
  assert.equal(JSON.parse(await readFile(path, 'utf8')).telemetry, { healthIntervalS: 7 });
  assert.equal(await settleConfigTrialAtStartup(path), { state: 'trying', trialS: 30 });
  assert.equal((await pendingTrial(path)).trial, { starts: 1, trialS: 30 });
  await confirmConfigTrial(path);
  assert.equal(await settleConfigTrialAtStartup(path), { state: 'none' });
  assert.equal(JSON.parse(await readFile(path, 'utf8')).telemetry, { healthIntervalS: 7 });
  assert.is(await readFile(`${path}.prev`, 'utf8'), 'node: { id: n1, site: s1 }   # the old one\n');
});

test('a start that crashed before confirming is reverted by the next start, and the running node hears of it once', async () => {
  const path = await configFile();
  await beginConfigTrial(path, { node: { id: 'n1', site: 's1' } }, 30);
  assert.is((await settleConfigTrialAtStartup(path)).state, 'trying');
  // ...the process dies here (crash, failed load, watchdog): no confirmation.
  const next = await settleConfigTrialAtStartup(path);
  assert.is(next.state, 'reverted');
  assert.is(await readFile(path, 'utf8'), 'node: { id: n1, site: s1 }   # the old one\n');
  assert.not.ok(existsSync(`${path}.trial.json`));
  const seen = await pendingTrial(path);
  assert.equal(seen, { trial: null, reverted: 'the new config did not come up healthy (no confirmed start): the previous config was restored' });
  assert.equal(await pendingTrial(path), { trial: null, reverted: null });
});

test('a damaged trial marker is treated as a start that did not confirm', async () => {
  const path = await configFile();
  await beginConfigTrial(path, { node: { id: 'n1', site: 's1' } }, 30);
  await writeFile(`${path}.trial.json`, '{"starts": 0, "tri');
  assert.is((await settleConfigTrialAtStartup(path)).state, 'reverted');
  assert.is(await readFile(path, 'utf8'), 'node: { id: n1, site: s1 }   # the old one\n');
});

test.run();
