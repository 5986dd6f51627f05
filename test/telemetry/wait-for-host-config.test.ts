import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { EXAMPLE_CONFIG_PATH, validateConfig } from '../../edge/config/index.js';

const example = () => parse(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')) as Record<string, any>;

test('mqtt.waitForHost: absent by default; a topic with a default timeout', () => {
  const plain = validateConfig(example());
  assert.ok(plain.ok);
  if (plain.ok) assert.is(plain.config.mqtt.waitForHost, undefined);
  const raw = example();
  raw.mqtt.waitForHost = { topic: 'central/host/state' };
  const result = validateConfig(raw);
  assert.ok(result.ok);
  if (result.ok) assert.equal(result.config.mqtt.waitForHost, { topic: 'central/host/state', timeoutS: 300 });
});

test('mqtt.waitForHost: a wildcard topic or a zero timeout is refused with the path', () => {
  const raw = example();
  raw.mqtt.waitForHost = { topic: 'central/+/state', timeoutS: 0 };
  const result = validateConfig(raw);
  assert.not.ok(result.ok);
  if (!result.ok) {
    assert.ok(result.errors.some((error) => error.startsWith("mqtt.waitForHost.topic: must be one topic, without '+' or '#'")), result.errors.join('\n'));
    assert.ok(result.errors.some((error) => error.startsWith('mqtt.waitForHost.timeoutS')), result.errors.join('\n'));
  }
});

test.run();
