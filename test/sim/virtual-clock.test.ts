import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/virtual-clock.js';

test('now() is the epoch plus elapsed; monotonic() is elapsed', () => {
  const clock = new VirtualClock({ epochMs: 1_000_000 });
  assert.is(clock.monotonic(), 0);
  assert.is(clock.now(), 1_000_000);
  clock.advance(250);
  assert.is(clock.monotonic(), 250);
  assert.is(clock.now(), 1_000_250);
});

test('timers fire in due order, ties in insertion order, at their due time', () => {
  const clock = new VirtualClock();
  const fired: string[] = [];
  clock.setTimer(() => fired.push(`c@${clock.monotonic()}`), 30);
  clock.setTimer(() => fired.push(`a@${clock.monotonic()}`), 10);
  clock.setTimer(() => fired.push(`b1@${clock.monotonic()}`), 20);
  clock.setTimer(() => fired.push(`b2@${clock.monotonic()}`), 20);
  assert.is(clock.pending(), 4);
  assert.is(clock.advance(25), 3);
  assert.equal(fired, ['a@10', 'b1@20', 'b2@20']);
  assert.is(clock.monotonic(), 25);
  clock.advance(5);
  assert.equal(fired, ['a@10', 'b1@20', 'b2@20', 'c@30']);
  assert.is(clock.pending(), 0);
});

test('timers scheduled by a callback run in the same advance when due within it', () => {
  const clock = new VirtualClock();
  const fired: number[] = [];
  clock.setTimer(() => {
    fired.push(clock.monotonic());
    clock.setTimer(() => {
      fired.push(clock.monotonic());
      clock.setTimer(() => fired.push(clock.monotonic()), 0);
    }, 15);
  }, 10);
  clock.setTimer(() => fired.push(clock.monotonic()), 30);
  clock.advance(100);
  assert.equal(fired, [10, 25, 25, 30]);
});

test('a nested timer due after the advance target waits for the next advance', () => {
  const clock = new VirtualClock();
  const fired: number[] = [];
  clock.setTimer(() => clock.setTimer(() => fired.push(clock.monotonic()), 50), 10);
  clock.advance(40);
  assert.equal(fired, []);
  assert.is(clock.nextDue(), 60);
  clock.advance(20);
  assert.equal(fired, [60]);
});

test('repeating timers fire every period without drift and stop when cleared', () => {
  const clock = new VirtualClock();
  const fired: number[] = [];
  const handle = clock.setRepeating(() => fired.push(clock.monotonic()), 100 / 3);
  clock.advance(100);
  assert.is(fired.length, 3);
  assert.ok(Math.abs(fired[2]! - 100) < 1e-9, `third tick at ${fired[2]}`);
  clock.clearTimer(handle);
  clock.advance(1000);
  assert.is(fired.length, 3);
  assert.is(clock.pending(), 0);
});

test('a repeating timer can clear itself from its own callback', () => {
  const clock = new VirtualClock();
  let count = 0;
  const handle = clock.setRepeating(() => {
    if (++count === 2) clock.clearTimer(handle);
  }, 10);
  clock.advance(100);
  assert.is(count, 2);
  assert.is(clock.pending(), 0);
});

test('clearTimer before due prevents the call; undefined and unknown handles are ignored', () => {
  const clock = new VirtualClock();
  let called = false;
  const handle = clock.setTimer(() => (called = true), 10);
  clock.clearTimer(handle);
  clock.clearTimer(undefined);
  clock.clearTimer({ id: 999 });
  clock.advance(20);
  assert.is(called, false);
});

test('sleep resolves once time is advanced past it', async () => {
  const clock = new VirtualClock();
  let woke = -1;
  const sleeping = clock.sleep(500).then(() => (woke = clock.monotonic()));
  clock.advance(499);
  await Promise.resolve();
  assert.is(woke, -1);
  clock.advance(1);
  await sleeping;
  assert.is(woke, 500);
});

test('advanceAsync lets promise-driven loops see every instant', async () => {
  const clock = new VirtualClock();
  const ticks: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      await clock.sleep(100);
      ticks.push(clock.monotonic());
    }
  })();
  await clock.advanceAsync(350);
  running = false;
  await clock.advanceAsync(100);
  await loop;
  assert.equal(ticks, [100, 200, 300, 400]);
});

