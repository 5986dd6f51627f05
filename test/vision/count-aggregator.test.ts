import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage } from '../../protocol/index.js';
import { CountAggregator, type CountsPeriod } from '../../edge/vision/count-aggregator.js';
import { heapGrowth } from './fake-tracks.js';

// A minute boundary, so offsets below read as seconds past the minute.
const MINUTE = Math.floor(1_700_000_000_000 / 60_000) * 60_000;

function rig(zoneNames: string[] = [], periodS = 60, startMs = MINUTE) {
  const clock = { ms: startMs };
  const aggregator = new CountAggregator({ camera: 'cam1', lineNames: ['L1', 'L2'], zoneNames, periodS, now: () => clock.ms });
  const lines = { lr: new Int32Array(2), rl: new Int32Array(2) };
  const zones = { occupancy: new Float64Array(zoneNames.length), volume: new Int32Array(zoneNames.length), queueM: new Float64Array(zoneNames.length).fill(Number.NaN) };
  return { clock, aggregator, lines, zones };
}

function encodesAsCounts(period: CountsPeriod): void {
  const message = { v: 1, node: 'n', boot: 0, ts: period.periodStart + period.periodS * 1000, seq: 0, ...period };
  const bytes = encodeMessage('counts', message);
  const decoded = decodeMessage('counts', bytes);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error);
  if (decoded.ok) assert.equal(decoded.message, message);
}

test('periods are aligned to the wall clock; the first, partial one reports its true start', () => {
  const { clock, aggregator, lines } = rig();
  lines.lr[0] = 5; // counted before the aggregator started: belongs to no period
  lines.rl[0] = 2;
  clock.ms = MINUTE + 37_250;
  assert.is(aggregator.sample(lines), undefined);
  clock.ms = MINUTE + 40_000;
  lines.lr[0] = 7;
  assert.is(aggregator.sample(lines), undefined);
  clock.ms = MINUTE + 59_999;
  lines.lr[0] = 8;
  lines.rl[0] = 3;
  lines.rl[1] = 4;
  assert.is(aggregator.sample(lines), undefined);
  clock.ms = MINUTE + 60_010;
  lines.lr[0] = 9;
  const first = aggregator.sample(lines);
  assert.equal(first, { camera: 'cam1', periodStart: MINUTE + 37_250, periodS: 23, lines: { L1: { lr: 3, rl: 1 }, L2: { lr: 0, rl: 4 } } });
  encodesAsCounts(first!);
  // The sample that noticed the rollover belongs to the new period, which is a full, aligned one.
  clock.ms = MINUTE + 119_000;
  assert.is(aggregator.sample(lines), undefined);
  const second = aggregator.poll(MINUTE + 120_000);
  assert.equal(second, { camera: 'cam1', periodStart: MINUTE + 60_000, periodS: 60, lines: { L1: { lr: 1, rl: 0 }, L2: { lr: 0, rl: 0 } } });
  encodesAsCounts(second!);
});

test('rollover hands the finished period to listeners, and a period without samples is not reported', () => {
  const { clock, aggregator, lines } = rig([], 10);
  const reported: CountsPeriod[] = [];
  aggregator.onPeriod((period) => reported.push(period));
  clock.ms = MINUTE;
  aggregator.sample(lines);
  lines.lr[1] = 2;
  clock.ms = MINUTE + 5_000;
  aggregator.sample(lines);
  clock.ms = MINUTE + 10_000;
  assert.ok(aggregator.poll() !== undefined);
  // No frames for the next periods (camera down): nothing is claimed for them.
  assert.is(aggregator.poll(MINUTE + 20_000), undefined);
  assert.is(aggregator.poll(MINUTE + 30_000), undefined);
  lines.lr[1] = 3;
  clock.ms = MINUTE + 31_000;
  aggregator.sample(lines);
  clock.ms = MINUTE + 40_500;
  aggregator.sample(lines);
  assert.equal(
    reported.map((period) => [period.periodStart - MINUTE, period.periodS, period.lines.L2!.lr]),
    [
      [0, 10, 2],
      [30_000, 10, 1],
    ],
  );
});

