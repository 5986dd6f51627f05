/**
 * Spot speeds: the ground plane from four calibration points (against the simulator camera's exact
 * projection), SpeedMeter's bookkeeping on crossings, and speeds measured by the pipeline on a rendered
 * approach against the speeds the simulator's vehicles really had between the two lines.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GroundPlane } from '../../edge/vision/ground-plane.js';
import { SpeedMeter } from '../../edge/vision/speed-meter.js';
import { VisionPipeline } from '../../edge/vision/pipeline.js';
import { ApproachScene } from '../../sim/scene/approach-scene.js';
import { CameraGeometry } from '../../sim/scene/camera-geometry.js';
import { SCENE_PRESETS } from '../../sim/scene/presets.js';

/** Ground (x across, z along the road, metres) to image, as the simulator's camera sees the road. */
function calibrationOf(geometry: CameraGeometry): { image: { x: number; y: number }[]; ground: { x: number; y: number }[] } {
  const ground = [
    { x: -4, y: geometry.stopZ },
    { x: 4, y: geometry.stopZ },
    { x: 4, y: geometry.countZ },
    { x: -4, y: geometry.countZ },
  ];
  return { image: ground.map((p) => geometry.groundPoint(p.x, p.y)), ground };
}

test('the ground plane from four points maps every other road point back to its metres', () => {
  const geometry = new CameraGeometry(320, 240, 2, true);
  const { image, ground } = calibrationOf(geometry);
  const plane = GroundPlane.fromPoints(image, ground);
  for (const [x, z] of [[0, geometry.stopZ], [-2.5, (geometry.stopZ + geometry.countZ) / 2], [3, geometry.countZ + 1], [1, geometry.stopZ + 6]] as const) {
    const pixel = geometry.groundPoint(x, z);
    const back = plane.toGround(pixel.x, pixel.y);
    assert.ok(Math.abs(back.x - x) < 0.01 && Math.abs(back.y - z) < 0.01, `(${x}, ${z}) came back as (${back.x}, ${back.y})`);
  }
  assert.ok(Math.abs(plane.distanceM(geometry.groundPoint(0, geometry.stopZ), geometry.groundPoint(0, geometry.countZ)) - Math.abs(geometry.stopZ - geometry.countZ)) < 0.01);
});

test('three calibration points on one line are refused, naming the fix', () => {
  const square = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }];
  assert.throws(() => GroundPlane.fromPoints([{ x: 0, y: 0 }, { x: 50, y: 50 }, { x: 100, y: 100 }, { x: 0, y: 100 }], square), /three of the four image points lie on one line/);
  assert.throws(() => GroundPlane.fromPoints(square, [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 2, y: 0 }, { x: 0, y: 5 }]), /three of the four ground points lie on one line/);
});

test('SpeedMeter: a track crossing both lines of a pair, in either order; stats per period; stale and absurd ones dropped', () => {
  // 1 px = 0.1 m on a flat, head-on view.
  const plane = GroundPlane.fromPoints([{ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 100, y: 100 }, { x: 0, y: 100 }], [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }]);
  const meter = new SpeedMeter([{ name: 'approach', lines: [0, 1] }], plane);
  // 20 m (200 px) in 2 s = 36 km/h; the other way round in 1 s = 72 km/h; 20 m in 1.44 s = 50 km/h.
  meter.crossing(0, 1, 1000, 50, 0);
  meter.crossing(1, 1, 3000, 50, 200);
  meter.crossing(1, 2, 5000, 40, 200);
  meter.crossing(0, 2, 6000, 40, 0);
  meter.crossing(0, 3, 7000, 60, 0);
  meter.crossing(2, 3, 7500, 60, 100); // a line outside the pair: ignored
  meter.crossing(1, 3, 8440, 60, 200);
  // Stopped between the lines longer than maxIntervalMs (a queue), and a jump to 720 km/h: neither counts.
  meter.crossing(0, 4, 10_000, 30, 0);
  meter.crossing(1, 4, 40_000, 30, 200);
  meter.crossing(0, 5, 50_000, 30, 0);
  meter.crossing(1, 5, 50_100, 30, 200);
  const period = meter.takePeriod();
  assert.equal(period, { approach: { vehicles: 3, meanKmh: 52.7, p85Kmh: 72, minKmh: 36, maxKmh: 72 } });
  assert.is(meter.rejected, 1);
  assert.equal(meter.takePeriod(), { approach: { vehicles: 0, meanKmh: null, p85Kmh: null, minKmh: null, maxKmh: null } }, 'a new period starts empty');
});

