// Development aid: runs the pipeline on the real clip and compares each crossing with the ground truth.
import { execFileSync } from 'node:child_process';
import { VisionPipeline } from '../edge/vision/pipeline.js';
const clip = '/work/shared/data/bgslibrary_video03.avi';
const raw = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', clip, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { maxBuffer: 1 << 30 });
const W = 320, H = 240, frames = raw.length / (W * H);
const truth = [142, 262, 275, 355, 429, 670, 774, 805, 824, 848, 865, 887, 910, 991, 1051, 1082, 1109, 1178, 1207, 1348, 1396, 1458, 1502, 1525, 1625, 1649, 1674];
const pipeline = new VisionPipeline({ sourceWidth: W, sourceHeight: H, lines: [{ name: 'L', a: { x: 50, y: 130 }, b: { x: 275, y: 130 } }] });
const got: number[] = [];
const t0 = performance.now();
for (let f = 0; f < frames; f++) {
  pipeline.process(raw.subarray(f * W * H, (f + 1) * W * H), f * (1000 / 60), f);
  pipeline.counter.drain((line, dir, track, frame, ts, x, y) => { got.push(frame); if (process.env.VERBOSE) console.log(`cross dir=${dir ? "rl" : "lr"} track=${track} frame=${frame} x=${x.toFixed(0)} y=${y.toFixed(0)}`); });
}
const ms = performance.now() - t0;
console.log(`frames ${frames} lr=${pipeline.counter.lr[0]} rl=${pipeline.counter.rl[0]} ${(ms / frames).toFixed(3)} ms/frame`);
const unmatched = [...truth];
const extra: number[] = [];
for (const g of got) { const i = unmatched.findIndex((t) => Math.abs(t - g) <= 8); if (i >= 0) unmatched.splice(i, 1); else extra.push(g); }
console.log('missed', unmatched, 'extra', extra);
console.log('truth', truth.join(' '));
console.log('got  ', got.join(' '));
