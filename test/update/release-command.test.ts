import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseCommand } from '../../edge/cli/release-command.js';
import { UsageError } from '../../edge/cli/command.js';
import { verifyBundle } from '../../edge/update/bundle.js';
import { collectReleaseFiles } from '../../edge/update/release-files.js';
import { RELEASE_KEY, TRUSTED } from './bundle-fixture.js';

const test = suite('nutgiao release');
let dir: string;
let pkg: string;

async function put(path: string, text: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
}

test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nutgiao-release-'));
  pkg = join(dir, 'pkg');
  await put(join(pkg, 'package.json'), JSON.stringify({ name: 'nutgiao', version: '1.2.3', files: ['bin', 'dist', 'edge'], engines: { node: '>=20' } }));
  await put(
    join(pkg, 'package-lock.json'),
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'nutgiao' },
        'node_modules/mqtt': {},
        'node_modules/mqtt/node_modules/inner': {},
        'node_modules/typescript': { dev: true },
        'node_modules/mqtt/node_modules/devinner': { dev: true },
        'node_modules/@esbuild/darwin-arm64': { dev: true, optional: true },
        'node_modules/onoff-for-another-os': { optional: true },
      },
    }),
  );
  await put(join(pkg, 'bin/nutgiao.js'), 'console.log(1)\n');
  await put(join(pkg, 'edge/main.ts'), 'export {};\n');
  await put(join(pkg, 'dist/edge/main.js'), 'export {};\n');
  await put(join(pkg, 'dist/tsconfig.build.tsbuildinfo'), '{}');
  await put(join(pkg, 'node_modules/mqtt/index.js'), 'module.exports = 1;\n');
  await put(join(pkg, 'node_modules/mqtt/node_modules/inner/index.js'), '1');
  await put(join(pkg, 'node_modules/mqtt/node_modules/devinner/index.js'), '1');
  await put(join(pkg, 'node_modules/.bin/mqtt'), '#!/bin/sh\n');
  await put(join(pkg, 'node_modules/typescript/index.js'), '1');
  await put(join(pkg, 'node_modules/mqtt/build/addon.node'), 'ELF');
  await put(join(pkg, 'scripts/dev-only.ts'), '1');
  await put(join(pkg, 'dist/.built'), '');
  await writeFile(join(dir, 'release.pem'), RELEASE_KEY.privateKeyPem);
});

test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line), cwd: dir, env: {}, onInterrupt: () => {} } };
}

test('a release holds the files list, package.json with the release version, and production node_modules only', async () => {
  const contents = await collectReleaseFiles(pkg, { version: '1.2.4' });
  assert.equal(contents.files.map((file) => file.path).sort(), [
    'bin/nutgiao.js',
    'dist/.built',
    'dist/edge/main.js',
    'edge/main.ts',
    'node_modules/mqtt/build/addon.node',
    'node_modules/mqtt/index.js',
    'node_modules/mqtt/node_modules/inner/index.js',
    'package-lock.json',
    'package.json',
  ]);
  assert.is(JSON.parse(Buffer.from(contents.files.find((file) => file.path === 'package.json')!.data).toString()).version, '1.2.4');
  assert.equal(contents.native, { platform: process.platform, arch: process.arch, nodeAbi: process.versions.modules }, 'an addon makes the release machine-specific');
  assert.is(contents.minNodeMajor, 20);
});

test('nutgiao release writes a bundle a node with the key accepts, and never overwrites one', async () => {
  const run = io();
  const code = await releaseCommand(['--from', 'pkg', '--out', 'r.ngr', '--key', 'release.pem', '--key-id', 'release', '--version', '1.2.4'], run.io);
  assert.is(code, 0, run.err.join('\n'));
  const summary = JSON.parse(run.out[0]!);
  assert.is(summary.version, '1.2.4');
  assert.is(summary.files, 9);
  const { manifest } = await verifyBundle(await readFile(join(dir, 'r.ngr')), TRUSTED);
  assert.is(manifest.payloadSha256, summary.payloadSha256);
  const again = await releaseCommand(['--from', 'pkg', '--out', 'r.ngr', '--key', 'release.pem', '--key-id', 'release'], io().io).then(
    () => null,
    (error: Error) => error,
  );
  assert.instance(again, UsageError);
  assert.match(again!.message, /--out: r\.ngr exists; a release is never overwritten/);
});

test('refuses a stale build, naming the source file, and a missing key', async () => {
  const past = new Date(Date.now() - 60_000);
  await utimes(join(pkg, 'dist/.built'), past, past);
  const run = io();
  assert.is(await releaseCommand(['--from', 'pkg', '--out', 'r.ngr', '--key', 'release.pem', '--key-id', 'release'], run.io), 1);
  assert.match(run.err.join('\n'), /the build in dist\/ is older than edge\/main\.ts: run 'npm run build' there first/);
  const missingKey = await releaseCommand(['--from', 'pkg', '--out', 'r.ngr'], io().io).then(
    () => null,
    (error: Error) => error.message,
  );
  assert.match(missingKey ?? '', /--key FILE and --key-id ID are required: nodes refuse a bundle that no key in their update\.keys signed/);
});

test.run();
