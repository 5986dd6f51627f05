import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { configHash, EXAMPLE_CONFIG_PATH, loadConfigFile, type LoadResult } from '../../edge/config/index.js';
import { EXAMPLE_TEXT, exampleRaw } from './example-raw.js';

let dir = '';

test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nutgiao-config-'));
});

test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectLoaded(result: LoadResult): Extract<LoadResult, { ok: true }> {
  if (!result.ok) {
    const message = `expected the file to load, got:\n${result.errors.join('\n')}`;
    throw new assert.Assertion({ message, operator: 'ok', expects: [], actual: result.errors });
  }
  return result;
}

test('loads a YAML file; relative state.dir resolves against its folder', async () => {
  const path = join(dir, 'node.yaml');
  await writeFile(path, EXAMPLE_TEXT);
  const loaded = expectLoaded(await loadConfigFile(path));
  assert.is(loaded.path, path);
  assert.is(loaded.config.node.id, 'sim-0001');
  assert.is(loaded.config.state.dir, join(dir, 'var'));
  assert.is(loaded.hash, configHash(loaded.config));
});

test('loads a JSON file with the same content to the same config and hash', async () => {
  const yamlPath = join(dir, 'node.yaml');
  const jsonPath = join(dir, 'node.json');
  await writeFile(yamlPath, EXAMPLE_TEXT);
  await writeFile(jsonPath, JSON.stringify(exampleRaw(), null, 2));
  const fromYaml = expectLoaded(await loadConfigFile(yamlPath));
  const fromJson = expectLoaded(await loadConfigFile(jsonPath));
  assert.equal(fromJson.config, fromYaml.config);
  assert.is(fromJson.hash, fromYaml.hash);
});

test('a relative path to the file itself is accepted and reported absolute', async () => {
  const path = join(dir, 'node.yaml');
  await writeFile(path, EXAMPLE_TEXT);
  assert.is(expectLoaded(await loadConfigFile(relative(process.cwd(), path))).path, path);
});

test('TLS and password file paths resolve against the config folder; absolute paths stay', async () => {
  const raw = exampleRaw();
  raw.state.dir = '/srv/nutgiao/state';
  Object.assign(raw.mqtt, {
    broker: 'mqtts://broker.example.net:8883',
    password: { file: 'secrets/mqtt-password' },
    tls: { ca: 'certs/ca.pem', cert: '/etc/nutgiao/node.pem', key: 'certs/node.key' },
  });
  const path = join(dir, 'node.json');
  await writeFile(path, JSON.stringify(raw));
  const { config } = expectLoaded(await loadConfigFile(path));
  assert.is(config.state.dir, '/srv/nutgiao/state');
  assert.equal(config.mqtt.password, { file: join(dir, 'secrets/mqtt-password') });
  assert.equal(config.mqtt.tls, {
    ca: join(dir, 'certs/ca.pem'),
    cert: '/etc/nutgiao/node.pem',
    key: join(dir, 'certs/node.key'),
    rejectUnauthorized: true,
  });
});

test('a YAML syntax error is one error with line and column', async () => {
  const path = join(dir, 'broken.yaml');
  await writeFile(path, 'node:\n  id: sim-0001\n  site: [demo\nsignal: {}\n');
  const result = await loadConfigFile(path);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.is(result.errors.length, 1);
  assert.match(result.errors[0] ?? '', new RegExp(`^${path.replace(/[.]/g, '\\.')}:\\d+:\\d+: `));
});

test('a duplicated key is an error at the second occurrence', async () => {
  const path = join(dir, 'dup.yaml');
  await writeFile(path, 'node:\n  id: sim-0001\n  id: sim-0002\n  site: demo\n');
  assert.equal(await loadConfigFile(path), { ok: false, errors: [`${path}:3:3: Map keys must be unique`] });
});

test('an alias without its anchor is an error with its position', async () => {
  const path = join(dir, 'alias.yaml');
  await writeFile(path, 'node:\n  id: *nodeId\n');
  assert.equal(await loadConfigFile(path), {
    ok: false,
    errors: [`${path}:2:7: alias *nodeId has no anchor &nodeId before it`],
  });
});

test('a missing file names the path and the fix', async () => {
  const path = join(dir, 'absent.yaml');
  assert.equal(await loadConfigFile(path), {
    ok: false,
    errors: [`${path}: config file not found (check the path, or start from the example: cp ${EXAMPLE_CONFIG_PATH} ${path})`],
  });
});

test('a directory instead of a file is an error', async () => {
  const path = join(dir, 'conf.d');
  await mkdir(path);
  assert.equal(await loadConfigFile(path), { ok: false, errors: [`${path}: is a directory (give the config file itself)`] });
});

test('an empty file is one error', async () => {
  const path = join(dir, 'empty.yaml');
  await writeFile(path, '# nothing configured yet\n');
  assert.equal(await loadConfigFile(path), { ok: false, errors: ['(root): the config is empty'] });
});

test('validation errors come back unchanged', async () => {
  const raw = exampleRaw();
  raw.signal.phases[2].minGreen = 3;
  const path = join(dir, 'node.json');
  await writeFile(path, JSON.stringify(raw));
  assert.equal(await loadConfigFile(path), { ok: false, errors: ['signal.phases[2].minGreen: must be >= 5 s'] });
});

test.run();
