import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VisionPipeline } from '../../edge/vision/pipeline.js';

/**
 * A vehicle queued at red that overhangs its frozen queue zone is held whole: the freeze the zones wrote
 * reaches every foreground pixel of a blob that touches it, and no other blob.
 */
test('freezeZones holds the whole of a blob that reaches into a frozen zone, and nothing else', () => {
  const width = 160;
  const height = 120;
  const pipeline = new VisionPipeline({ sourceWidth: width, sourceHeight: height, lines: [], motionBackend: 'ts' });
  const frame = new Uint8Array(width * height);
  const paint = (withVehicles: boolean) => {
    for (let i = 0; i < frame.length; i++) frame[i] = 90 + (i % 7);
    if (!withVehicles) return;
    // A long vehicle at rows 40..89 (its front in the zone below row 70) and a car elsewhere.
    for (let y = 40; y < 90; y++) frame.fill(200, y * width + 20, y * width + 40);
    for (let y = 10; y < 30; y++) frame.fill(30, y * width + 100, y * width + 120);
  };
  paint(false);
  for (let f = 0; f < 40; f++) pipeline.process(frame, f * 66.7, f);
  paint(true);
  for (let f = 40; f < 45; f++) pipeline.process(frame, f * 66.7, f);
  const { mask, freezeMask } = pipeline.motion;
  assert.is(mask[60 * width + 30], 1, 'the long vehicle is foreground');
  assert.is(mask[20 * width + 110], 1, 'the car is foreground');
  // The zones freeze only the front of the long vehicle (rows 70..89), as ZoneMonitor.freeze does.
  const zones = {
    freeze(mask: Uint8Array, isRed: (zone: number) => boolean): boolean {
      mask.fill(0);
      if (!isRed(0)) return false;
      for (let y = 70; y < 90; y++) for (let x = 20; x < 40; x++) mask[y * width + x] = pipeline.motion.mask[y * width + x]!;
      return true;
    },
    redPixels: () => false,
  };
  pipeline.freezeZones(zones, () => true);
  assert.is(freezeMask[45 * width + 30], 1, 'the overhang outside the zone is held too');
  assert.is(freezeMask[20 * width + 110], 0, 'a blob not touching the frozen zone keeps learning');
  assert.is(freezeMask[5 * width + 5], 0, 'background keeps learning');
  // Green: the zones freeze nothing, and nothing is held.
  pipeline.freezeZones(zones, () => false);
  assert.ok(freezeMask.every((value) => value === 0), 'nothing frozen while green');
});

test.run();
