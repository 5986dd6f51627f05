import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setConfigHandler } from '../../edge/commands/handlers/set-config.js';
import { EXAMPLE_CONFIG_PATH, parseConfigText, validateConfig } from '../../edge/config/index.js';
import { routerFixture } from './command-fixture.js';

/** set-config refusals before anything is written; the trial itself is in config-trial and the integration test. */
const test = suite('set-config command');

const raw = parseConfigText(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'), 'example.yaml') as Record<string, any>;
const checked = validateConfig(raw);
if (!checked.ok) throw new Error(checked.errors.join('\n'));
const running = checked.config;

async function setup(configPath: string | null) {
  const exits: Array<[string, number]> = [];
  const fixture = await routerFixture([setConfigHandler(running, configPath, 60, (reason, code) => exits.push([reason, code]))]);
  return { ...fixture, exits };
}

test('unsigned set-config is refused', async () => {
  const { send, request, exits } = await setup(null);
  assert.is((await send(request('set-config', { config: raw }))).response.status, 'refused');
  assert.equal(exits, []);
});

test('without a writable config file it says how the node must be started', async () => {
  const { send, signed } = await setup(null);
  assert.match((await send(signed('set-config', { config: raw }))).response.error ?? '', /nutgiao run --config FILE/);
});

test('errors are listed by path, the node identity may not change, and the file is untouched', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nutgiao-set-config-'));
  const path = join(dir, 'node.yaml');
  await writeFile(path, 'original\n');
  const { send, signed, exits } = await setup(path);
  const invalid = await send(signed('set-config', { config: { ...raw, signal: { ...raw.signal, phases: [] }, telemetry: { healthIntervalS: -1 } } }));
  assert.is(invalid.response.status, 'error');
  assert.match(invalid.response.error ?? '', /^args\.config is not a valid config \(\d+ errors\): config\.telemetry\.healthIntervalS/);
  const moved = await send(signed('set-config', { config: { ...raw, node: { ...raw.node, id: 'elsewhere' } } }));
  assert.match(moved.response.error ?? '', /^args\.config\.node: id and site must stay sim-0001@demo/);
  assert.is(await readFile(path, 'utf8'), 'original\n');
  const applied = await send(signed('set-config', { config: raw }));
  assert.is(applied.response.status, 'ok', applied.response.error);
  assert.equal(exits, []);
  applied.afterResponse?.();
  assert.equal(exits, [['config changed by set-config', 75]]);
  assert.is(await readFile(`${path}.prev`, 'utf8'), 'original\n');
});

test.run();
