/**
 * Child process of the endToEnd section: one camera at a fixed frame rate. Decodes a video file with the
 * project's decodeVideo (ffmpeg, every frame, backpressure), releases frame k at start + k / fps (the
 * camera's pace) into the pipeline, and after `seconds` stops. Prints one JSON object: the CPU time of
 * this node process (process.cpuUsage, every thread) and of the ffmpeg decoder (utime + stime from
 * /proc/<pid>/stat), over the same wall-clock window.
 *
 *   node --import tsx paced-camera.ts --video FILE --fps 15 --seconds 20 --line x1,y1,x2,y2
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeVideo, probeVideo } from '../../edge/hal/drivers/video-file-reader.js';
import { VisionPipeline } from '../../edge/vision/pipeline.js';

const { values } = parseArgs({
  options: {
    video: { type: 'string' },
    fps: { type: 'string', default: '15' },
    seconds: { type: 'string', default: '20' },
    line: { type: 'string' },
    'clock-ticks': { type: 'string', default: '100' },
  },
  strict: true,
});

const fps = Number(values.fps);
const totalFrames = Math.round(Number(values.seconds) * fps);
const ticksPerSecond = Number(values['clock-ticks']);
const info = await probeVideo(values.video!);
const [x1, y1, x2, y2] = values.line!.split(',').map(Number) as [number, number, number, number];
const pipeline = new VisionPipeline({ sourceWidth: info.width, sourceHeight: info.height, lines: [{ name: 'L', a: { x: x1, y: y1 }, b: { x: x2, y: y2 } }] });

/** The ffmpeg child of this process (decodeVideo does not expose it): found through /proc. */
function findFfmpegChild(): number | null {
  for (const tid of readdirSync('/proc/self/task')) {
    let children: string;
    try {
      children = readFileSync(`/proc/self/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const pid of children.trim().split(/\s+/).filter(Boolean)) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'ffmpeg') return Number(pid);
      } catch {
        // gone
      }
    }
  }
  return null;
}

/** utime + stime of a process, ms. */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

class Enough extends Error {}

let processed = 0;
let lateFrames = 0;
let maxLagMs = 0;
let ffmpegPid: number | null = null;
let ffmpegCpuStart = 0;
let ffmpegCpuEnd = 0;
let nodeCpuStart = process.cpuUsage();
let nodeCpuEnd = nodeCpuStart;
let wallStart = 0;
let wallEnd = 0;
let pipelineMs = 0;
let crossings = 0;
const onCrossing = () => {
  crossings++;
};
const frameMs = 1000 / fps;

try {
  await decodeVideo(values.video!, {}, async (frame) => {
    if (processed === 0) {
      ffmpegPid = findFfmpegChild();
      ffmpegCpuStart = ffmpegPid === null ? 0 : processCpuMs(ffmpegPid);
      nodeCpuStart = process.cpuUsage();
      wallStart = performance.now();
    } else {
      const due = wallStart + processed * frameMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      else {
        lateFrames++;
        maxLagMs = Math.max(maxLagMs, -wait);
      }
    }
    const started = performance.now();
    pipeline.process(frame.data, processed * frameMs, processed);
    pipeline.counter.drain(onCrossing);
    pipelineMs += performance.now() - started;
    processed++;
    if (processed === totalFrames) {
      // The window ends when the last frame's slot ends.
      const due = wallStart + processed * frameMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      wallEnd = performance.now();
      nodeCpuEnd = process.cpuUsage();
      ffmpegCpuEnd = ffmpegPid === null ? 0 : processCpuMs(ffmpegPid);
      throw new Enough();
    }
  });
} catch (error) {
  if (!(error instanceof Enough)) throw error;
}
if (wallEnd === 0) {
  // The file ended before `seconds`: the window is what there was.
  wallEnd = performance.now();
  nodeCpuEnd = process.cpuUsage();
  ffmpegCpuEnd = ffmpegCpuStart; // ffmpeg has exited: its CPU is not measured
}

const wallMs = wallEnd - wallStart;
const nodeCpuMs = (nodeCpuEnd.user - nodeCpuStart.user + nodeCpuEnd.system - nodeCpuStart.system) / 1000;
const ffmpegCpuMs = ffmpegCpuEnd - ffmpegCpuStart;
process.stdout.write(
  `${JSON.stringify({
    fps,
    frames: processed,
    lateFrames,
    maxLagMs,
    wallMs,
    nodeCpuMs,
    ffmpegCpuMs,
    ffmpegMeasured: ffmpegPid !== null && processed === totalFrames,
    pipelineMsPerFrame: pipelineMs / Math.max(1, processed),
    width: info.width,
    height: info.height,
    workingWidth: pipeline.workingWidth,
    workingHeight: pipeline.workingHeight,
    crossings,
  })}\n`,
);
