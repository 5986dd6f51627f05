import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import { BrokerProbe, type BrokerProbeOptions } from '../../edge/selftest/broker-probe.js';
import { row } from '../../edge/selftest/selftest-check.js';
import { runSelftest } from '../../edge/selftest/selftest-runner.js';
import { Collector } from '../support/collector.js';
import { MosquittoBroker } from '../support/mosquitto.js';

/** The broker check against a real Mosquitto: round trip, clock against a retained host state, broker down. */
const test = suite('selftest: broker');
let broker: MosquittoBroker;
const HOST_TOPIC = 'central/host/state';

test.before(async () => {
  broker = await MosquittoBroker.start();
});

test.after(async () => {
  await broker?.stop();
});

function probe(overrides: Partial<BrokerProbeOptions> = {}): BrokerProbe {
  return new BrokerProbe({
    url: broker.url,
    prefix: 'nutgiao/v1',
    site: 'demo',
    node: 'st-1',
    boot: 7,
    protocol: 'auto',
    connectOptions: { connectTimeout: 2000 },
    ...overrides,
  });
}

async function retainHostState(payload: string | null): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { clientId: `central-${Date.now()}` });
  await client.publishAsync(HOST_TOPIC, payload ?? '', { qos: 1, retain: true });
  await client.endAsync();
}

test('connect, publish and round trip pass; without a host state the clock is an honest warning', async () => {
  const subject = probe();
  try {
    const { rows, passed } = await runSelftest([subject.check()]);
    assert.is(passed, true);
    assert.equal(rows.map((entry) => [entry.check, entry.status]), [
      ['broker connect', 'pass'],
      ['broker round trip', 'pass'],
      ['broker clock', 'warn'],
    ]);
    assert.is(rows[0]!.measured.protocol, '5');
    assert.ok((rows[1]!.measured.roundTripMs as number) >= 0);
    assert.match(rows[2]!.detail, /^no reference clock/);
  } finally {
    await subject.close();
  }
});

test('the result is published as a selftest.result event any protocol decoder accepts', async () => {
  const central = await Collector.connect(broker.url, { filter: 'nutgiao/v1/demo/st-1/event' });
  const subject = probe();
  try {
    const report = await runSelftest([subject.check(), { name: 'lamps', run: async () => [row('lamp G1.red', 'fail', 'dark when driven', { fault: 'dark-when-driven' })] }]);
    assert.is(await subject.publishResult(report), true);
    const event = await central.waitFor((entry) => entry.message.type === 'selftest.result', 'selftest.result');
    assert.equal(central.errors, []);
    assert.is(event.message.severity, 'error');
    assert.is(event.message.message, 'self-test failed: lamp G1.red');
    assert.is(event.message.boot, 7);
    const data = event.message.data as { passed: boolean; rows: { check: string; status: string }[] };
    assert.is(data.passed, false);
    assert.equal(data.rows.map((entry) => entry.check), ['broker connect', 'broker round trip', 'broker clock', 'lamp G1.red']);
    const probeEvent = central.received.find((entry) => entry.message.type === 'selftest.probe');
    assert.ok(probeEvent, 'the round trip went through the node event topic');
    assert.ok((event.message.seq as number) > (probeEvent!.message.seq as number), 'one sequence per self-test session');
  } finally {
    await subject.close();
    await central.close();
  }
});

test("clock: a host state stamped in our future fails (our clock is behind); one from the past passes, bounded from one side", async () => {
  const subject = probe({ hostStateTopic: HOST_TOPIC, skewToleranceMs: 2000 });
  try {
    await retainHostState(JSON.stringify({ online: true, timestamp: Date.now() + 60_000 }));
    const behind = (await runSelftest([subject.check()])).rows.find((entry) => entry.check === 'broker clock')!;
    assert.is(behind.status, 'fail');
    assert.match(behind.detail, /local clock is at least (59|60)\.\d s behind the central host/);
    await subject.close();
    await retainHostState(JSON.stringify({ status: 'online', ts: Date.now() - 30_000 }));
    const fine = (await runSelftest([subject.check()])).rows.find((entry) => entry.check === 'broker clock')!;
    assert.is(fine.status, 'pass');
    assert.match(fine.detail, /stamped 3\d\.\d s ago .*one side only/);
  } finally {
    await subject.close();
    await retainHostState(null);
  }
});

test('broker down: the connect row fails with the URL and the hint; nothing to publish on', async () => {
  await broker.kill();
  const subject = probe();
  try {
    const report = await runSelftest([subject.check()]);
    assert.equal(report.rows.map((entry) => [entry.check, entry.status]), [['broker', 'fail']]);
    assert.match(report.rows[0]!.detail, new RegExp(`^cannot connect to ${broker.url.replace(/\./g, '\\.')}: .*check mqtt\\.broker`));
    assert.is(await subject.publishResult(report), false);
  } finally {
    await subject.close();
    await broker.restart();
  }
});

test.run();
