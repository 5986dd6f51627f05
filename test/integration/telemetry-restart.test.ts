import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Collector } from '../support/collector.js';
import { MosquittoBroker } from '../support/mosquitto.js';
import { NodeProcess, writeTestConfig } from '../support/node-process.js';
import { highestSeq, missingSeqs, sequencedOf, waitForCompleteSequence } from '../support/sequence-coverage.js';

/**
 * The real node process SIGKILLed with messages stored but never acknowledged (the broker was down), then
 * started again: the new boot sends the old boot's backlog with its old boot and seq, flagged historical.
 */
const test = suite('durable telemetry across a node SIGKILL');
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

function start(configPath: string): NodeProcess {
  const node = NodeProcess.spawn(['run', '--config', configPath]);
  running.push(node);
  return node;
}

test('stored but unacknowledged messages survive a SIGKILL of the node and arrive after the restart, historical, with their old boot', async () => {
  const collector = await Collector.connect(broker.url, { clientId: 'restart-central', filter: 'nutgiao/v1/demo/crash-1/#' });
  running.push(collector);
  const { configPath } = await writeTestConfig({ nodeId: 'crash-1', broker: broker.url, healthIntervalS: 1, mutate: (config) => (config.cameras[0].countPeriodS = 10) });
  const first = start(configPath);
  const started = await collector.waitFor((entry) => entry.kind === 'event' && entry.message.type === 'node.started', 'node.started', 20_000);
  const oldBoot = started.message.boot as number;
  await collector.waitFor((entry) => entry.kind === 'signal' && entry.message.mode === 'normal', 'normal operation', 20_000);
  await broker.saved();

  // With the broker gone, everything the node numbers now is stored and never acknowledged.
  await broker.kill('SIGKILL');
  const liveBefore = highestSeq(collector, 'crash-1', oldBoot);
  // Longer than the 10 s count period (wall-clock aligned), so the outage always holds a counts message;
  // in 8 s none came about one run in five, no health message is stored, and the backlog was empty.
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  first.kill('SIGKILL');
  await first.exited;
  await broker.restart();

  const second = start(configPath);
  const restarted = await collector.waitFor((entry) => entry.kind === 'event' && entry.message.type === 'node.started' && entry.message.boot !== oldBoot, 'node.started of the next boot', 20_000);
  const newBoot = restarted.message.boot as number;
  assert.is(newBoot, oldBoot + 1);
  await collector.waitFor((entry) => entry.message.boot === oldBoot && entry.message.historical === true, 'the old boot backlog', 20_000);
  await waitForCompleteSequence(collector, 'crash-1', oldBoot, liveBefore + 1, 20_000);
  // Give the backlog a moment to finish: the outbox sends it oldest first.
  await new Promise((resolve) => setTimeout(resolve, 1500));

  const old = sequencedOf(collector, 'crash-1', oldBoot);
  assert.equal(missingSeqs(collector, 'crash-1', oldBoot), [], 'the old boot has no gap');
  const afterKill = old.filter((entry) => (entry.message.seq as number) > liveBefore);
  assert.ok(afterKill.length >= 1, 'messages were numbered while the broker was down');
  assert.ok(afterKill.every((entry) => entry.message.historical === true), 'what the old boot never got acknowledged arrives flagged historical');
  assert.ok(old.filter((entry) => (entry.message.seq as number) <= liveBefore).every((entry) => entry.message.historical === undefined || entry.message.historical === true));
  assert.ok(sequencedOf(collector, 'crash-1', newBoot).some((entry) => entry.message.historical === undefined), 'the new boot publishes live');
  await collector.waitFor((entry) => entry.message.boot === newBoot && entry.message.seq !== undefined && missingSeqs(collector, 'crash-1', newBoot).length === 0, 'the new boot in order');
  assert.equal(collector.errors, []);
  void second;
});

test.run();
