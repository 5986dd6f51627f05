import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatErrors } from '../../edge/config/index.js';

test('a header with the count, then one indented line per error', () => {
  const report = formatErrors(
    ['signal.phases[2].minGreen: must be >= 5 s', "mqtt.keepalive: unknown field (did you mean 'keepaliveS'?)"],
    'node.yaml',
  );
  assert.is(
    report,
    [
      'node.yaml: 2 config errors; the node will not start until they are fixed',
      '  signal.phases[2].minGreen: must be >= 5 s',
      "  mqtt.keepalive: unknown field (did you mean 'keepaliveS'?)",
    ].join('\n'),
  );
});

test('one error is counted in the singular', () => {
  assert.is(
    formatErrors(['node.site: is required'], 'node.yaml'),
    'node.yaml: 1 config error; the node will not start until they are fixed\n  node.site: is required',
  );
});

test('no errors: says the config is valid', () => {
  assert.is(formatErrors([], 'node.yaml'), 'node.yaml: config is valid');
});

test.run();
