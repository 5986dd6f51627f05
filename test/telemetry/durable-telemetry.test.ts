import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../edge/broker/embedded-broker.js';
import { createMemoryLogger } from '../../edge/log.js';
import { VirtualClock } from '../../sim/virtual-clock.js';
import { Collector, type Received } from '../support/collector.js';
import { openDurableRig, type DurableRig } from '../support/durable-rig.js';

/**
 * DurableTelemetry with the replay budget on the virtual clock, against the in-process broker: the
 * backlog goes out only as the budget allows, live messages never wait, and nothing is sent twice.
 */
const test = suite('DurableTelemetry pacing on a virtual clock');
let broker: EmbeddedBroker;
const cleanups: Array<() => Promise<void>> = [];

test.before(async () => {
  broker = await startEmbeddedBroker({ port: 0, log: createMemoryLogger() });
});

test.after.each(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

test.after(async () => {
  await broker.close();
});

const sequenced = (collector: Collector): Received[] => collector.received.filter((entry) => typeof entry.message.seq === 'number');
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

async function rig(clock: VirtualClock, node: string): Promise<DurableRig> {
  const opened = await openDurableRig({ url: broker.url, node, clock, replay: { messagesPerS: 2, burstS: 1 } });
  cleanups.push(() => opened.close());
  return opened;
}

test('the backlog drains at the budget, live first; every number once, the backlog flagged historical', async () => {
  const clock = new VirtualClock();
  const collector = await Collector.connect(broker.url, { filter: 'nutgiao/v1/test/paced/#' });
  cleanups.push(() => collector.close());
  const node = await rig(clock, 'paced');
  for (let n = 0; n < 6; n++) assert.is(await node.publisher.event('test.backlog', 'info', `backlog ${n}`), false, 'not connected: stored only');
  assert.is(node.session.stats().queued, 6, 'the backlog shows in the link stats');
  const ready = new Promise<void>((resolve) => node.session.onReady(() => resolve()));
  node.session.start();
  await ready;
  assert.ok(await node.publisher.event('test.live', 'info', 'live'), 'a live message goes out at once');
  await settle();
  const early = sequenced(collector);
  assert.ok(early.some((entry) => entry.message.type === 'test.live'), 'live delivered');
  const earlyBacklog = early.filter((entry) => entry.message.historical === true).length;
  assert.ok(earlyBacklog <= 2, `at most one burst of backlog before time passes (got ${earlyBacklog})`);

  await clock.advanceAsync(1000);
  await settle();
  const afterOneSecond = sequenced(collector).filter((entry) => entry.message.historical === true).length;
  assert.ok(afterOneSecond < 6, `the budget is 2 per second, shared with live (got ${afterOneSecond} after 1 s)`);

  for (let s = 0; s < 5; s++) {
    await clock.advanceAsync(1000);
    await settle();
  }
  const all = sequenced(collector);
  assert.equal(all.filter((entry) => entry.message.historical === true).map((entry) => entry.message.seq), [0, 1, 2, 3, 4, 5], 'oldest first');
  assert.equal(all.filter((entry) => entry.message.historical === undefined).map((entry) => entry.message.seq), [6]);
  assert.is(node.durable.outbox.stats().pending, 0, 'all acknowledged');
  assert.is(node.session.stats().queued, 0);
  assert.equal(node.durable.stats(), { replayed: 6, requested: 0 });
});

test.run();
