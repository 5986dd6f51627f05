import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SimWatchdog } from '../../sim/sim-watchdog.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

test('records ready, kicks and stopping with clock times; recommends half the timeout', async () => {
  const clock = new VirtualClock();
  const watchdog = new SimWatchdog({ clock, timeoutMs: 4000 });
  assert.is(watchdog.intervalMs(), 2000);
  clock.advance(100);
  await watchdog.ready();
  clock.advance(2000);
  watchdog.kick();
  clock.advance(500);
  await watchdog.stopping();
  assert.equal(watchdog.events, [
    { kind: 'ready', tsMs: 100 },
    { kind: 'kick', tsMs: 2100 },
    { kind: 'stopping', tsMs: 2600 },
  ]);
  assert.is(watchdog.kicks, 1);
});

test('expired() once kicks stop for longer than the timeout; not before ready, not after stopping', async () => {
  const clock = new VirtualClock();
  const watchdog = new SimWatchdog({ clock, timeoutMs: 1000 });
  clock.advance(5000);
  assert.is(watchdog.expired(), false, 'not armed before ready');
  await watchdog.ready();
  clock.advance(1000);
  assert.is(watchdog.expired(), false, 'exactly at the timeout is still fine');
  watchdog.kick();
  clock.advance(1001);
  assert.is(watchdog.expired(), true);
  watchdog.kick();
  assert.is(watchdog.expired(), false);
  await watchdog.stopping();
  clock.advance(10_000);
  assert.is(watchdog.expired(), false, 'a deliberate stop is not a hang');
});

test('a node kicking at intervalMs never expires', async () => {
  const clock = new VirtualClock();
  const watchdog = new SimWatchdog({ clock });
  await watchdog.ready();
  let expired = false;
  clock.setRepeating(() => {
    watchdog.kick();
  }, watchdog.intervalMs());
  clock.setRepeating(() => (expired ||= watchdog.expired()), 100);
  clock.advance(60_000);
  assert.is(expired, false);
  assert.is(watchdog.kicks, 12);
});

test.run();
