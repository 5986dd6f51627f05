import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pack } from 'msgpackr';
import { decodeMessage } from '../../protocol/index.js';
import { manualStepHandler } from '../../edge/commands/handlers/manual-step.js';
import { monitorResetHandler } from '../../edge/commands/handlers/monitor-reset.js';
import { replayHandler } from '../../edge/commands/handlers/replay.js';
import { restartHandler, RESTART_EXIT_CODE } from '../../edge/commands/handlers/restart.js';
import { selftestHandler } from '../../edge/commands/handlers/selftest.js';
import { setModeHandler } from '../../edge/commands/handlers/set-mode.js';
import type { StepResult } from '../../edge/signal/controller/index.js';
import type { ResetResult } from '../../edge/signal/monitor/conflict-monitor.js';
import { PREFIX, recordingModeControl, routerFixture } from './command-fixture.js';

/** Routing, validation and each handler's answers; signatures are in command-auth.test.ts. */
const test = suite('command router and handlers');

test('garbage bytes without a recoverable id are audited and get no answer', async () => {
  const { router, audit } = await routerFixture([]);
  const routed = await router.handle(`${PREFIX}/demo/n1/request/set-mode`, Buffer.from([0xc1, 0xff, 0x00]));
  assert.is(routed, null);
  assert.equal(audit.map((event) => event.type), ['command.malformed']);
  assert.match(audit[0]!.message, /malformed set-mode request/);
});

test('a malformed request with an id gets an error naming the field', async () => {
  const { router, audit } = await routerFixture([]);
  const routed = await router.handle(`${PREFIX}/demo/n1/request/set-mode`, Buffer.from(pack({ v: 1, id: 'abc', cmd: 'set-mode' })));
  assert.ok(routed);
  assert.is(routed.topic, `${PREFIX}/demo/n1/response/set-mode`);
  assert.is(routed.message.status, 'error');
  assert.is(routed.message.id, 'abc');
  assert.match(routed.message.error ?? '', /malformed request: request: .*ts/);
  assert.is(audit[0]!.type, 'command.malformed');
});

test('garbage with MQTT 5 correlation data is still answered on the response topic', async () => {
  const { router } = await routerFixture([]);
  const correlationData = Buffer.from('corr-1');
  const routed = await router.handle(`${PREFIX}/demo/n1/request/selftest`, Buffer.from('not msgpack at all'), { responseTopic: 'central/replies/7', correlationData });
  assert.ok(routed);
  assert.is(routed.topic, 'central/replies/7');
  assert.equal(routed.properties.correlationData, correlationData);
  assert.is(routed.message.status, 'error');
});

test('requests for other nodes, sites or kinds are ignored', async () => {
  const { router, signed } = await routerFixture([]);
  const payload = Buffer.from(pack(signed('selftest')));
  assert.is(await router.handle(`${PREFIX}/demo/n2/request/selftest`, payload), null);
  assert.is(await router.handle(`${PREFIX}/other/n1/request/selftest`, payload), null);
  assert.is(await router.handle(`${PREFIX}/demo/n1/response/selftest`, payload), null);
  assert.is(await router.handle('elsewhere/demo/n1/request/selftest', payload), null);
});

test('cmd that disagrees with the topic, and unknown commands, get errors that say what to do', async () => {
  const { router, send, request } = await routerFixture([selftestHandler(() => [])]);
  const mismatched = await router.handle(`${PREFIX}/demo/n1/request/selftest`, Buffer.from(pack(request('restart'))));
  assert.is(mismatched?.message.status, 'error');
  assert.match(mismatched?.message.error ?? '', /^cmd: "restart" does not match the topic.s command "selftest" \(publish to \.\.\.\/request\/restart\)/);
  const unknown = await send(request('frobnicate'));
  assert.is(unknown.response.status, 'error');
  assert.is(unknown.response.error, 'cmd: unknown command "frobnicate" (this node knows selftest)');
});

test('invalid args are an error naming the field; valid ones reach the handler', async () => {
  const signal = recordingModeControl();
  const { send, signed } = await routerFixture([setModeHandler(() => signal.control)]);
  const bad = await send(signed('set-mode', { mode: 'disco' }));
  assert.is(bad.response.status, 'error');
  assert.match(bad.response.error ?? '', /^args\.mode: expected/);
  const missing = await send(signed('set-mode', {}));
  assert.match(missing.response.error ?? '', /^args\.mode/);
  assert.equal(signal.calls, []);
});

test('MQTT 5: the response goes to the response topic with the correlation data; 3.1.1: response/<cmd> with the id', async () => {
  const { send, request } = await routerFixture([selftestHandler(() => [])]);
  const correlationData = Buffer.from([1, 2, 3]);
  const v5 = await send(request('selftest'), { responseTopic: 'central/inbox/abc', correlationData });
  assert.is(v5.topic, 'central/inbox/abc');
  assert.equal(v5.properties.correlationData, correlationData);
  const v311Request = request('selftest');
  const v311 = await send(v311Request);
  assert.is(v311.topic, `${PREFIX}/demo/n1/response/selftest`);
  assert.equal(v311.properties, {});
  assert.is(v311.response.id, v311Request.id);
  assert.is(v311.response.node, 'n1');
  assert.is(v311.response.boot, 3);
});

