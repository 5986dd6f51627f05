import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SequenceTracker } from '../../protocol/index.js';
import { Collector } from '../support/collector.js';
import { MosquittoBroker } from '../support/mosquitto.js';
import { join } from 'node:path';
import { NodeProcess, PROJECT_ROOT, writeTestConfig } from '../support/node-process.js';

/**
 * The real node process against a real Mosquitto: birth, health, events, the last will after SIGKILL,
 * a restart with a new boot id, and a broker restart with no sequenced message lost.
 */
const test = suite('node process with a real mosquitto');
let broker: MosquittoBroker;
const running: Array<NodeProcess | Collector> = [];

test.before(async () => {
  broker = await MosquittoBroker.start();
});

test.after.each(async () => {
  for (const thing of running.splice(0)) await (thing instanceof NodeProcess ? thing.stop() : thing.close());
});

test.after(async () => {
  await broker.stop();
});

function start(args: string[]): NodeProcess {
  const node = NodeProcess.spawn(args);
  running.push(node);
  return node;
}

async function collect(options: Parameters<typeof Collector.connect>[1] = {}): Promise<Collector> {
  const collector = await Collector.connect(broker.url, options);
  running.push(collector);
  return collector;
}

/** Sequenced messages of one boot, in arrival order, must number 0, 1, 2, … with no gap. */
function assertNoGaps(collector: Collector, node: string, boot: number): number[] {
  const seqs = collector.received
    .filter((entry) => entry.message.node === node && entry.message.boot === boot && typeof entry.message.seq === 'number')
    .map((entry) => entry.message.seq as number);
  const unique = [...new Set(seqs)].sort((a, b) => a - b);
  assert.ok(unique.length > 0, 'no sequenced messages received');
  assert.equal(unique, unique.map((_, index) => index), `sequence numbers with a gap: ${unique.join(',')}`);
  return unique;
}

test('birth is retained and carries boot, version, config hash and protocol', async () => {
  const { configPath } = await writeTestConfig({ nodeId: 'birth-1', broker: broker.url });
  const node = start(['run', '--config', configPath]);
  await node.waitForLine(/publishing to/);
  // A subscriber that arrives later still gets the birth: it is retained.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const late = await collect({ filter: 'nutgiao/v1/demo/birth-1/state' });
  const birth = await late.waitFor((entry) => entry.kind === 'state' && entry.retained, 'retained birth');
  assert.is(birth.message.status, 'online');
  assert.is(birth.message.node, 'birth-1');
  assert.is(birth.message.mqttProtocol, '5');
  assert.match(String(birth.message.configHash), /^[0-9a-f]{16}$/);
  assert.type(birth.message.version, 'string');
  assert.type(birth.message.boot, 'number');
  assert.ok((birth.message.capabilities as string[]).includes('gpio:sim'));
});

test('health and events decode with the boot id, and sequence numbers have no gaps', async () => {
  const collector = await collect();
  const { configPath } = await writeTestConfig({ nodeId: 'health-1', broker: broker.url, healthIntervalS: 1 });
  const node = start(['run', '--config', configPath]);
  const started = await collector.waitFor((entry) => entry.kind === 'event' && entry.message.node === 'health-1' && entry.message.type === 'node.started', 'node.started event');
  const boot = started.message.boot as number;
  await collector.waitFor((entry) => entry.kind === 'health' && entry.message.node === 'health-1', 'first health');
  await collector.waitFor((entry) => entry.kind === 'health' && entry.message.node === 'health-1' && (entry.message.uptimeS as number) >= 0 && collector.of('health').length >= 2, 'second health');
  for (const health of collector.of('health')) {
    assert.is(health.message.boot, boot);
    assert.is(health.message.seq, undefined, 'health is sampled and takes no sequence number');
    assert.ok((health.message.memRssBytes as number) > 0);
  }
  const signal = await collector.waitFor((entry) => entry.kind === 'signal' && entry.message.node === 'health-1', 'signal state');
  assert.is(signal.message.mode, 'startup');
  assert.is((signal.message.groups as Record<string, string>).G1, 'flashing-amber');
  // After the startup flash (5 s) and all red (3 s) the controller serves the first phase.
  const serving = await collector.waitFor((entry) => entry.kind === 'signal' && entry.message.node === 'health-1' && entry.message.mode === 'normal', 'normal operation', 20_000);
  assert.is(serving.message.phase, 'ns-left');
  assertNoGaps(collector, 'health-1', boot);
  assert.equal(collector.errors, []);
  await node.stop();
});

