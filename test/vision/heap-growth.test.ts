import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { heapGrowth } from './fake-tracks.js';

// The allocation checks of the monitors are only worth something if the measure sees allocation.
test('heapGrowth sees a small object allocated per call, and not a call that allocates nothing', () => {
  const kept: { value: number }[] = [];
  const allocating = heapGrowth((i) => {
    kept.length = 0;
    kept.push({ value: i });
  });
  assert.ok(allocating > 200_000, `an object per call grew the heap by only ${allocating} bytes`);
  const totals = new Float64Array(4);
  const quiet = heapGrowth((i) => {
    totals[i & 3]! += i;
  });
  assert.ok(quiet < 100_000, `a call without allocation grew the heap by ${quiet} bytes`);
});

test.run();
