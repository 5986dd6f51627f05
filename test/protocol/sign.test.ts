import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { Unpackr } from 'msgpackr';
import { canonicalPack } from '../../protocol/canonical-msgpack.js';
import { canonicalRequestBytes, parsePublicKey, signRequest, verifyRequestSignature } from '../../protocol/sign.js';

/**
 * The request signature scheme: canonical bytes that an independent encoder (Debian's python3-msgpack)
 * reproduces byte for byte, an Ed25519 signature that Python's cryptography verifies, and keys in both
 * accepted forms.
 */
const test = suite('request signatures');
const PYTHON = '/usr/bin/python3';
const TARGET = { site: 'demo', node: 'sim-0001' };
// A fixed seed, so the vector below is reproducible by anyone: Ed25519 signatures are deterministic.
const SEED = Buffer.alloc(32, 7);
const PRIVATE_KEY = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SEED]), format: 'der', type: 'pkcs8' });
const PUBLIC_RAW = createPublicKey(PRIVATE_KEY).export({ format: 'der', type: 'spki' }).subarray(12);
const REQUEST = { v: 1, id: 'req-1', cmd: 'set-mode', ts: 1_764_201_600_000, args: { mode: 'flash', z: [1, 2.5, -40, 70000, { b: true, a: null }] } };

const PYTHON_SCRIPT = String.raw`
import json, sys
import msgpack
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
case = json.load(sys.stdin)
def canonical(value):
    if isinstance(value, dict):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
r = case['request']
signed = msgpack.packb(canonical(['nutgiao-request-v1', case['site'], case['node'], r['cmd'], r['id'], r['ts'], case['nonce'], r.get('args', {})]), use_bin_type=True)
key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(case['publicKey']))
key.verify(bytes.fromhex(case['sig']), signed)
print(signed.hex())
`;

test('python3-msgpack builds the same canonical bytes and cryptography verifies the signature', () => {
  const signed = signRequest(REQUEST, { keyId: 'k', privateKey: PRIVATE_KEY }, TARGET, 'nonce-0001');
  const input = JSON.stringify({ request: REQUEST, ...TARGET, nonce: 'nonce-0001', publicKey: PUBLIC_RAW.toString('hex'), sig: Buffer.from(signed.auth.sig).toString('hex') });
  const run = spawnSync(PYTHON, ['-c', PYTHON_SCRIPT], { input, encoding: 'utf8' });
  if (run.error) assert.unreachable(`cannot run ${PYTHON}: ${run.error.message} (apt-get install python3-msgpack python3-cryptography)`);
  assert.is(run.status, 0, `python failed: ${run.stderr}`);
  assert.is(run.stdout.trim(), canonicalRequestBytes(REQUEST, 'nonce-0001', TARGET).toString('hex'));
});

test('the published vector: ts as uint64, keys sorted, 2.5 as float64', () => {
  const hex = canonicalRequestBytes(REQUEST, 'nonce-0001', TARGET).toString('hex');
  assert.ok(hex.includes('cf0000019ac29c1400'), 'ts is a uint64');
  assert.ok(hex.includes('82a161c0a162c3'), '{ a: null, b: true } in key order');
  assert.ok(hex.includes('cb4004000000000000'), '2.5 is float64');
  assert.ok(hex.includes('d0d8') && hex.includes('ce00011170'), '-40 as int8, 70000 as uint32');
});

test('the test vector in protocol/README.md', async () => {
  const readme = await import('node:fs/promises').then((fs) => fs.readFile(new URL('../../protocol/README.md', import.meta.url), 'utf8'));
  const request = { v: 1, id: 'req-1', cmd: 'set-mode', ts: 1_764_201_600_000, args: { mode: 'flash', z: [1, 2.5, { b: true, a: null }] } };
  const bytes = canonicalRequestBytes(request, 'nonce-0001', TARGET).toString('hex');
  const sig = Buffer.from(signRequest(request, { keyId: 'k', privateKey: PRIVATE_KEY }, TARGET, 'nonce-0001').auth.sig).toString('hex');
  assert.ok(readme.includes(`public key, base64 raw: \`${PUBLIC_RAW.toString('base64')}\``), 'public key in the README');
  assert.ok(readme.includes(`signed bytes ${bytes}`), 'signed bytes in the README');
  assert.ok(readme.includes(`sig          ${sig}`), 'signature in the README');
});

test('canonical encoding decodes back to the same values and ignores key order', () => {
  const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.stringMatching(/^[a-zA-Z0-9 é]{0,6}$/), tie('value'), { maxKeys: 4, noNullPrototype: true })),
  })).value;
  fc.assert(
    fc.property(json, (value) => {
      const bytes = canonicalPack(value);
      assert.equal(unpackr.unpack(bytes), value);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        assert.equal(canonicalPack(reversed), bytes);
      }
    }),
  );
});

test('public keys: PEM and base64 raw are the same key; anything else is refused with the reason', () => {
  const pem = createPublicKey(PRIVATE_KEY).export({ format: 'pem', type: 'spki' }).toString();
  const signed = signRequest(REQUEST, { keyId: 'k', privateKey: PRIVATE_KEY }, TARGET);
  assert.ok(verifyRequestSignature(signed, signed.auth, TARGET, parsePublicKey(pem)));
  assert.ok(verifyRequestSignature(signed, signed.auth, TARGET, parsePublicKey(PUBLIC_RAW.toString('base64'))));
  assert.not.ok(verifyRequestSignature(signed, signed.auth, { ...TARGET, site: 'other' }, parsePublicKey(pem)));
  assert.throws(() => parsePublicKey(Buffer.alloc(31).toString('base64')), /32 bytes, this one decodes to 31/);
  const rsa = '-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMBXJgIwu/x9u2SLv1tL0pDcXxz2n2E7\nz1PZyH9V3x1o0bGzjJx7bF6vKZ6mP9E0d5zCkIuRgD5Sd6Vz0a1p0JkCAwEAAQ==\n-----END PUBLIC KEY-----';
  assert.throws(() => parsePublicKey(rsa));
});

test.run();