test('SIGKILL of the node delivers the death (retained, same boot); a restart takes the next boot id', async () => {
  const collector = await collect();
  const { configPath } = await writeTestConfig({ nodeId: 'will-1', broker: broker.url });
  const first = start(['run', '--config', configPath]);
  const birth = await collector.waitFor((entry) => entry.kind === 'state' && entry.message.node === 'will-1' && entry.message.status === 'online', 'birth');
  const boot = birth.message.boot as number;
  await collector.waitFor((entry) => entry.kind === 'event' && entry.message.node === 'will-1' && entry.message.boot === boot, 'an event of the first boot');
  first.kill('SIGKILL');
  const death = await collector.waitFor((entry) => entry.kind === 'state' && entry.message.node === 'will-1' && entry.message.status === 'offline', 'death after SIGKILL');
  assert.is(death.message.boot, boot, 'the will names the boot that died');
  const late = await collect({ filter: 'nutgiao/v1/demo/will-1/state' });
  const retained = await late.waitFor((entry) => entry.retained, 'retained death');
  assert.is(retained.message.status, 'offline');

  const tracker = new SequenceTracker();
  const second = start(['run', '--config', configPath]);
  const rebirth = await collector.waitFor((entry) => entry.kind === 'state' && entry.message.node === 'will-1' && entry.message.status === 'online' && entry.message.boot !== boot, 'birth of the next boot');
  assert.is(rebirth.message.boot, boot + 1);
  await collector.waitFor((entry) => entry.kind === 'event' && entry.message.boot === boot + 1, 'an event of the next boot');
  const firstSeen = collector.received.find((entry) => entry.message.node === 'will-1' && entry.message.boot === boot && typeof entry.message.seq === 'number')!;
  const nextSeen = collector.received.find((entry) => entry.message.node === 'will-1' && entry.message.boot === boot + 1 && typeof entry.message.seq === 'number')!;
  tracker.observe('will-1', boot, firstSeen.message.seq as number);
  assert.is(tracker.observe('will-1', boot + 1, nextSeen.message.seq as number).status, 'restart');
  await second.stop();
});

test('the node reconnects after the broker is killed and restarted, republishes its birth and loses no sequenced message', async () => {
  // A persistent session, as a central collector has, so the broker keeps our subscription across its restart.
  const collector = await collect({ clientId: 'central-test-collector' });
  const { configPath } = await writeTestConfig({ nodeId: 'restart-1', broker: broker.url });
  const node = start(['run', '--config', configPath]);
  const birth = await collector.waitFor((entry) => entry.kind === 'state' && entry.message.node === 'restart-1' && entry.message.status === 'online', 'birth');
  const boot = birth.message.boot as number;
  await collector.waitFor((entry) => entry.kind === 'event' && entry.message.node === 'restart-1', 'first event');
  await broker.saved(); // the subscription is on disk, so it survives the SIGKILL
  const births = () => collector.received.filter((entry) => entry.kind === 'state' && entry.message.node === 'restart-1' && entry.message.status === 'online').length;
  const birthsBefore = births();

  await broker.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await broker.restart();

  await collector.waitFor((entry) => entry.kind === 'event' && entry.message.node === 'restart-1' && entry.message.type === 'mqtt.reconnected', 'mqtt.reconnected event', 15_000);
  assert.ok(births() > birthsBefore, 'birth republished after the reconnect');
  const late = await collect({ filter: 'nutgiao/v1/demo/restart-1/state' });
  const retained = await late.waitFor((entry) => entry.retained, 'retained birth after broker restart');
  assert.is(retained.message.status, 'online');
  assert.is(retained.message.boot, boot);
  assertNoGaps(collector, 'restart-1', boot);
  await node.stop();
});

