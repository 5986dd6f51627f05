// Development aid: the pipeline on each simulator preset against the scene's ground truth.
import { ApproachScene } from '../sim/scene/approach-scene.js';
import { SCENE_PRESETS } from '../sim/scene/presets.js';
import { VisionPipeline } from '../edge/vision/pipeline.js';
import { ZoneMonitor } from '../edge/vision/zone-monitor.js';
const only = process.argv[2];
let totalTruth = 0, totalError = 0;
for (const [name, preset] of Object.entries(SCENE_PRESETS)) {
  if (only && name !== only) continue;
  const scene = new ApproachScene(preset);
  const W = scene.width ?? 320, H = scene.height ?? 240;
  const fps = preset.fps ?? 15;
  const frames = Math.round((preset.durationSeconds ?? 120) * fps);
  const lines = scene.countLines.map((l: any) => ({ name: l.name, a: l.a, b: l.b }));
  // Lane dividers: the right edge of every lane but the last (the lane polygons run from far to near).
  const laneDividers = process.env.NO_LANES ? [] : scene.laneDirections.slice(0, -1).map((lane: any) => ({ a: lane.points[1], b: lane.points[2] }));
  const pipeline = new VisionPipeline({ sourceWidth: W, sourceHeight: H, lines, laneDividers });
  const buf = new Uint8Array(W * H);
  // The node knows its signal: queue zones stop learning background while the approach is red.
  const freeze = process.env.NO_FREEZE ? null : new ZoneMonitor(scene.zones.filter((z: any) => z.name.startsWith('queue')).map((z: any) => ({ name: z.name, points: [...z.points] })), pipeline.tracker.capacity, { workingWidth: pipeline.workingWidth, workingHeight: pipeline.workingHeight, factor: pipeline.factor });
  const isRed = () => scene.signalState() === 'red';
  let ms = 0;
  for (let f = 0; f < frames; f++) {
    scene.renderFrame(f, buf);
    freeze?.freeze(pipeline.motion.freezeMask, isRed);
    const t = performance.now();
    pipeline.process(buf, scene.frameTimeMs(f), f);
    ms += performance.now() - t;
    pipeline.counter.drain(() => undefined);
  }
  const truth = scene.counts();
  const parts: string[] = [];
  lines.forEach((line: any, l: number) => {
    const t = truth[line.name] ?? { lr: 0, rl: 0 };
    parts.push(`${line.name} lr ${pipeline.counter.lr[l]}/${t.lr} rl ${pipeline.counter.rl[l]}/${t.rl}`);
    totalTruth += t.lr + t.rl;
    totalError += Math.abs(pipeline.counter.lr[l]! - t.lr) + Math.abs(pipeline.counter.rl[l]! - t.rl);
  });
  console.log(name.padEnd(26), parts.join(' | '), `${(ms / frames).toFixed(2)} ms/f`);
}
console.log(`overall |error| ${totalError} of ${totalTruth} = ${((100 * totalError) / totalTruth).toFixed(1)} %`);
