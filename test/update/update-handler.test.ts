import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { updateHandler } from '../../edge/commands/handlers/update.js';
import { pointCurrent } from '../../edge/update/slots.js';
import { routerFixture } from '../commands/command-fixture.js';
import { serve, smallBundle, TRUSTED } from './bundle-fixture.js';

/** The update command through the real router: signature rules, answer, refusal event, restart after the answer. */
const test = suite('update command handler');
let root: string;
let releases: string;
let installed: string;
let server: Awaited<ReturnType<typeof serve>>;

test.before(async () => {
  const good = await smallBundle({ version: '2.0.0' });
  server = await serve({ '/good.ngr': (response) => response.end(good.bundle), '/cut.ngr': (response) => response.end(good.bundle.subarray(0, 2000)) });
});

test.after(async () => {
  await server?.close();
});

test.before.each(async () => {
  root = await mkdtemp(join(tmpdir(), 'nutgiao-update-handler-'));
  releases = join(root, 'releases');
  installed = join(root, 'installed');
  await mkdir(installed);
  await pointCurrent(releases, installed);
});

test.after.each(async () => {
  await rm(root, { recursive: true, force: true });
});

function handler() {
  const exits: Array<[string, number]> = [];
  const refusals: string[] = [];
  const update = updateHandler({
    settings: { keys: TRUSTED, healthyWithinS: 30, maxBundleMiB: 10, downloadTimeoutS: 5 },
    releasesDir: releases,
    packageRoot: installed,
    version: '1.0.0',
    stopAndExit: (reason, code) => exits.push([reason, code]),
    refused: (reason) => refusals.push(reason),
  });
  return { update, exits, refusals };
}

test('unsigned: refused by the router before anything is fetched', async () => {
  const { update, exits } = handler();
  const { send, request } = await routerFixture([update]);
  const { response } = await send(request('update', { url: server.url('/good.ngr') }));
  assert.is(response.status, 'refused');
  assert.match(response.error ?? '', /sign/i, response.error);
  assert.is(await readlink(join(releases, 'current')), installed);
  assert.equal(exits, []);
});

test('signed, good bundle: answered, then the node exits 75 into slot a', async () => {
  const { update, exits } = handler();
  const { send, signed } = await routerFixture([update]);
  const routed = await send(signed('update', { url: server.url('/good.ngr') }));
  assert.is(routed.response.status, 'ok', routed.response.error);
  assert.equal(routed.response.result, { restarting: true, exitCode: 75, version: '2.0.0', fromVersion: '1.0.0', slot: 'a', healthyWithinS: 30 });
  assert.equal(exits, [], 'not before the answer is out');
  routed.afterResponse?.();
  assert.equal(exits, [['updating to release 2.0.0', 75]]);
  assert.is(await readlink(join(releases, 'current')), 'a');
});

test('signed, truncated bundle: an error naming why, published, the old release kept, no exit', async () => {
  const { update, exits, refusals } = handler();
  const { send, signed } = await routerFixture([update]);
  const routed = await send(signed('update', { url: server.url('/cut.ngr') }));
  assert.is(routed.response.status, 'error');
  assert.match(routed.response.error ?? '', /^update refused, 1\.0\.0 keeps running: not a complete release bundle/);
  assert.is(refusals.length, 1);
  routed.afterResponse?.();
  assert.equal(exits, []);
  assert.is(await readlink(join(releases, 'current')), installed);
});

test('args.url must be http(s)', async () => {
  const { update } = handler();
  const { send, signed } = await routerFixture([update]);
  const { response } = await send(signed('update', { url: 'file:///etc/passwd' }));
  assert.is(response.status, 'error');
  assert.match(response.error ?? '', /args\.url/);
});

test.run();
