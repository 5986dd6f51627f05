import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { subCommand } from '../../edge/cli/sub-command.js';
import { encodeMessage } from '../../protocol/codec.js';
import type { WireStructures } from '../../protocol/messages.js';
import { openDurableRig } from '../support/durable-rig.js';
import { MosquittoBroker } from '../support/mosquitto.js';

/** `nutgiao sub` against a real mosquitto and the node's real telemetry side: historical messages and explained loss. */
const test = suite('nutgiao sub: historical messages and reported loss');
let broker: MosquittoBroker;

test.before(async () => {
  broker = await MosquittoBroker.start();
});

test.after(async () => {
  await broker.stop();
});

async function publishRetained(topic: string, payload: string): Promise<void> {
  const client = await mqtt.connectAsync(broker.url, { clientId: `central-${Math.random().toString(16).slice(2)}` });
  await client.publishAsync(topic, payload, { qos: 1, retain: true });
  await client.endAsync();
}

async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** `nutgiao sub` in-process, its JSON lines collected; stop() interrupts it as Ctrl-C would and returns the exit code. */
function startSub(filter: string, extra: string[] = []): { lines: Array<Record<string, any>>; stop: () => Promise<number> } {
  const lines: Array<Record<string, any>> = [];
  let interrupt: () => void = () => undefined;
  const exited = subCommand(['--broker', broker.url, '--topic', filter, ...extra], {
    out: (line) => lines.push(JSON.parse(line)),
    err: () => undefined,
    cwd: process.cwd(),
    env: {},
    onInterrupt: (handler) => (interrupt = handler),
  });
  return {
    lines,
    stop: () => {
      interrupt();
      return exited;
    },
  };
}

const expand = (ranges: Array<{ from: number; to: number }>): number[] => ranges.flatMap(({ from, to }) => Array.from({ length: to - from + 1 }, (_, i) => from + i)).sort((a, b) => a - b);

test('a backlog after an outage is marked historical, and the gap the outbox bound caused is reported as explained loss', async () => {
  const hostTopic = 'central/sub-test/state';
  await publishRetained(hostTopic, 'online');
  const sub = startSub('nutgiao/v1/test/subbed/#');
  const { lines } = sub;
  const probe = async (name: string) => {
    const client = await mqtt.connectAsync(broker.url, { clientId: name, reconnectPeriod: 0 });
    await client.publishAsync(`nutgiao/v1/test/subbed/${name}`, 'x', { qos: 1 });
    await client.endAsync();
  };
  /** Probes until sub prints one: then it is subscribed. */
  const listening = async (what: string) => {
    const deadline = Date.now() + 15_000;
    for (let n = 0; ; n++) {
      const topic = `probe-${what}-${n}`;
      await probe(topic).catch(() => undefined); // the broker may still be starting
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (lines.some((line) => line.topic?.endsWith(topic))) return;
      if (Date.now() > deadline) throw new Error(`sub is not listening ${what}`);
    }
  };
  await listening('at start');

  const node = await openDurableRig({ url: broker.url, node: 'subbed', outbox: { segmentBytes: 4096, maxBytes: 8192 }, waitForHost: { topic: hostTopic, timeoutS: 60 } });
  try {
    const ready = new Promise<void>((resolve) => node.session.onReady(() => resolve()));
    node.session.start();
    await ready;
    for (let n = 0; n < 3; n++) assert.ok(await node.publisher.event('test.live', 'info', `live ${n}`));
    await waitFor(() => lines.find((line) => line.message?.seq === 2), 'the live messages');

    // The host goes away, then the broker: the backlog must wait for the host after the restart.
    await publishRetained(hostTopic, 'offline');
    await broker.saved();
    await broker.kill();
    for (let n = 0; n < 40; n++) await node.publisher.event('test.outage', 'info', `outage ${n}`, { padding: 'x'.repeat(600) });
    assert.ok(node.durable.outbox.stats().dropped > 0, 'the bound was hit');
    await broker.restart();
    // sub reconnects on its own schedule (a clean session); the host releases the backlog once it listens again.
    await listening('after the restart');
    await publishRetained(hostTopic, 'online');
    const lastSeq = node.publisher.stats().lastSeq!;
    await waitFor(() => lines.find((line) => line.message?.seq === lastSeq), `seq ${lastSeq}`);
  } finally {
    await node.close();
    assert.is(await sub.stop(), 0);
  }

  const sequenced = lines.filter((line) => typeof line.message?.seq === 'number');
  assert.equal(sequenced.slice(0, 3).map((line) => [line.message.seq, line.sequence, line.historical]), [[0, 'first', undefined], [1, 'next', undefined], [2, 'next', undefined]]);
  const backlog = sequenced.slice(3);
  assert.ok(backlog.length > 0 && backlog.every((line) => line.historical === true), 'the backlog is marked historical');
  assert.ok(backlog.every((line) => line.sequence !== 'restart'), 'a backlog is not a restart');
  const gaps = expand(sequenced.filter((line) => line.missing).map((line) => line.missing));
  assert.ok(gaps.length > 0, 'the dropped records show as a gap');
  const explained = expand([
    ...lines.filter((line) => line.explained?.from !== undefined).map((line) => line.explained),
    ...sequenced.filter((line) => line.missing && line.explained).map((line) => line.missing),
  ]);
  assert.equal(explained, gaps, 'every missing number is explained by a telemetry.dropped event');
});

