import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NoopWatchdog } from '../../edge/hal/noop-watchdog.js';

test('arms nothing: intervalMs is null so callers schedule no kicks, and signalling is harmless', async () => {
  const watchdog = new NoopWatchdog();
  assert.is(watchdog.name, 'none');
  assert.is(watchdog.intervalMs(), null);
  await watchdog.ready();
  watchdog.kick();
  await watchdog.stopping();
  assert.is(watchdog.intervalMs(), null);
});

test.run();
