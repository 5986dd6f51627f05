import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError, type CommandIo } from '../../../edge/cli/command.js';
import { renderCommand } from '../../../sim/scene/render-command.js';
import { renderVideo, type RenderedTruth } from '../../../sim/scene/render-video.js';

const run = promisify(execFile);

async function decodedFrames(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height', '-of', 'csv=p=0', file]);
  const [width, height, frames] = stdout.trim().split(',').map(Number);
  assert.equal([width, height], [320, 240]);
  return frames!;
}

function captureIo(cwd: string): CommandIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (line) => lines.push(line), err: (line) => lines.push(line), cwd, env: {}, onInterrupt: () => undefined };
}

test('renderVideo writes a playable H.264 file and the truth file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nutgiao-render-'));
  try {
    const out = join(dir, 'scene.mp4');
    const truthOut = join(dir, 'truth.json');
    const result = await renderVideo({ seed: 5, seconds: 4, out, truthOut, sceneOptions: { trafficLevel: 'heavy', effects: { noise: 3, shadows: true } } });
    assert.is(await decodedFrames(out), 60);
    const written = JSON.parse(await readFile(truthOut, 'utf8')) as RenderedTruth;
    assert.is(written.frames, 60);
    assert.equal(written.countLines, result.countLines);
    assert.equal(Object.keys(written.counts), ['stop', 'count']);
    assert.ok(written.truth.vehicles.length > 5);
    assert.ok(written.truth.crossings.every((c) => c.frame < 60));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('renderVideo rejects with ffmpeg stderr when ffmpeg fails', async () => {
  const error = await renderVideo({ seed: 1, seconds: 1, out: '/nonexistent-dir/x.mp4' }).then(
    () => null,
    (reason: Error) => reason,
  );
  assert.instance(error, Error);
  assert.match(error!.message, /ffmpeg exited with/);
  assert.match(error!.message, /nonexistent-dir/);
});

test('nutgiao sim render: writes the video and truth, and names a bad option', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nutgiao-render-cmd-'));
  try {
    const io = captureIo(dir);
    const out = join(dir, 'a.mp4');
    const code = await renderCommand(['--seed', '3', '--seconds', '2', '--out', out, '--truth', join(dir, 't.json'), '--traffic', 'light', '--fps', '10'], io);
    assert.is(code, 0);
    assert.is(await decodedFrames(out), 20);
    assert.match(io.lines[0]!, /20 frames 320x240 @ 10 fps, seed 3/);
    const bad = async (argv: string[], pattern: RegExp): Promise<void> => {
      try {
        await renderCommand(argv, io);
        assert.unreachable(`${argv.join(' ')} should fail`);
      } catch (error) {
        assert.instance(error, UsageError);
        assert.match((error as Error).message, pattern);
      }
    };
    await bad(['--seed', 'x', '--seconds', '2', '--out', out], /--seed/);
    await bad(['--seed', '1', '--seconds', '2', '--out', out, '--traffic', 'jammed'], /--traffic/);
    await bad(['--seed', '1', '--out', out], /--seconds/);
    await bad(['--seed', '1', '--seconds', '2', '--out', out, '--colour', 'red'], /--colour/);
    await bad(['--seed', '1', '--seconds', '2', '--out', out, '--preset', 'nope'], /--preset/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
