import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BundleError, THIS_RUNTIME, verifyBundle } from '../../edge/update/bundle.js';
import { readTar, TarFormatError, writeTar } from '../../edge/update/tar.js';
import { file, OTHER_KEY, SMALL_RELEASE_FILES, smallBundle, TRUSTED } from './bundle-fixture.js';

const test = suite('release bundle: pack and verify');

async function refusal(bundle: Uint8Array, keys = TRUSTED, runtime = THIS_RUNTIME): Promise<string> {
  try {
    await verifyBundle(bundle, keys, runtime);
  } catch (error) {
    assert.instance(error, BundleError);
    return (error as Error).message;
  }
  throw new Error('the bundle was accepted');
}

/** Offset of an entry's data in a tar: its header is the 512 bytes before. */
function dataOffset(archive: Buffer, name: string): number {
  for (let offset = 0; offset < archive.length; offset += 512) {
    if (archive.subarray(offset, offset + name.length).toString() === name && archive[offset + name.length] === 0) return offset + 512;
  }
  throw new Error(`${name} not in the archive`);
}

test('a packed bundle verifies and gives back every file with its path, bytes, mode and time', async () => {
  const { bundle, manifest } = await smallBundle();
  const { manifest: read, files } = await verifyBundle(bundle, TRUSTED);
  assert.equal(read, manifest);
  assert.is(manifest.version, '9.0.0');
  assert.is(manifest.files, SMALL_RELEASE_FILES.length);
  assert.equal(
    files.map((entry) => [entry.path, Buffer.from(entry.data).toString(), entry.mode, entry.mtimeMs]),
    SMALL_RELEASE_FILES.map((entry) => [entry.path, Buffer.from(entry.data).toString(), entry.mode, entry.mtimeMs]),
  );
});

test('one changed byte in the payload is a hash mismatch', async () => {
  const { bundle } = await smallBundle();
  const tampered = Buffer.from(bundle);
  tampered[dataOffset(tampered, 'payload.tar.gz') + 100]! ^= 0x01;
  assert.match(await refusal(tampered), /^payload hash mismatch: sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}/);
});

test('a changed manifest (version, hash or key id in place) fails the signature', async () => {
  const { bundle } = await smallBundle({ version: '9.0.1' });
  const tampered = Buffer.from(bundle);
  const at = tampered.indexOf('"9.0.1"', dataOffset(tampered, 'manifest.json'));
  tampered.write('"9.0.2"', at);
  // The header checksum does not cover data, so only the signature can catch this.
  assert.match(await refusal(tampered), /^bad signature: manifest\.sig does not verify with release key release/);
});

test('a bundle signed by a key the node does not trust is refused, whatever id it claims', async () => {
  const impostor = await smallBundle({ key: { id: 'release', privateKeyPem: OTHER_KEY.privateKeyPem } });
  assert.match(await refusal(impostor.bundle), /^bad signature/);
  const unknown = await smallBundle({ key: { id: 'someone', privateKeyPem: OTHER_KEY.privateKeyPem } });
  assert.is(await refusal(unknown.bundle), 'signed by release key "someone", which is not in update.keys (release)');
  assert.match(await refusal((await smallBundle()).bundle, []), /no release keys configured \(update\.keys is empty\)/);
});

test('a truncated bundle is refused at every cut, never unpacked', async () => {
  const { bundle } = await smallBundle();
  for (const length of [0, 100, 600, Math.floor(bundle.length / 2), bundle.length - 1024, bundle.length - 1]) {
    const message = await refusal(bundle.subarray(0, length));
    assert.match(message, /not a complete release bundle|not a release bundle|payload/, `cut at ${length}: ${message}`);
  }
});

test('native addons for another CPU, OS or Node ABI are refused, naming both', async () => {
  const { bundle } = await smallBundle({ native: { platform: 'linux', arch: 'arm64', nodeAbi: '115' } });
  const message = await refusal(bundle, TRUSTED, { platform: 'linux', arch: 'x64', nodeAbi: '115', nodeMajor: 20 });
  assert.match(message, /built for linux-arm64 Node ABI 115; this node is linux-x64 Node ABI 115: build the release on a machine of this kind/);
  const fits = await verifyBundle(bundle, TRUSTED, { platform: 'linux', arch: 'arm64', nodeAbi: '115', nodeMajor: 20 });
  assert.is(fits.manifest.native?.arch, 'arm64');
  assert.match(await refusal(bundle, TRUSTED, { platform: 'linux', arch: 'arm64', nodeAbi: '115', nodeMajor: 18 }), /needs Node 20 or later, this node runs Node 18/);
});

test('a payload without bin/nutgiao.js is not a NutGiao release', async () => {
  const { bundle } = await smallBundle({ files: [file('package.json', '{}')] });
  assert.match(await refusal(bundle), /no bin\/nutgiao\.js or package\.json/);
});

test('tar: a link entry or an escaping path is refused', () => {
  const archive = writeTar([file('bin/nutgiao.js', 'x')]);
  const asLink = Buffer.from(archive);
  asLink[156] = '2'.charCodeAt(0);
  let sum = 0;
  for (let index = 0; index < 512; index++) sum += index >= 148 && index < 156 ? 32 : asLink[index]!;
  asLink.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  assert.throws(() => readTar(asLink), (error: Error) => error instanceof TarFormatError && /entry type '2' refused/.test(error.message));
  for (const path of ['../etc/passwd', '/etc/passwd', 'a/../../b', 'a//b', '']) {
    assert.throws(() => writeTar([file(path, 'x')]), /unsafe path in archive/, path);
  }
  const damaged = Buffer.from(archive);
  damaged[10]! ^= 0x20;
  assert.throws(() => readTar(damaged), /checksum mismatch/);
});

test.run();
