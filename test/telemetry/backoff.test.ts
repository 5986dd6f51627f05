import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fullJitterDelayMs } from '../../edge/telemetry/backoff.js';

test('full jitter: the delay is uniform below a ceiling that doubles per attempt and is capped', () => {
  assert.is(fullJitterDelayMs(0, 500, 60_000, () => 0.999), 499);
  assert.is(fullJitterDelayMs(3, 500, 60_000, () => 0.5), 2000);
  assert.is(fullJitterDelayMs(20, 500, 60_000, () => 0.5), 30_000);
  assert.is(fullJitterDelayMs(1000, 500, 60_000, () => 0.999), 59_940);
  assert.is(fullJitterDelayMs(5, 500, 60_000, () => 0), 0);
});

test.run();
