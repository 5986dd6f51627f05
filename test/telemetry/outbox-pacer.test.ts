import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ReplayPacer } from '../../edge/telemetry/outbox/replay-pacer.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

const test = suite('replay pacer');

async function* backlog(count: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) yield i;
}

/** Consumes the paced backlog in the background, noting the virtual time each item went out. */
function drain(pacer: ReplayPacer, clock: VirtualClock, count: number, bytes = 100): { times: number[]; done: Promise<void> } {
  const times: number[] = [];
  const done = (async () => {
    for await (const _ of pacer.pace(backlog(count), () => bytes)) times.push(clock.monotonic());
  })();
  return { times, done };
}

test('no live traffic: a burst, then the backlog at the budgeted rate', async () => {
  const clock = new VirtualClock();
  const pacer = new ReplayPacer(clock, { messagesPerS: 10, burstS: 1 });
  const { times, done } = drain(pacer, clock, 25);
  assert.ok(await clock.runUntilAsync(() => times.length === 25, { limitMs: 10_000 }));
  await done;
  assert.equal(times.slice(0, 10), Array(10).fill(0), 'the saved-up second goes at once');
  assert.equal(times.slice(10), Array.from({ length: 15 }, (_, i) => (i + 1) * 100), 'then one every 100 ms');
  assert.equal(pacer.stats(), { live: 0, backlog: 25 });
});

test('live first: the backlog gets only what live traffic leaves of the budget', async () => {
  const clock = new VirtualClock();
  const pacer = new ReplayPacer(clock, { messagesPerS: 10, burstS: 1 });
  // Live traffic uses the whole budget for 5 s, then half of it.
  let liveEvery = 100;
  const live = clock.setRepeating(() => {
    if (clock.monotonic() % liveEvery === 0) pacer.noteLive(100);
  }, 100);
  clock.setTimer(() => (liveEvery = 200), 5000);
  const { times, done } = drain(pacer, clock, 1000);
  await clock.runUntilAsync(15_000);
  const during = (from: number, to: number) => times.filter((t) => t > from && t <= to).length;
  assert.is(during(1000, 5000), 0, 'starved while live traffic takes the whole budget');
  const halfBudget = during(6000, 15_000);
  assert.ok(halfBudget >= 43 && halfBudget <= 47, `about 5/s over 9 s with half the budget left, got ${halfBudget}`);
  clock.clearTimer(live);
  pacer.stop();
  await clock.runUntilAsync(16_000);
  await done;
});

test('a bytes budget paces by size, and a message bigger than a burst still goes out', async () => {
  const clock = new VirtualClock();
  const pacer = new ReplayPacer(clock, { bytesPerS: 1000, burstS: 1 });
  const { times, done } = drain(pacer, clock, 8, 250);
  await clock.runUntilAsync(() => times.length === 8, { limitMs: 10_000 });
  await done;
  assert.equal(times, [0, 0, 0, 0, 250, 500, 750, 1000]);

  const big = new ReplayPacer(clock, { bytesPerS: 1000 });
  const start = clock.monotonic();
  const sent = drain(big, clock, 2, 5000);
  await clock.runUntilAsync(() => sent.times.length === 2, { limitMs: start + 10_000 });
  await sent.done;
  assert.equal(sent.times.map((t) => t - start), [0, 1000]);
});

test('stop ends a waiting replay', async () => {
  const clock = new VirtualClock();
  const pacer = new ReplayPacer(clock, { messagesPerS: 1, burstS: 1 });
  assert.ok(await pacer.acquire(10));
  const waiting = pacer.acquire(10);
  await clock.advanceAsync(300);
  pacer.stop();
  assert.is(await waiting, false);
  assert.is(clock.pending(), 0, 'its timer is cleared');
  assert.is(await pacer.acquire(10), false);
});

test('a budget that is not a positive number is refused by name', () => {
  const clock = new VirtualClock();
  assert.throws(() => new ReplayPacer(clock, { messagesPerS: 0 }), /messagesPerS must be a number > 0, got 0/);
  assert.throws(() => new ReplayPacer(clock, { bytesPerS: Number.NaN }), /bytesPerS/);
});

test.run();