// Measured on five presets: the mean speed within 1-7 % of the truth (4 vehicles on light-clear: 10 %).
test('on a rendered approach the measured speeds match what the vehicles really did between the lines', () => {
  const preset = SCENE_PRESETS['medium-sunny-shadows']!;
  const scene = new ApproachScene(preset);
  const geometry = new CameraGeometry(scene.width, scene.height, preset.lanes!.inbound, preset.lanes!.outbound);
  const { image, ground } = calibrationOf(geometry);
  const lines = scene.countLines.map((line) => ({ name: line.name, a: line.a, b: line.b }));
  const stop = lines.findIndex((line) => line.name === 'stop');
  const count = lines.findIndex((line) => line.name === 'count');
  const pipeline = new VisionPipeline({ sourceWidth: scene.width, sourceHeight: scene.height, lines });
  const meter = new SpeedMeter([{ name: 'approach', lines: [stop, count] }], GroundPlane.fromPoints(image, ground));
  const frame = new Uint8Array(scene.width * scene.height);
  const frames = 120 * scene.fps;
  let speedSum = 0;
  let speeds = 0;
  const addPeriod = () => {
    const stats = meter.takePeriod().approach!;
    speedSum += (stats.meanKmh ?? 0) * stats.vehicles;
    speeds += stats.vehicles;
  };
  // The truth: where each inbound vehicle's box met the road (its bottom row, through the camera's exact
  // projection) when its centre crossed each line, and when: its real speed between the two.
  const reached = new Map<number, Partial<Record<'stop' | 'count', { frame: number; z: number }>>>();
  let truthSeen = 0;
  for (let index = 0; index < frames; index++) {
    scene.renderFrame(index, frame);
    pipeline.process(frame, scene.frameTimeMs(index), index);
    pipeline.counter.drain((line, _direction, trackId, _frame, tsMs, x, _y, bottom) => meter.crossing(line, trackId, tsMs, x * pipeline.factor, bottom * pipeline.factor));
    if (index % (10 * scene.fps) === 0) addPeriod();
    const crossings = scene.truth().crossings;
    for (; truthSeen < crossings.length; truthSeen++) {
      const crossing = crossings[truthSeen]!;
      const box = scene.boxes().find((b) => b.vehicleId === crossing.vehicleId);
      if (crossing.direction !== 'lr' || !box || box.y1 >= scene.height - 1) continue; // a box cut by the frame's edge has no bottom
      const entry = reached.get(crossing.vehicleId) ?? {};
      entry[crossing.line as 'stop' | 'count'] = { frame: index, z: geometry.groundZAtRow(box.y1 + 1) };
      reached.set(crossing.vehicleId, entry);
    }
  }
  addPeriod();
  const truth = [...reached.values()]
    .filter((v) => v.stop !== undefined && v.count !== undefined && v.count.frame > v.stop.frame)
    .map((v) => (Math.abs(v.stop!.z - v.count!.z) / ((v.count!.frame - v.stop!.frame) / scene.fps)) * 3.6);
  const measuredMean = speedSum / speeds;
  const truthMean = truth.reduce((a, b) => a + b, 0) / truth.length;
  assert.ok(speeds >= 0.6 * truth.length, `${speeds} speeds measured for ${truth.length} vehicles that crossed both lines`);
  assert.ok(Math.abs(measuredMean - truthMean) <= 0.1 * truthMean, `mean ${measuredMean.toFixed(1)} km/h measured, ${truthMean.toFixed(1)} km/h true`);
});

test.run();
