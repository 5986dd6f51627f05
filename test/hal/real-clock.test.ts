import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RealClock } from '../../edge/hal/real-clock.js';

test('now() is wall time and monotonic() never goes backwards', () => {
  const clock = new RealClock();
  assert.ok(Math.abs(clock.now() - Date.now()) < 50);
  let previous = clock.monotonic();
  for (let i = 0; i < 1000; i++) {
    const current = clock.monotonic();
    assert.ok(current >= previous);
    previous = current;
  }
});

test('setTimer fires once after the delay; sleep resolves after it', async () => {
  const clock = new RealClock();
  const start = clock.monotonic();
  let firedAt = 0;
  clock.setTimer(() => (firedAt = clock.monotonic()), 20);
  await clock.sleep(40);
  assert.ok(firedAt - start >= 19, `fired after ${firedAt - start} ms`);
  assert.ok(clock.monotonic() - start >= 39);
  assert.is(clock.pending(), 0);
});

test('setRepeating repeats until cleared; clearTimer before due prevents the call', async () => {
  const clock = new RealClock();
  let ticks = 0;
  const repeating = clock.setRepeating(() => ticks++, 5);
  let cancelledRan = false;
  clock.clearTimer(clock.setTimer(() => (cancelledRan = true), 5));
  await clock.sleep(40);
  clock.clearTimer(repeating);
  const atClear = ticks;
  await clock.sleep(20);
  assert.ok(atClear >= 3, `only ${atClear} ticks`);
  assert.is(ticks, atClear);
  assert.is(cancelledRan, false);
  assert.is(clock.pending(), 0);
  clock.clearTimer(undefined);
});

test.run();
