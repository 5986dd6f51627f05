import { parseArgs } from 'node:util';
import { decodeVideo, probeVideo, VideoDecodeError, VideoInputError } from '../hal/drivers/video-file-reader.js';
import { parseLineOption, parseZoneOption, type CountLineSpec, type ZoneSpec } from '../vision/geometry.js';
import { ZoneMonitor } from '../vision/zone-monitor.js';
import { VisionPipeline } from '../vision/pipeline.js';
import { MOTION_BACKENDS, type MotionBackendChoice } from '../vision/motion-backends.js';
import { UsageError, type CommandIo } from './command.js';

export const COUNT_HELP = `nutgiao count --video FILE --line NAME:x1,y1,x2,y2 [--line …] [--zone NAME:x,y;x,y;x,y… …] [--divider x1,y1,x2,y2 …] [--backend auto|wasm|ts|opencv] [--max-width N] [--crossings] [--json]

Runs the node's vision pipeline on a video file (decoded by ffmpeg, every frame) and reports the vehicles
counted across each line, per direction: a technician's check of a camera placement, and our measure.
Lines are two points A→B in pixels of the source video. For side(P) = (Bx−Ax)(Py−Ay) − (By−Ay)(Px−Ax),
'lr' counts moves from side < 0 to side > 0 and 'rl' the reverse (image y points down).

  --video FILE     the video (anything ffmpeg reads)
  --line SPEC      NAME:x1,y1,x2,y2, repeatable
  --zone SPEC      NAME:x,y;x,y;x,y…, a polygon of at least 3 points (quote it: ';' ends a shell command),
                   repeatable: its mean occupancy (% of its pixels in motion or standing), the share of
                   the time a vehicle was present (a virtual detector's occupancy) and its volume (vehicles
                   that entered it)
  --divider SPEC   x1,y1,x2,y2: a line between two lanes, repeatable; blobs spanning both lanes are cut
                   along it, so queued vehicles side by side count as two
  --backend NAME   motion backend: wasm (WebAssembly SIMD), ts (plain TypeScript), opencv (needs
                   scripts/install-opencv.sh) or auto (wasm where supported, else ts; the default)
  --max-width N    frames wider than N are downscaled by an integer factor first (default 320)
  --crossings      also list every counted crossing (frame, line, direction, track)
  --json           one JSON object on stdout instead of a table

Exit codes: 0 counted, 2 bad input (missing file, not a video, a line outside the image).`;

interface CrossingRecord {
  frame: number;
  line: string;
  direction: 'lr' | 'rl';
  track: number;
  x: number;
  y: number;
}

