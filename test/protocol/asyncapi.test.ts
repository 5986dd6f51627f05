import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { asyncApiText, buildAsyncApi } from '../../protocol/asyncapi.js';
import { COMMAND_NAMES, COMMANDS } from '../../protocol/commands.js';
import { TELEMETRY_KINDS } from '../../protocol/index.js';

/** The committed AsyncAPI document is what the schemas generate, and it covers every topic and command. */
const test = suite('AsyncAPI document');

test('protocol/asyncapi.json is up to date (run npm run asyncapi and commit it)', async () => {
  const committed = await readFile(new URL('../../protocol/asyncapi.json', import.meta.url), 'utf8');
  assert.ok(committed === asyncApiText(), 'protocol/asyncapi.json differs from the schemas: run `npm run asyncapi` and commit the result');
});

test('every telemetry kind and every command request and response has a channel, a message and an operation', () => {
  const document = buildAsyncApi() as any;
  for (const kind of TELEMETRY_KINDS) {
    assert.is(document.channels[kind].address, `nutgiao/v1/{site}/{node}/${kind}`);
    assert.ok(document.operations[`send-${kind}`]);
  }
  for (const name of COMMAND_NAMES) {
    assert.is(document.channels[`request-${name}`].address, `nutgiao/v1/{site}/{node}/request/${name}`);
    assert.is(document.channels[`response-${name}`].address, `nutgiao/v1/{site}/{node}/response/${name}`);
    assert.is(document.operations[`receive-${name}`].reply.channel.$ref, `#/channels/response-${name}`);
    const required = document.components.messages[`${name}-request`].payload.allOf[1].required as string[];
    assert.is(required.includes('auth'), COMMANDS[name].changesSignal, `${name}: auth required exactly when it changes a signal`);
  }
  assert.equal(document['x-nutgiao-command-signature'].requiredFor, ['set-config', 'set-mode', 'manual-step', 'monitor-reset', 'restart', 'update']);
});

test('every $ref resolves inside the document', () => {
  const document = buildAsyncApi();
  const refs: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) key === '$ref' ? refs.push(inner as string) : walk(inner);
    }
  };
  walk(document);
  assert.ok(refs.length > 50);
  for (const pointer of refs) {
    const target = pointer.slice(2).split('/').reduce<any>((node, part) => node?.[part], document);
    assert.ok(target !== undefined, `${pointer} does not resolve`);
  }
});

test.run();
