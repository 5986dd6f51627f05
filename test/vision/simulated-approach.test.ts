import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VisionPipeline } from '../../edge/vision/pipeline.js';
import { ApproachScene } from '../../sim/scene/approach-scene.js';
import { SCENE_PRESETS } from '../../sim/scene/presets.js';

/**
 * The pipeline against the simulator's ground truth on a light-traffic approach with shadows, queues at
 * red and outbound traffic: what it must keep getting right. The benchmark covers all presets.
 */
test('light traffic: the count line matches the truth in both directions', () => {
  const scene = new ApproachScene(SCENE_PRESETS['light-clear']!);
  const lines = scene.countLines.map((line) => ({ name: line.name, a: line.a, b: line.b }));
  const pipeline = new VisionPipeline({ sourceWidth: scene.width, sourceHeight: scene.height, lines });
  const frame = new Uint8Array(scene.width * scene.height);
  const frames = 120 * 15;
  for (let index = 0; index < frames; index++) {
    scene.renderFrame(index, frame);
    pipeline.process(frame, scene.frameTimeMs(index), index);
  }
  const truth = scene.counts();
  const count = lines.findIndex((line) => line.name === 'count');
  assert.ok(truth.count!.lr > 0 && truth.count!.rl > 0, 'traffic both ways');
  assert.equal({ lr: pipeline.counter.lr[count], rl: pipeline.counter.rl[count] }, { lr: truth.count!.lr, rl: truth.count!.rl });
});

test.run();