test("an earlier boot's backlog is tracked apart (no false restart or gap); a new live boot is a restart", async () => {
  const sub = startSub('nutgiao/v1/test/reboot/#');
  const { lines } = sub;
  const ready = (rig: Awaited<ReturnType<typeof openDurableRig>>) => new Promise<void>((resolve) => rig.session.onReady(() => resolve()));
  // Boot 0 stores three messages and never reaches the broker (its session is never started).
  const dir = await mkdtemp(join(tmpdir(), 'nutgiao-reboot-'));
  const first = await openDurableRig({ url: broker.url, node: 'reboot', boot: 0, dir });
  for (let n = 0; n < 3; n++) await first.publisher.event('test.stored', 'info', `stored ${n}`);
  await first.close();
  try {
    await new Promise((resolve) => setTimeout(resolve, 300)); // sub subscribed
    const second = await openDurableRig({ url: broker.url, node: 'reboot', boot: 1, dir });
    const up = ready(second);
    second.session.start();
    await up;
    await second.publisher.event('test.live', 'info', 'boot 1');
    await waitFor(() => (lines.filter((line) => line.message?.seq !== undefined).length >= 4 ? true : undefined), 'boot 1 live and boot 0 backlog');
    await second.close();
    const third = await openDurableRig({ url: broker.url, node: 'reboot', boot: 2, dir });
    const upAgain = ready(third);
    third.session.start();
    await upAgain;
    await third.publisher.event('test.live', 'info', 'boot 2');
    await waitFor(() => lines.find((line) => line.message?.boot === 2), 'boot 2');
    await third.close();
  } finally {
    assert.is(await sub.stop(), 0);
    await rm(dir, { recursive: true, force: true });
  }
  const sequenced = lines.filter((line) => line.message?.seq !== undefined).map((line) => [line.message.boot, line.message.seq, line.historical ?? false, line.sequence, line.previousBoot]);
  const boot0 = sequenced.filter(([boot]) => boot === 0);
  assert.equal(boot0, [[0, 0, true, 'first', undefined], [0, 1, true, 'next', undefined], [0, 2, true, 'next', undefined]], 'the old backlog in order, not a restart');
  assert.equal(sequenced.filter(([boot]) => boot === 2), [[2, 0, false, 'restart', 1]], 'a new live boot is a restart from the last live one');
});

test('v2 messages wait for their birth (taken from the state topic even when the filter names only counts); without one they are refused', async () => {
  const structures: WireStructures = { revision: 77, counts: { cam1: { lines: ['L1'], zones: [] } }, signal: { groups: [], phases: [] } };
  const sub = startSub('nutgiao/v1/+/+/counts', ['--birth-wait', '1']);
  const { lines } = sub;
  const client = await mqtt.connectAsync(broker.url, { clientId: `v2-node-${Math.random().toString(16).slice(2)}` });
  const counts = (node: string) =>
    encodeMessage('counts', { v: 1, node, boot: 5, ts: 1_764_201_660_000, seq: 0, camera: 'cam1', periodStart: 1_764_201_600_000, periodS: 60, lines: { L1: { lr: 4, rl: 1 } } }, structures);
  const birth = encodeMessage('state', { v: 1, node: 'late-birth', boot: 5, ts: 1_764_201_600_000, status: 'online', site: 'test', version: '0.1.0', configHash: '4d', capabilities: [], startedAt: 1_764_201_600_000, mqttProtocol: '5', healthIntervalS: 60, structures });
  try {
    for (let n = 0; !lines.some((line) => line.topic === 'nutgiao/v1/test/probe/counts'); n++) {
      if (n > 75) throw new Error('sub is not listening');
      await client.publishAsync('nutgiao/v1/test/probe/counts', 'x', { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await client.publishAsync('nutgiao/v1/test/late-birth/counts', counts('late-birth'), { qos: 1 });
    await client.publishAsync('nutgiao/v1/test/no-birth/counts', counts('no-birth'), { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.not.ok(lines.some((line) => line.topic === 'nutgiao/v1/test/late-birth/counts'), 'held until its birth');
    await client.publishAsync('nutgiao/v1/test/late-birth/state', birth, { qos: 1, retain: true });
    const read = await waitFor(() => lines.find((line) => line.topic === 'nutgiao/v1/test/late-birth/counts'), 'the held counts');
    assert.equal(read.message.lines, { L1: { lr: 4, rl: 1 } });
    assert.is(read.sequence, 'first');
    const refused = await waitFor(() => lines.find((line) => line.topic === 'nutgiao/v1/test/no-birth/counts'), 'the refusal');
    assert.is(refused.refused, 'its birth did not arrive within 1 s');
    assert.match(refused.error, /needs the structures \(revision 77\) of that node's birth/);
    assert.not.ok(lines.some((line) => line.topic?.endsWith('/state')), 'the birth is learnt, not printed: the filter names counts only');
  } finally {
    await client.publishAsync('nutgiao/v1/test/late-birth/state', '', { qos: 1, retain: true });
    await client.endAsync();
    assert.is(await sub.stop(), 0);
  }
});

test.run();
