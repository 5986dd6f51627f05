// Development aid: what the pipeline saw, frame by frame, around one failure that dev-sim-accuracy.ts
// --list or dev-safety.ts names: the simulator's truth boxes, the blobs and the tracks (state, hits,
// centre, box, velocity) near a point, all in source pixels.
// Usage: npx tsx scripts/dev-trace.ts PRESET --seed-offset N --from F0 --to F1 [--near x,y] [--radius R]
// Environment: PIPELINE='{…}' as for dev-sim-accuracy.ts.
import { parseArgs } from 'node:util';
import { runSimulatorPreset } from './bench/sections/simulator.js';
import { SCENE_PRESETS } from '../sim/scene/presets.js';

const { values, positionals } = parseArgs({
  options: { 'seed-offset': { type: 'string', default: '0' }, from: { type: 'string' }, to: { type: 'string' }, near: { type: 'string' }, radius: { type: 'string', default: '80' } },
  allowPositionals: true,
});
const name = positionals[0]!;
const base = SCENE_PRESETS[name as keyof typeof SCENE_PRESETS];
if (!base) throw new Error(`no preset ${name}`);
const preset = { ...base, seed: base.seed + Number(values['seed-offset']) };
const from = Number(values.from);
const to = Number(values.to);
const [nx, ny] = values.near ? values.near.split(',').map(Number) : [Number.NaN, Number.NaN];
const radius = Number(values.radius);
const near = (x: number, y: number) => Number.isNaN(nx!) || Math.hypot(x - nx!, y - ny!) <= radius;
const fps = preset.fps ?? 15;
runSimulatorPreset(name, preset, {
  seconds: (to + 2) / fps,
  pipeline: process.env.PIPELINE ? JSON.parse(process.env.PIPELINE) : undefined,
  onFrame(frame, pipeline, scene) {
    if (frame < from || frame > to) return;
    const f = pipeline.factor;
    const lines: string[] = [`-- frame ${frame} signal ${scene.signalState()}`];
    for (const b of scene.boxes()) if (near(b.centerX, b.centerY)) lines.push(`  truth v${b.vehicleId} ${b.kind} ${b.lane} box ${b.x0.toFixed(0)},${b.y0.toFixed(0)}-${b.x1.toFixed(0)},${b.y1.toFixed(0)} c ${b.centerX.toFixed(0)},${b.centerY.toFixed(0)}`);
    const blobs = pipeline.blobs;
    for (let b = 0; b < blobs.count; b++) {
      const cx = blobs.centreX(b) * f, cy = blobs.centreY(b) * f;
      if (near(cx, cy)) lines.push(`  blob ${b} box ${blobs.minX[b]! * f},${blobs.minY[b]! * f}-${(blobs.maxX[b]! + 1) * f},${(blobs.maxY[b]! + 1) * f} c ${cx.toFixed(0)},${cy.toFixed(0)}${blobs.cut[b] === 1 ? ' cut' : ''}`);
    }
    const tr = pipeline.tracker;
    for (let t = 0; t < tr.capacity; t++) {
      if (tr.state[t] === 0) continue;
      const cx = tr.cx[t]! * f, cy = tr.cy[t]! * f;
      if (!near(cx, cy)) continue;
      lines.push(`  track ${tr.id[t]} s${tr.state[t]} hits ${tr.hits[t]} c ${cx.toFixed(1)},${cy.toFixed(1)} wh ${(tr.w[t]! * f).toFixed(0)}x${(tr.h[t]! * f).toFixed(0)} v ${(tr.vx[t]! * f * 1000).toFixed(0)},${(tr.vy[t]! * f * 1000).toFixed(0)} px/s`);
    }
    console.log(lines.join('\n'));
  },
});
