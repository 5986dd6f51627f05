import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfigFile, resolveSecrets, type Config } from '../../edge/config/index.js';
import { exampleRaw } from './example-raw.js';
import { expectValid } from './expect-valid.js';

let dir = '';

test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nutgiao-secrets-'));
});

test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

function configWithPassword(password: unknown): Config {
  const raw = exampleRaw();
  if (password !== undefined) raw.mqtt.password = password;
  return expectValid(raw);
}

test('no password configured: nothing to resolve', () => {
  assert.equal(resolveSecrets(configWithPassword(undefined), {}), { ok: true });
});

test('an inline password is used as written', () => {
  assert.equal(resolveSecrets(configWithPassword('s3cret'), {}), { ok: true, mqttPassword: 's3cret' });
});

test('a password from the environment', () => {
  const config = configWithPassword({ env: 'NUTGIAO_MQTT_PASSWORD' });
  assert.equal(resolveSecrets(config, { NUTGIAO_MQTT_PASSWORD: 'from-env' }), { ok: true, mqttPassword: 'from-env' });
});

test('the environment defaults to process.env', () => {
  const name = `NUTGIAO_TEST_PASSWORD_${process.pid}`;
  process.env[name] = 'from-process-env';
  try {
    assert.equal(resolveSecrets(configWithPassword({ env: name })), { ok: true, mqttPassword: 'from-process-env' });
  } finally {
    delete process.env[name];
  }
});

test('an unset environment variable is an error naming the config path', () => {
  assert.equal(resolveSecrets(configWithPassword({ env: 'NUTGIAO_MQTT_PASSWORD' }), {}), {
    ok: false,
    errors: ['mqtt.password.env: environment variable NUTGIAO_MQTT_PASSWORD is not set'],
  });
});

test('an empty environment variable is an error', () => {
  assert.equal(resolveSecrets(configWithPassword({ env: 'NUTGIAO_MQTT_PASSWORD' }), { NUTGIAO_MQTT_PASSWORD: '' }), {
    ok: false,
    errors: ['mqtt.password.env: environment variable NUTGIAO_MQTT_PASSWORD is empty'],
  });
});

test('a password from a file, without its trailing newline', async () => {
  const path = join(dir, 'mqtt-password');
  await writeFile(path, 'from file\n');
  assert.equal(resolveSecrets(configWithPassword({ file: path }), {}), { ok: true, mqttPassword: 'from file' });
});

test('a relative password file resolves against the config file folder', async () => {
  await writeFile(join(dir, 'mqtt-password'), 'beside the config');
  const raw = exampleRaw();
  raw.mqtt.password = { file: 'mqtt-password' };
  const configPath = join(dir, 'node.json');
  await writeFile(configPath, JSON.stringify(raw));
  const loaded = await loadConfigFile(configPath);
  assert.ok(loaded.ok);
  if (!loaded.ok) return;
  assert.equal(resolveSecrets(loaded.config, {}), { ok: true, mqttPassword: 'beside the config' });
});

test('a missing password file is an error naming the config path and the file', () => {
  const path = join(dir, 'absent');
  assert.equal(resolveSecrets(configWithPassword({ file: path }), {}), {
    ok: false,
    errors: [`mqtt.password.file: cannot read ${path} (file not found)`],
  });
});

test('an unreadable password file is an error', async () => {
  const path = join(dir, 'locked');
  await writeFile(path, 'secret');
  await chmod(path, 0o000);
  const result = resolveSecrets(configWithPassword({ file: path }), {});
  // root reads any file regardless of its mode, so the failure can only be observed as another user.
  const expected =
    process.getuid?.() === 0
      ? { ok: true, mqttPassword: 'secret' }
      : { ok: false, errors: [`mqtt.password.file: cannot read ${path} (permission denied)`] };
  assert.equal(result, expected);
});

test('a password file that is a directory is an error', () => {
  assert.equal(resolveSecrets(configWithPassword({ file: dir }), {}), {
    ok: false,
    errors: [`mqtt.password.file: cannot read ${dir} (it is a directory)`],
  });
});

test('an empty password file is an error', async () => {
  const path = join(dir, 'empty');
  await writeFile(path, '\n');
  assert.equal(resolveSecrets(configWithPassword({ file: path }), {}), {
    ok: false,
    errors: [`mqtt.password.file: ${path} is empty`],
  });
});

test('an injected reader is used instead of the file system', () => {
  const reads: string[] = [];
  const readFile = (path: string) => {
    reads.push(path);
    return 'injected\r\n';
  };
  assert.equal(resolveSecrets(configWithPassword({ file: '/run/secrets/mqtt' }), {}, readFile), {
    ok: true,
    mqttPassword: 'injected',
  });
  assert.equal(reads, ['/run/secrets/mqtt']);
});

test.run();
