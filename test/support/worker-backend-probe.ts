/**
 * Runs the vision worker on the first frames of the real clip with the motion backend named on the
 * command line and prints one JSON line: the backend the worker runs, why the one asked for could not
 * run (or null), and the line's totals. A process of its own, because @u4/opencv4nodejs works in one
 * thread per process: the test runner's main thread may already have loaded it (the OpenCV backend's
 * own tests), and a worker loading it as well would get type errors.
 * Usage: node --import tsx test/support/worker-backend-probe.ts BACKEND FRAMES
 */
import { VisionWorkerHost } from '../../edge/vision/vision-worker-host.js';
import type { MotionBackendChoice } from '../../edge/vision/motion-backends.js';
import { frameOf, loadClipFrames } from './clip.js';

const PROBE_LINE = { name: 'L', a: { x: 50, y: 130 }, b: { x: 275, y: 130 } };

const [backend, count] = process.argv.slice(2);
const clip = await loadClipFrames(Number(count));
const host = await VisionWorkerHost.start({ sourceWidth: clip.width, sourceHeight: clip.height, lines: [PROBE_LINE], motionBackend: backend as MotionBackendChoice });
try {
  for (let index = 0; index < clip.frames; index++) {
    await host.whenIdle();
    host.submit(frameOf(clip, index), (index * 1000) / 60, index);
  }
  await host.whenIdle();
  process.stdout.write(`${JSON.stringify({ backend: host.backend, backendFallback: host.backendFallback, totals: host.lineTotals(0), processed: host.stats().processed })}\n`);
} finally {
  await host.stop();
}
