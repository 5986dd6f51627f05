import { parseArgs } from 'node:util';
import { parseNumberOption, UsageError, type CommandIo } from '../../edge/cli/command.js';
import { renderVideo } from './render-video.js';
import type { TrafficLevel } from './scene-types.js';
import { SCENE_PRESETS } from './presets.js';

export const RENDER_HELP = `nutgiao sim render --seed S --seconds N --out FILE.mp4 [--truth FILE.json]
                   [--width W] [--height H] [--fps F] [--traffic LEVEL] [--preset NAME]

Renders the simulated camera view of a signalised approach to an H.264 video (needs ffmpeg) and writes
its ground truth: every line crossing with its frame, the safety events and the vehicles.

  --seed S        scene seed (integer); the same seed gives the same video
  --seconds N     length in seconds
  --out FILE      the .mp4 to write
  --truth FILE    the truth JSON to write
  --width W       default 320          --height H   default 240          --fps F   default 15
  --traffic L     light | medium | heavy | saturated (default medium)
  --preset NAME   start from a named preset (effects, lanes, injected events): ${Object.keys(SCENE_PRESETS).join(', ')}`;

const TRAFFIC_LEVELS: readonly TrafficLevel[] = ['light', 'medium', 'heavy', 'saturated'];

export async function renderCommand(argv: string[], io: CommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        seed: { type: 'string' },
        seconds: { type: 'string' },
        out: { type: 'string' },
        truth: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        fps: { type: 'string' },
        traffic: { type: 'string' },
        preset: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help === true) {
    io.out(RENDER_HELP);
    return 0;
  }
  const preset = values.preset === undefined ? undefined : SCENE_PRESETS[values.preset];
  if (values.preset !== undefined && preset === undefined) throw new UsageError(`--preset: unknown preset '${values.preset}'`);
  const seed = values.seed === undefined ? preset?.seed : parseNumberOption('--seed', values.seed, { integer: true, min: 0 });
  if (seed === undefined) throw new UsageError('--seed is required (or --preset)');
  if (values.seconds === undefined) throw new UsageError('--seconds is required');
  const seconds = parseNumberOption('--seconds', values.seconds, { min: 0.1 });
  if (values.out === undefined) throw new UsageError('--out is required');
  const width = values.width === undefined ? undefined : parseNumberOption('--width', values.width, { integer: true, min: 64 });
  const height = values.height === undefined ? undefined : parseNumberOption('--height', values.height, { integer: true, min: 48 });
  const fps = values.fps === undefined ? undefined : parseNumberOption('--fps', values.fps, { min: 1, max: 120 });
  if (values.traffic !== undefined && !TRAFFIC_LEVELS.includes(values.traffic as TrafficLevel)) {
    throw new UsageError(`--traffic: '${values.traffic}' is not one of ${TRAFFIC_LEVELS.join(', ')}`);
  }
  const sceneOptions = { ...preset, ...(values.traffic === undefined ? {} : { trafficLevel: values.traffic as TrafficLevel }) };
  const result = await renderVideo({
    seed,
    seconds,
    out: values.out,
    ...(values.truth === undefined ? {} : { truthOut: values.truth }),
    ...(width === undefined ? {} : { width }),
    ...(height === undefined ? {} : { height }),
    ...(fps === undefined ? {} : { fps }),
    sceneOptions,
  });
  const counts = Object.entries(result.counts)
    .map(([line, c]) => `${line} lr ${c.lr} rl ${c.rl}`)
    .join(', ');
  io.out(`${values.out}: ${result.frames} frames ${result.width}x${result.height} @ ${result.fps} fps, seed ${seed} | ${counts} | safety events ${result.truth.safety.length}`);
  if (values.truth !== undefined) io.out(`truth: ${values.truth}`);
  return 0;
}

