import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadBundle } from '../../edge/update/download.js';
import { fetchFromUrl, installRelease } from '../../edge/update/install-release.js';
import { readCurrent } from '../../edge/update/slots.js';
import { readUpdateTrial } from '../../edge/update/update-trial.js';
import { OTHER_KEY, serve, smallBundle, releaseDirsPerTest, TRUSTED } from './bundle-fixture.js';

const test = suite('update: download, verify, install in the inactive slot');
const settings = { keys: TRUSTED, healthyWithinS: 30, maxBundleMiB: 1, downloadTimeoutS: 5, streamChunkTimeoutS: 5 };
let root: string;
let releases: string;
let installed: string;
let server: Awaited<ReturnType<typeof serve>>;
let good: Awaited<ReturnType<typeof smallBundle>>;
let impostor: Awaited<ReturnType<typeof smallBundle>>;

test.before(async () => {
  good = await smallBundle({ version: '2.0.0' });
  impostor = await smallBundle({ version: '2.0.0', key: { id: 'release', privateKeyPem: OTHER_KEY.privateKeyPem } });
  server = await serve({
    '/good.ngr': (response) => response.end(good.bundle),
    '/impostor.ngr': (response) => response.end(impostor.bundle),
    '/truncated.ngr': (response) => response.end(good.bundle.subarray(0, good.bundle.length - 3000)),
    '/moved': (response) => response.writeHead(302, { location: '/good.ngr' }).end(),
    '/huge-announced': (response) => response.writeHead(200, { 'content-length': String(2 * 1024 * 1024) }).end(),
    '/huge-streamed': (response) => {
      response.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024);
      const timer = setInterval(() => (response.destroyed ? clearInterval(timer) : response.write(chunk)), 1);
    },
    '/cut': (response) => {
      response.writeHead(200, { 'content-length': String(good.bundle.length) });
      response.write(good.bundle.subarray(0, 1000));
      setTimeout(() => response.destroy(), 20);
    },
    '/slow': (response) => {
      response.writeHead(200);
      response.write('x');
    },
  });
});

test.after(async () => {
  await server?.close();
});

releaseDirsPerTest(test, 'nutgiao-install-', (dirs) => ({ root, releases, installed } = dirs));

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const message = await promise.then(
    () => 'resolved',
    (error: Error) => error.message,
  );
  assert.match(message, pattern, message);
}

const install = (path: string) => installRelease({ fetchBundle: fetchFromUrl(server.url(path)), settings, releasesDir: releases, packageRoot: installed, version: '1.0.0' });

async function refused(path: string): Promise<string> {
  const message = await install(path).then(
    () => 'installed',
    (error: Error) => error.message,
  );
  assert.is(await readCurrent(releases), installed, `${path}: current moved`);
  assert.is(await readUpdateTrial(releases), null, `${path}: a trial was marked`);
  assert.equal((await readdir(releases)).sort(), ['current'], `${path}: a slot was written`);
  return message;
}

test('a good bundle (through a redirect) goes into slot a, the trial is marked and current points at it', async () => {
  assert.equal(await install('/moved'), { version: '2.0.0', slot: 'a' });
  assert.is(await readCurrent(releases), 'a');
  assert.equal(await readUpdateTrial(releases), { next: 'a', version: '2.0.0', fromVersion: '1.0.0', healthyWithinS: 30, starts: 0, previous: installed });
  assert.match(await readFile(join(releases, 'a/bin/nutgiao.js'), 'utf8'), /hello/);
  await rejects(install('/good.ngr'), /release 2\.0\.0 is still on trial/);
});

test('a bad signature, a truncated bundle, a failed download leave the running release untouched', async () => {
  assert.match(await refused('/impostor.ngr'), /^bad signature/);
  assert.match(await refused('/truncated.ngr'), /^not a complete release bundle/);
  assert.match(await refused('/missing.ngr'), /\/missing\.ngr: HTTP 404$/);
  assert.match(await refused('/cut'), /the connection closed after \d+ bytes|socket hang up|aborted/);
});

test('a node not running through current refuses before downloading', async () => {
  const message = await installRelease({ fetchBundle: fetchFromUrl(server.url('/good.ngr')), settings, releasesDir: releases, packageRoot: root, version: '1.0.0' }).then(
    () => 'installed',
    (error: Error) => error.message,
  );
  assert.match(message, /not through .*releases\/current: updates need the layout scripts\/install\.sh makes/);
});

test('download limits: size announced or streamed, total time, scheme', async () => {
  const limits = { maxBytes: 1024 * 1024, timeoutMs: 500 };
  await rejects(downloadBundle(server.url('/huge-announced'), limits), /2097152 bytes is more than update\.maxBundleMiB allows \(1048576 bytes\)/);
  await rejects(downloadBundle(server.url('/huge-streamed'), limits), /more than 1048576 bytes \(update\.maxBundleMiB\): download stopped/);
  const started = Date.now();
  await rejects(downloadBundle(server.url('/slow'), limits), /did not finish within 0\.5 s/);
  assert.ok(Date.now() - started < 2000);
  await rejects(downloadBundle('ftp://example.org/x', limits), /ftp: is not supported \(use http: or https:\)/);
});

test.run();