test('manual-step: accepted and queued pass through, not-manual is an error', async () => {
  const results: StepResult[] = ['accepted', 'queued', 'not-manual'];
  const { send, signed } = await routerFixture([manualStepHandler(() => ({ step: () => results.shift()! }))]);
  assert.equal((await send(signed('manual-step'))).response.result, { step: 'accepted' });
  assert.equal((await send(signed('manual-step'))).response.result, { step: 'queued' });
  const refused = await send(signed('manual-step'));
  assert.is(refused.response.status, 'error');
  assert.match(refused.response.error ?? '', /not in manual mode: send set-mode \{ mode: manual \} first/);
});

test('monitor-reset: the monitor decides; its reason comes back as the error', async () => {
  const outcomes: ResetResult[] = [{ ok: false, reason: 'fault still present: G1 green and G3 green' }, { ok: true, cleared: null }];
  const by: string[] = [];
  const monitor = { reset: async (who: string) => (by.push(who), outcomes.shift()!) };
  const { send, signed, audit } = await routerFixture([monitorResetHandler(() => monitor)]);
  const present = await send(signed('monitor-reset', { by: 'ops-desk' }));
  assert.is(present.response.status, 'error');
  assert.is(present.response.error, 'monitor not reset: fault still present: G1 green and G3 green');
  assert.equal((await send(signed('monitor-reset', { by: 'ops-desk' }))).response.result, { cleared: null });
  assert.equal(by, ['remote:ops-desk', 'remote:ops-desk']);
  assert.equal(audit.map((event) => event.type), ['command.failed', 'command.executed']);
});

test('restart answers first, then stops and exits with the restart code', async () => {
  const stops: Array<[string, number]> = [];
  const { send, signed } = await routerFixture([restartHandler((reason, code) => stops.push([reason, code]))]);
  const outcome = await send(signed('restart', { reason: 'new firmware' }));
  assert.equal(outcome.response.result, { restarting: true, exitCode: RESTART_EXIT_CODE });
  assert.equal(stops, [], 'nothing stops before the answer is out');
  outcome.afterResponse?.();
  assert.equal(stops, [['restart requested: new firmware', 75]]);
});

test('selftest reports every check; a failing, throwing or hanging probe fails only its check', async () => {
  const { send, request } = await routerFixture([
    selftestHandler(
      () => [
        { name: 'good', run: async () => ({ ok: true, detail: 'fine' }) },
        { name: 'bad', run: async () => ({ ok: false, detail: 'latched' }) },
        { name: 'throws', run: async () => Promise.reject(new Error('sensor unreadable')) },
        { name: 'hangs', run: () => new Promise(() => undefined) },
      ],
      50,
    ),
  ]);
  const { response } = await send(request('selftest'));
  assert.is(response.status, 'ok');
  assert.equal(response.result, {
    passed: false,
    checks: [
      { name: 'good', ok: true, detail: 'fine' },
      { name: 'bad', ok: false, detail: 'latched' },
      { name: 'throws', ok: false, detail: 'sensor unreadable' },
      { name: 'hangs', ok: false, detail: 'no answer within 50 ms' },
    ],
  });
});

test('replay: without a durable log an error says so; with one the range is sent and counted', async () => {
  const asked: number[][] = [];
  let source: { replayRange: (boot: number, from: number, to: number) => Promise<number> } | null = null;
  const { send, request } = await routerFixture([replayHandler(() => source)]);
  const none = await send(request('replay', { boot: 2, fromSeq: 5, toSeq: 9 }));
  assert.is(none.response.error, 'replay not available: this node runs without the durable outbox');
  source = { replayRange: async (boot, from, to) => (asked.push([boot, from, to]), 3) };
  assert.equal((await send(request('replay', { boot: 2, fromSeq: 5, toSeq: 9 }))).response.result, { requested: 5, found: 3 });
  assert.equal(asked, [[2, 5, 9]]);
  const backwards = await send(request('replay', { boot: 2, fromSeq: 9, toSeq: 5 }));
  assert.match(backwards.response.error ?? '', /^args\.toSeq: 5 is below fromSeq 9/);
});

test('a handler that throws unexpectedly is answered as an internal error, never thrown', async () => {
  const { send, request } = await routerFixture([{ name: 'selftest', run: async () => Promise.reject(new TypeError('boom')) }]);
  const outcome = await send(request('selftest'));
  assert.is(outcome.response.status, 'error');
  assert.is(outcome.response.error, 'internal error: boom');
  assert.ok(decodeMessage('response', outcome.payload).ok);
});

test.run();