export async function countCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      video: { type: 'string' },
      line: { type: 'string', multiple: true },
      zone: { type: 'string', multiple: true },
      divider: { type: 'string', multiple: true },
      backend: { type: 'string', default: 'auto' },
      'max-width': { type: 'string', default: '320' },
      crossings: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(COUNT_HELP);
    return 0;
  }
  if (!values.video) throw new UsageError('--video FILE is required');
  if (!values.line || values.line.length === 0) throw new UsageError('at least one --line NAME:x1,y1,x2,y2 is required');
  const backend = values.backend as MotionBackendChoice;
  if (!MOTION_BACKENDS.includes(backend)) throw new UsageError(`--backend: '${values.backend}' is not a backend; use auto, wasm, ts or opencv`);
  const maxWidth = Number(values['max-width']);
  if (!Number.isInteger(maxWidth) || maxWidth < 32) throw new UsageError('--max-width: must be a whole number of pixels, at least 32');
  const lines: CountLineSpec[] = [];
  for (const text of values.line) {
    const parsed = parseLineOption(text);
    if (typeof parsed === 'string') throw new UsageError(parsed);
    if (lines.some((line) => line.name === parsed.name)) throw new UsageError(`--line: the name '${parsed.name}' is used twice`);
    lines.push(parsed);
  }

  const zoneSpecs: ZoneSpec[] = [];
  for (const text of values.zone ?? []) {
    const parsed = parseZoneOption(text);
    if (typeof parsed === 'string') throw new UsageError(parsed);
    if (zoneSpecs.some((zone) => zone.name === parsed.name)) throw new UsageError(`--zone: the name '${parsed.name}' is used twice`);
    zoneSpecs.push(parsed);
  }

  const laneDividers = (values.divider ?? []).map((text) => {
    const parsed = parseLineOption(`divider:${text}`);
    if (typeof parsed === 'string') throw new UsageError(`--divider '${text}': expected x1,y1,x2,y2 in pixels of the source video`);
    return { a: parsed.a, b: parsed.b };
  });

  let info;
  try {
    info = await probeVideo(values.video);
  } catch (error) {
    if (error instanceof VideoInputError) {
      io.err(`nutgiao count: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const shapes = [...lines.map((line) => ({ option: '--line', name: line.name, points: [line.a, line.b] })), ...zoneSpecs.map((zone) => ({ option: '--zone', ...zone }))];
  for (const shape of shapes) {
    const outside = shape.points.find((point) => point.x < 0 || point.y < 0 || point.x > info.width || point.y > info.height);
    if (outside) {
      io.err(`nutgiao count: ${shape.option} ${shape.name}: point (${outside.x},${outside.y}) is outside the ${info.width}×${info.height} image`);
      return 2;
    }
  }

  const pipeline = new VisionPipeline({ sourceWidth: info.width, sourceHeight: info.height, lines, laneDividers, maxWorkingWidth: maxWidth, motionBackend: backend });
  const zones = new ZoneMonitor(zoneSpecs, pipeline.tracker.capacity, { workingWidth: pipeline.workingWidth, workingHeight: pipeline.workingHeight, factor: pipeline.factor });
  const occupancySum = new Float64Array(zoneSpecs.length);
  const presentFrames = new Int32Array(zoneSpecs.length);
  let frameTimes = new Float64Array(info.frames ?? 1024);
  const crossings: CrossingRecord[] = [];
  const record = (line: number, direction: number, track: number, frame: number, _ts: number, x: number, y: number) => {
    crossings.push({ frame, line: lines[line]!.name, direction: direction === 0 ? 'lr' : 'rl', track, x: x * pipeline.factor, y: y * pipeline.factor });
  };
  let frames = 0;
  try {
    await decodeVideo(values.video, {}, (frame) => {
      const started = performance.now();
      pipeline.process(frame.data, frame.tsMs, frame.index);
      if (zoneSpecs.length > 0) {
        zones.update(pipeline.motion.mask, pipeline.tracker, frame.tsMs);
        for (let z = 0; z < zoneSpecs.length; z++) {
          occupancySum[z]! += zones.occupancy[z]!;
          presentFrames[z]! += zones.present[z]!;
        }
      }
      const elapsed = performance.now() - started;
      if (frames >= frameTimes.length) {
        const grown = new Float64Array(frameTimes.length * 2);
        grown.set(frameTimes);
        frameTimes = grown;
      }
      frameTimes[frames++] = elapsed;
      pipeline.counter.drain(record);
    });
  } catch (error) {
    if (error instanceof VideoInputError || error instanceof VideoDecodeError) {
      io.err(`nutgiao count: ${error.message.split('\n')[0]}`);
      return 2;
    }
    throw error;
  }

  const sorted = frameTimes.slice(0, frames).sort();
  const median = frames === 0 ? 0 : sorted[frames >> 1]!;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  const result: Record<string, unknown> = {
    frames,
    width: info.width,
    height: info.height,
    sourceFps: round(info.fps, 3),
    backend: pipeline.motion.backend,
    pipeline: {
      workingWidth: pipeline.workingWidth,
      workingHeight: pipeline.workingHeight,
      msPerFrameMedian: round(median, 4),
      framesPerSecond: total > 0 ? round((frames * 1000) / total, 1) : null,
    },
    lines: Object.fromEntries(lines.map((line, l) => [line.name, { lr: pipeline.counter.lr[l]!, rl: pipeline.counter.rl[l]!, total: pipeline.counter.lr[l]! + pipeline.counter.rl[l]! }])),
    zones: Object.fromEntries(
      zoneSpecs.map((zone, z) => [
        zone.name,
        { occupancyPct: round((100 * occupancySum[z]!) / Math.max(1, frames), 2), presentPct: round((100 * presentFrames[z]!) / Math.max(1, frames), 2), volume: zones.volume[z]! },
      ]),
    ),
  };
  if (values.crossings) result.crossings = crossings;
  if (values.json) {
    io.out(JSON.stringify(result));
    return 0;
  }
  io.out(`${values.video}: ${frames} frames ${info.width}×${info.height} at ${round(info.fps, 2)} fps; working size ${pipeline.workingWidth}×${pipeline.workingHeight}, ${round(median, 3)} ms/frame (median, ${pipeline.motion.backend} backend)`);
  for (const [l, line] of lines.entries()) io.out(`  ${line.name}: lr ${pipeline.counter.lr[l]}  rl ${pipeline.counter.rl[l]}  total ${pipeline.counter.lr[l]! + pipeline.counter.rl[l]!}`);
  for (const [name, zone] of Object.entries(result.zones as Record<string, { occupancyPct: number; presentPct: number; volume: number }>)) {
    io.out(`  zone ${name}: occupancy ${zone.occupancyPct} %  vehicle present ${zone.presentPct} % of the time  volume ${zone.volume}`);
  }
  if (values.crossings) for (const crossing of crossings) io.out(`  frame ${crossing.frame} ${crossing.line} ${crossing.direction} track ${crossing.track} at (${round(crossing.x, 1)}, ${round(crossing.y, 1)})`);
  return 0;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