test('a camera that cannot start is reported and left out; the node keeps its signal and telemetry', async () => {
  const collector = await collect();
  // The simulated GPIO chip has 64 lines: a camera power relay on line 100 cannot be opened.
  const { configPath } = await writeTestConfig({ nodeId: 'badcam-1', broker: broker.url, mutate: (config) => (config.cameras[0].health.powerRelay = { chip: 'gpiochip0', line: 100 }) });
  const node = start(['run', '--config', configPath]);
  const failed = await collector.waitFor((entry) => entry.kind === 'event' && entry.message.node === 'badcam-1' && entry.message.type === 'camera.failed', 'camera.failed event');
  assert.match(String(failed.message.message), /camera cam1 did not start/);
  await collector.waitFor((entry) => entry.kind === 'event' && entry.message.node === 'badcam-1' && entry.message.type === 'node.started', 'node.started');
  await collector.waitFor((entry) => entry.kind === 'health' && entry.message.node === 'badcam-1', 'health');
  const signal = await collector.waitFor((entry) => entry.kind === 'signal' && entry.message.node === 'badcam-1', 'signal state');
  assert.is(signal.message.mode, 'startup');
  assert.is(node.child.exitCode, null, 'still running');
});

test('a camera set to the opencv backend on a node without it: a camera.backend-fallback event, and it counts on auto', async () => {
  const collector = await collect();
  const { configPath } = await writeTestConfig({ nodeId: 'fallback-1', broker: broker.url, mutate: (config) => (config.cameras[0].motionBackend = 'opencv') });
  // As on a node where scripts/install-opencv.sh never ran (or npm ci removed the package).
  const hide = join(PROJECT_ROOT, 'test', 'support', 'hide-opencv.cjs');
  const node = NodeProcess.spawn(['run', '--config', configPath], { env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${hide}`.trim() } });
  running.push(node);
  const event = await collector.waitFor((entry) => entry.kind === 'event' && entry.message.node === 'fallback-1' && entry.message.type === 'camera.backend-fallback', 'camera.backend-fallback event');
  assert.is(event.message.severity, 'warning');
  assert.match(String(event.message.message), /cameras\[0\]\.motionBackend 'opencv' cannot run here \(the OpenCV backend needs @u4\/opencv4nodejs: run scripts\/install-opencv\.sh\); vision runs on '(wasm|ts)'/);
  assert.equal((event.message.data as Record<string, unknown>).requested, 'opencv');
  await node.waitForLine(/cam1 [\d.]+ fps/); // the camera and its vision worker run
  assert.is(node.child.exitCode, null, 'still running');
});

test('SIGINT stops cleanly: lamps released to cabinet flash, death with the reason, exit code 0', async () => {
  const collector = await collect();
  const { configPath } = await writeTestConfig({ nodeId: 'sigint-1', broker: broker.url });
  const node = start(['run', '--config', configPath]);
  const birth = await collector.waitFor((entry) => entry.kind === 'state' && entry.message.node === 'sigint-1' && entry.message.status === 'online', 'birth');
  await node.waitForLine(/cam1 [\d.]+ fps/); // the camera and its vision worker are running
  node.kill('SIGINT');
  const exit = await node.exited;
  assert.equal(exit, { code: 0, signal: null });
  const released = await collector.waitFor((entry) => entry.kind === 'signal' && entry.message.node === 'sigint-1' && String(entry.message.reason).includes('stopping'), 'signal release');
  assert.ok(Object.values(released.message.groups as Record<string, string>).every((aspect) => aspect === 'dark'));
  const death = await collector.waitFor((entry) => entry.kind === 'state' && entry.message.node === 'sigint-1' && entry.message.status === 'offline', 'death');
  assert.is(death.message.boot, birth.message.boot);
  assert.is(death.message.reason, 'stopped by operator');
  // The camera's counting period in progress is sent on stop, before the death.
  const counts = await collector.waitFor((entry) => entry.kind === 'counts' && entry.message.node === 'sigint-1', 'counts of the last period');
  assert.is(counts.message.camera, 'cam1');
  assert.equal(Object.keys(counts.message.lines as object).sort(), ['count', 'stop']);
  assert.ok((counts.message.periodS as number) >= 1 && (counts.message.periodS as number) <= 60);
  assertNoGaps(collector, 'sigint-1', birth.message.boot as number);
});

test.run();
