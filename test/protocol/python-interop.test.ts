/**
 * Decodes every golden vector with an independent MessagePack implementation (Debian's python3-msgpack)
 * and checks it reads the same values, with integers as Python ints and only fractions as floats. For a
 * v2 vector that is the compact wire map (`wire`), not the v1-shaped message.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goldenVectors } from './golden-vectors.js';

const PYTHON = '/usr/bin/python3';

// Reads a JSON list of hex strings on stdin; prints, per vector, the decoded value and the paths of floats.
const DECODE_SCRIPT = `
import json, sys
try:
    import msgpack
except ImportError:
    sys.stderr.write('MISSING_MSGPACK')
    sys.exit(3)
def floats(value, path, out):
    if isinstance(value, float):
        out.append(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            floats(item, path + '.' + key, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            floats(item, path + '[' + str(index) + ']', out)
    return out
result = []
for hex_payload in json.load(sys.stdin):
    value = msgpack.unpackb(bytes.fromhex(hex_payload), raw=False, strict_map_key=True)
    result.append({'value': value, 'floats': floats(value, '', [])})
json.dump(result, sys.stdout)
`;

function fractionalPaths(value: unknown, path: string, out: string[]): string[] {
  if (typeof value === 'number' && !Number.isInteger(value)) out.push(path);
  else if (Array.isArray(value)) value.forEach((item, i) => fractionalPaths(item, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) fractionalPaths(item, `${path}.${key}`, out);
  }
  return out;
}

test('python3-msgpack decodes every golden vector to the same values, ints as ints', () => {
  const run = spawnSync(PYTHON, ['-c', DECODE_SCRIPT], {
    input: JSON.stringify(goldenVectors.map((v) => v.hex)),
    encoding: 'utf8',
  });
  if (run.error) assert.unreachable(`cannot run ${PYTHON}: ${run.error.message} (install python3 and python3-msgpack)`);
  if (run.stderr.includes('MISSING_MSGPACK')) {
    assert.unreachable(`${PYTHON} has no msgpack module: install it with "apt-get install -y python3-msgpack"`);
  }
  assert.is(run.status, 0, `python failed: ${run.stderr}`);
  const decoded = JSON.parse(run.stdout) as { value: unknown; floats: string[] }[];
  assert.is(decoded.length, goldenVectors.length);
  goldenVectors.forEach((vector, i) => {
    const { value, floats } = decoded[i]!;
    const expected = vector.wire ?? vector.message;
    assert.equal(value, expected, vector.name);
    assert.equal(floats, fractionalPaths(expected, '', []), `${vector.name}: only fractional numbers may be floats`);
  });
});

test.run();