test('zone statistics: mean occupancy, volume, longest queue; queueM only where measured', () => {
  const { clock, aggregator, lines, zones } = rig(['lane', 'box']);
  clock.ms = MINUTE;
  zones.volume[0] = 10;
  aggregator.sample(lines, zones);
  const samples: [number, number, number, number][] = [
    // occupancy lane, occupancy box, lane volume, lane queue m
    [0.5, 0.1, 11, 4.2],
    [0.25, 0.2, 12, 12.34],
    [0, 0.3, 14, 7],
  ];
  for (const [i, [laneOccupancy, boxOccupancy, volume, queue]] of samples.entries()) {
    clock.ms = MINUTE + 10_000 * (i + 1);
    zones.occupancy[0] = laneOccupancy;
    zones.occupancy[1] = boxOccupancy;
    zones.volume[0] = volume;
    zones.queueM[0] = queue;
    aggregator.sample(lines, zones);
  }
  const period = aggregator.poll(MINUTE + 60_000)!;
  // Means over the four samples (the first took the baseline volume, and occupancy 0).
  assert.equal(period.zones, {
    lane: { occupancyPct: 18.8, volume: 4, queueM: 12.3 },
    box: { occupancyPct: 15, volume: 0 },
  });
  encodesAsCounts(period);
});

test('a running total that went down (counter restarted) counts from zero instead of going negative', () => {
  const { clock, aggregator, lines } = rig();
  lines.lr[0] = 100;
  aggregator.sample(lines);
  lines.lr[0] = 3;
  clock.ms = MINUTE + 1000;
  aggregator.sample(lines);
  const period = aggregator.poll(MINUTE + 60_000)!;
  assert.is(period.lines.L1!.lr, 3);
  encodesAsCounts(period);
});

test('a wall clock stepped back closes the current period where it stands', () => {
  const { clock, aggregator, lines } = rig();
  clock.ms = MINUTE + 60_000;
  aggregator.sample(lines);
  lines.lr[0] = 1;
  clock.ms = MINUTE + 65_000;
  aggregator.sample(lines);
  const period = aggregator.poll(MINUTE + 30_000)!;
  assert.is(period.periodStart, MINUTE + 60_000);
  assert.ok(period.periodS >= 1);
  assert.is(period.lines.L1!.lr, 1);
  encodesAsCounts(period);
});

test('flush reports the period so far, and counting goes on in the rest of the slot', () => {
  const { clock, aggregator, lines } = rig();
  clock.ms = MINUTE;
  aggregator.sample(lines);
  lines.lr[0] = 2;
  clock.ms = MINUTE + 20_000;
  aggregator.sample(lines);
  const flushed = aggregator.flush(MINUTE + 20_500)!;
  assert.equal([flushed.periodStart - MINUTE, flushed.periodS, flushed.lines.L1!.lr], [0, 21, 2]);
  encodesAsCounts(flushed);
  lines.lr[0] = 5;
  clock.ms = MINUTE + 30_000;
  aggregator.sample(lines);
  const rest = aggregator.poll(MINUTE + 60_000)!;
  assert.equal([rest.periodStart - MINUTE, rest.periodS, rest.lines.L1!.lr], [20_500, 40, 3]);
  encodesAsCounts(rest);
});

test('periodS must be a whole number of seconds', () => {
  assert.throws(() => new CountAggregator({ camera: 'c', lineNames: [], periodS: 0.5, now: () => 0 }), /periodS: must be an integer >= 1/);
});

test('sample allocates nothing per call within a period', () => {
  // A clock near the epoch: an epoch-ms time today is a double that V8 boxes whenever it is returned from a
  // call that was not inlined (here the test's clock), which would hide what sample() itself does.
  const { clock, aggregator, lines, zones } = rig(['a', 'b', 'c'], 86_400, 0);
  const occupancies = Float64Array.from({ length: 100 }, (_, k) => k / 100);
  const growth = heapGrowth((i) => {
    clock.ms = i;
    lines.lr[0] = i;
    zones.volume[1] = i >> 3;
    zones.occupancy[2] = occupancies[i % 100]!;
    zones.queueM[0] = i % 50;
    aggregator.sample(lines, zones);
  });
  assert.ok(growth < 100_000, `heap grew ${growth} bytes over 10,000 samples`);
});

test.run();
