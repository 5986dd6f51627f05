import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateCommandKeyPair, signRequest } from '../../protocol/sign.js';
import { setModeHandler } from '../../edge/commands/handlers/set-mode.js';
import { getConfigHandler } from '../../edge/commands/handlers/get-config.js';
import { parseConfigText, validateConfig, type Config } from '../../edge/config/index.js';
import { readFileSync } from 'node:fs';
import { EXAMPLE_CONFIG_PATH } from '../../edge/config/index.js';
import { CENTRAL, recordingModeControl, routerFixture, TARGET } from './command-fixture.js';

/** Signal-changing commands: each way a request can fail authentication is refused with its reason and audited. */
const test = suite('command authentication');

const exampleResult = validateConfig(parseConfigText(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'), 'example.yaml'));
if (!exampleResult.ok) throw new Error(exampleResult.errors.join('\n'));
const exampleConfig: Config = exampleResult.config;

async function setup(options: { signReadOnly?: boolean; stateDir?: string } = {}) {
  const signal = recordingModeControl();
  const fixture = await routerFixture([setModeHandler(() => signal.control), getConfigHandler(exampleConfig, 'abc123')], options);
  return { ...fixture, signal };
}

function assertRefused(outcome: { response: { status: string; error?: string } }, audit: Array<{ type: string; data: Record<string, unknown> }>, reason: RegExp): void {
  assert.is(outcome.response.status, 'refused');
  assert.match(outcome.response.error ?? '', reason);
  const refused = audit.filter((event) => event.type === 'command.refused');
  assert.is(refused.length, 1, 'one command.refused event');
  assert.match(String(refused[0]!.data.reason), reason);
}

test('a signed set-mode runs and is audited as executed', async () => {
  const { send, signed, signal, audit } = await setup();
  const { response } = await send(signed('set-mode', { mode: 'flash' }));
  assert.is(response.status, 'ok', response.error);
  assert.equal(response.result, { mode: 'flash', previous: 'normal' });
  assert.equal(signal.calls, ['flash']);
  assert.equal(audit.map((event) => event.type), ['command.executed']);
});

test('unsigned set-mode is refused and the mode is not touched', async () => {
  const { send, request, signal, audit } = await setup();
  const outcome = await send(request('set-mode', { mode: 'flash' }));
  assertRefused(outcome, audit, /^unsigned/);
  assert.equal(signal.calls, []);
});

test('a bad signature (args changed after signing) is refused', async () => {
  const { send, signed, signal, audit } = await setup();
  const message = signed('set-mode', { mode: 'normal' });
  message.args = { mode: 'flash' };
  assertRefused(await send(message), audit, /^auth\.sig: bad signature/);
  assert.equal(signal.calls, []);
});

test('a request signed for another node is refused', async () => {
  const { send, request, signal, audit } = await setup();
  const message = signRequest(request('set-mode', { mode: 'flash' }), { keyId: 'central', privateKey: CENTRAL.privateKeyPem }, { ...TARGET, node: 'n2' });
  assertRefused(await send(message), audit, /^auth\.sig: bad signature/);
  assert.equal(signal.calls, []);
});

test('a key not in commands.keys is refused', async () => {
  const { send, request, signal, audit } = await setup();
  const stranger = generateCommandKeyPair();
  const message = signRequest(request('set-mode', { mode: 'flash' }), { keyId: 'stranger', privateKey: stranger.privateKeyPem }, TARGET);
  assertRefused(await send(message), audit, /^auth\.key: unknown key "stranger"/);
  // The right key id with the wrong private key is a bad signature, not an unknown key.
  const impostor = signRequest(request('set-mode', { mode: 'flash' }), { keyId: 'central', privateKey: stranger.privateKeyPem }, TARGET);
  const outcome = await send(impostor);
  assert.is(outcome.response.status, 'refused');
  assert.match(outcome.response.error ?? '', /^auth\.sig/);
  assert.equal(signal.calls, []);
});

test('a timestamp outside the ±60 s window is refused, either way', async () => {
  const { send, signed, signal, audit, clock } = await setup();
  assertRefused(await send(signed('set-mode', { mode: 'flash' }, clock.now() - 61_000)), audit, /^ts: -61 s from the node's clock, outside the ±60 s window/);
  const future = await send(signed('set-mode', { mode: 'flash' }, clock.now() + 61_000));
  assert.is(future.response.status, 'refused');
  assert.match(future.response.error ?? '', /^ts: 61 s/);
  const inside = await send(signed('set-mode', { mode: 'flash' }, clock.now() - 59_000));
  assert.is(inside.response.status, 'ok');
  assert.equal(signal.calls, ['flash']);
});

test('a replayed nonce is refused, also after a restart (the nonce set is persisted)', async () => {
  const first = await setup();
  const message = first.signed('set-mode', { mode: 'flash' });
  assert.is((await first.send(message)).response.status, 'ok');
  assertRefused(await first.send(message), first.audit, /^auth\.nonce: ".+" was already used/);
  const restarted = await setup({ stateDir: first.stateDir });
  assertRefused(await restarted.send(message), restarted.audit, /was already used/);
  assert.equal(restarted.signal.calls, []);
});

test('a refused request does not burn its nonce', async () => {
  const { send, signed, signal } = await setup();
  const message = signed('set-mode', { mode: 'flash' });
  const tampered = { ...message, args: { mode: 'all-red' } };
  assert.is((await send(tampered)).response.status, 'refused');
  assert.is((await send(message)).response.status, 'ok');
  assert.equal(signal.calls, ['flash']);
});

test('malformed auth fields are refused naming the field', async () => {
  const { send, request, audit } = await setup();
  const message = { ...request('set-mode', { mode: 'flash' }), auth: { key: 'central', nonce: 'abcdefgh', sig: 'not bytes' } };
  assertRefused(await send(message), audit, /^auth\.sig: expected 64 bytes/);
});

test('read-only commands run unsigned unless commands.signReadOnly is set', async () => {
  const open = await setup();
  const outcome = await open.send(open.request('get-config'));
  assert.is(outcome.response.status, 'ok');
  assert.is(outcome.response.result.hash, 'abc123');
  assert.is(outcome.response.result.config.node.id, exampleConfig.node.id);
  const strict = await setup({ signReadOnly: true });
  assertRefused(await strict.send(strict.request('get-config')), strict.audit, /^unsigned/);
  assert.is((await strict.send(strict.signed('get-config'))).response.status, 'ok');
});

test('the signature covers args regardless of key order', async () => {
  const { send, signed } = await setup();
  const message = signed('get-config', { b: 1, a: { d: 2, c: 3 } });
  const reordered = { ...message, args: { a: { c: 3, d: 2 }, b: 1 } };
  // get-config takes no arguments, so extra keys pass the args schema (objects are open) and the signature decides.
  const outcome = await send(reordered);
  assert.is(outcome.response.status, 'ok', outcome.response.error);
});

test.run();
