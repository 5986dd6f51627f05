import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CameraHealthMonitor, type CameraHealthEvent, type CameraImageFacts } from '../../edge/vision/camera-health.js';

const OPTIONS = { noFramesMs: 5000, frozenMs: 10_000, darkBelow: 20, defocusRatio: 0.35 };

function rig(options: Partial<typeof OPTIONS> & { powerCycleAfterMs?: number; infrared?: { onBelow: number; offAbove: number } } = {}) {
  const events: CameraHealthEvent[] = [];
  const calls: string[] = [];
  const monitor = new CameraHealthMonitor(
    'cam1',
    { ...OPTIONS, ...options },
    {
      powerCycle: async () => void calls.push('power-cycle'),
      setInfrared: async (on) => void calls.push(`infrared ${on ? 'on' : 'off'}`),
    },
    (event) => events.push(event),
  );
  let processed = 0;
  let now = 1_000_000;
  /** Seconds of frames (or of silence with frames = false) with the given image facts. */
  const run = (seconds: number, facts: Partial<CameraImageFacts> = {}, frames = true) => {
    for (let s = 0; s < seconds; s++) {
      now += 1000;
      if (frames) processed += 15;
      monitor.evaluate(now, { processed, mean: 120, sharpness: 12, change: 2, suddenChanges: 0, ...facts });
    }
  };
  const types = () => events.map((event) => event.type);
  return { monitor, events, calls, run, types };
}

test('no frames: raised after the hold, cleared when frames return, with a power cycle when a relay is set', () => {
  const { run, types, calls, monitor } = rig({ powerCycleAfterMs: 20_000 });
  run(3);
  run(4, {}, false);
  assert.equal(types(), []);
  run(2, {}, false);
  assert.equal(types(), ['camera.no-frames']);
  run(15, {}, false);
  assert.equal(calls, ['power-cycle'], 'power-cycled once after 20 s without frames');
  run(18, {}, false);
  assert.equal(calls, ['power-cycle'], 'not again within the interval');
  run(2, {}, false);
  assert.equal(calls, ['power-cycle', 'power-cycle']);
  assert.is(monitor.powerCycles, 2);
  run(1);
  assert.equal(types(), ['camera.no-frames', 'camera.power-cycled', 'camera.power-cycled', 'camera.frames-restored']);
});

test('a frozen image (the same bytes again and again) is raised after frozenMs, not on a quiet scene', () => {
  const { run, types } = rig();
  run(30, { change: 0.8 }); // a static scene still has sensor noise
  assert.equal(types(), []);
  run(12, { change: 0 });
  assert.equal(types(), ['camera.frozen']);
  run(1, { change: 1 });
  assert.equal(types(), ['camera.frozen', 'camera.unfrozen']);
});

test('too dark, with hysteresis so flicker at the threshold does not chatter', () => {
  const { run, types } = rig();
  run(12, { mean: 15 });
  assert.equal(types(), ['camera.dark']);
  run(5, { mean: 25 }); // above darkBelow but inside the hysteresis band
  assert.equal(types(), ['camera.dark']);
  run(1, { mean: 40 });
  assert.equal(types(), ['camera.dark', 'camera.light-restored']);
});

test('defocus: a lasting drop of sharpness against its learned usual value, after a warm-up', () => {
  const { run, types } = rig();
  run(20, { sharpness: 2 }); // during warm-up nothing is judged
  assert.equal(types(), []);
  run(120, { sharpness: 12 });
  run(25, { sharpness: 3 });
  assert.equal(types(), []);
  run(10, { sharpness: 3 });
  assert.equal(types(), ['camera.defocus']);
  run(1, { sharpness: 11 });
  assert.equal(types(), ['camera.defocus', 'camera.focus-restored']);
});

test('a sudden global change is reported each time the background had to be relearned', () => {
  const { run, types, events } = rig();
  run(3);
  run(1, { suddenChanges: 1 });
  run(2, { suddenChanges: 1 });
  run(1, { suddenChanges: 2 });
  assert.equal(types(), ['camera.tamper', 'camera.tamper']);
  assert.is(events[1]!.data.resets, 2);
});

test('the infrared illuminator follows the light level with a hold and hysteresis', () => {
  const { run, calls } = rig({ infrared: { onBelow: 40, offAbove: 70 } });
  run(5, { mean: 30 });
  assert.equal(calls, []);
  run(6, { mean: 30 });
  assert.equal(calls, ['infrared on']);
  run(20, { mean: 60 }); // between the two levels: stays on
  assert.equal(calls, ['infrared on']);
  run(11, { mean: 90 });
  assert.equal(calls, ['infrared on', 'infrared off']);
});

test.run();
