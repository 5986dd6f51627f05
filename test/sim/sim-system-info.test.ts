import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SimSystemInfo } from '../../sim/sim-system-info.js';

test('starts healthy, takes initial overrides, and reports values set later', async () => {
  const info = new SimSystemInfo({ cpuTempC: 81 });
  const first = await info.snapshot();
  assert.is(first.cpuTempC, 81);
  assert.ok(first.memFreeBytes < first.memTotalBytes);
  info.set({ diskFreeBytes: null, load1PerCpu: 1.5 });
  const second = await info.snapshot();
  assert.is(second.diskFreeBytes, null);
  assert.is(second.load1PerCpu, 1.5);
  assert.is(second.cpuTempC, 81);
});

test('snapshots are copies: changing one does not change the source', async () => {
  const info = new SimSystemInfo();
  const snapshot = await info.snapshot();
  snapshot.uptimeS = -1;
  assert.is.not((await info.snapshot()).uptimeS, -1);
});

test.run();
