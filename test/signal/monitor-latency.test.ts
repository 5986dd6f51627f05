import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_MONITOR_TIMING, MONITOR_SCENARIOS, measureDetectionLatency } from '../../scripts/bench/sections/monitor-latency.js';

const timing = DEFAULT_MONITOR_TIMING;

for (const scenario of MONITOR_SCENARIOS) {
  test(`latency scenario '${scenario.name}': ${scenario.expected} within its bound at any poll phase`, async () => {
    for (const offsetMs of [0, 7, timing.pollMs - 1]) {
      const result = await measureDetectionLatency(scenario, { offsetMs, timing });
      assert.is(result.kind, scenario.expected, `offset ${offsetMs} ms`);
      assert.ok(result.latencyMs <= result.boundMs, `offset ${offsetMs} ms: ${result.latencyMs} ms > bound ${result.boundMs} ms`);
    }
  });
}

test('latency follows the configured trip time: tripMs 100 latches a conflict in 100..120 ms', async () => {
  const conflict = MONITOR_SCENARIOS.find((scenario) => scenario.expected === 'conflict')!;
  const result = await measureDetectionLatency(conflict, { offsetMs: 5, timing: { ...timing, tripMs: 100 } });
  assert.ok(result.latencyMs >= 100 && result.latencyMs <= 120, `${result.latencyMs} ms`);
  assert.is(result.boundMs, 120);
});

test.run();