test('runUntil with a time advances there; with a predicate stops as soon as it holds', () => {
  const clock = new VirtualClock();
  let count = 0;
  clock.setRepeating(() => count++, 10);
  assert.ok(clock.runUntil(55));
  assert.is(count, 5);
  assert.is(clock.monotonic(), 55);
  assert.ok(clock.runUntil(() => count === 8));
  assert.is(clock.monotonic(), 80);
});

test('runUntil with a predicate that never holds gives up at the limit', () => {
  const clock = new VirtualClock();
  clock.setRepeating(() => undefined, 10);
  assert.is(clock.runUntil(() => false, { limitMs: 1000 }), false);
  assert.is(clock.monotonic(), 1000);
});

test('a callback rescheduling itself at 0 ms is reported instead of hanging', () => {
  const clock = new VirtualClock();
  const again = (): void => {
    clock.setTimer(again, 0);
  };
  clock.setTimer(again, 0);
  assert.throws(() => clock.advance(1), /without time advancing/);
});

test('runAtSpeed(factor) advances virtual time about factor× real time', async () => {
  const clock = new VirtualClock();
  const fired: number[] = [];
  clock.setRepeating(() => fired.push(clock.monotonic()), 100);
  const realStart = performance.now();
  const done = clock.runAtSpeed(20);
  await new Promise((resolve) => setTimeout(resolve, 60));
  await clock.stop();
  await done;
  const realMs = performance.now() - realStart;
  const virtualMs = clock.monotonic();
  // 60 ms real at 20× ≈ 1200 ms virtual; allow for scheduling slack on a loaded machine.
  assert.ok(virtualMs >= 1000, `virtual ${virtualMs} ms after ${realMs} ms real`);
  assert.ok(virtualMs <= realMs * 20 + 1, `virtual ${virtualMs} ms ran ahead of ${realMs} ms real × 20`);
  assert.equal(fired, fired.map((_, i) => (i + 1) * 100));
  assert.is(clock.isRunning(), false);
});

test('runAtSpeed(Infinity) runs timers as fast as possible and still lets I/O run', async () => {
  const clock = new VirtualClock();
  let ticks = 0;
  clock.setRepeating(() => ticks++, 1000);
  const done = clock.runAtSpeed(Infinity);
  // A real timer must still get its turn while virtual time races ahead.
  await new Promise((resolve) => setTimeout(resolve, 20));
  await clock.stop();
  await done;
  assert.ok(ticks > 10, `only ${ticks} ticks`);
  assert.is(clock.monotonic(), ticks * 1000);
});

test('runAtSpeed(Infinity) waits while idle and wakes for a timer scheduled from outside', async () => {
  const clock = new VirtualClock();
  const done = clock.runAtSpeed(Infinity);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.is(clock.monotonic(), 0);
  const woke = clock.sleep(5000);
  await woke;
  assert.is(clock.monotonic(), 5000);
  await clock.stop();
  await done;
});

test('runAtSpeed(Infinity) waits while a hold is busy, so outside work keeps up with virtual time', async () => {
  const clock = new VirtualClock();
  let workPending = false;
  let framesWorked = 0;
  // A "camera" every 100 virtual ms hands work to something outside the clock that takes ~3 real ms.
  clock.setRepeating(() => {
    assert.not.ok(workPending, 'a frame arrived while the previous one was still in work');
    workPending = true;
    setTimeout(() => {
      workPending = false;
      framesWorked++;
    }, 3);
  }, 100);
  const release = clock.holdWhile(() => workPending);
  const done = clock.runAtSpeed(Infinity);
  while (framesWorked < 10) await new Promise((resolve) => setTimeout(resolve, 5));
  release();
  await clock.stop();
  await done;
  assert.ok(clock.monotonic() >= 1000);
});

test('runAtSpeed rejects when a timer callback throws, and stops', async () => {
  const clock = new VirtualClock();
  clock.setTimer(() => {
    throw new Error('boom');
  }, 10);
  let message = '';
  await clock.runAtSpeed(Infinity).catch((error: Error) => (message = error.message));
  assert.is(message, 'boom');
  assert.is(clock.isRunning(), false);
});

test('runAtSpeed refuses a second driver and a non-positive factor', async () => {
  const clock = new VirtualClock();
  assert.throws(() => clock.runAtSpeed(0), RangeError);
  const done = clock.runAtSpeed(10);
  assert.throws(() => clock.runAtSpeed(10), /already running/);
  await clock.stop();
  await done;
});

test.run();
