import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EXAMPLE_CONFIG_PATH, loadConfigFile, type Config } from '../../edge/config/index.js';
import { openLogicalOutputs } from '../../edge/hal/lines.js';
import { RealClock } from '../../edge/hal/real-clock.js';
import { createMemoryLogger } from '../../edge/log.js';
import { openCamera } from '../../edge/main.js';
import { cameraCheck } from '../../edge/selftest/camera-check.js';
import { runSelftest } from '../../edge/selftest/selftest-runner.js';
import { SignalBoard } from '../../edge/signal/signal-board.js';
import { SimGpioBinding } from '../../sim/sim-gpio.js';

/** Cameras opened through the node's own factories (edge/main.ts): the simulated scene, and files through ffmpeg. */
const test = suite('selftest: camera');

type CameraConfig = Config['cameras'][number];
let exampleCamera: CameraConfig;

test.before(async () => {
  const loaded = await loadConfigFile(EXAMPLE_CONFIG_PATH);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  exampleCamera = loaded.config.cameras[0]!;
});

function underTest(camera: CameraConfig) {
  return { id: camera.id, configuredFps: camera.source.fps, darkBelow: 20, open: () => openCamera(camera, new RealClock(), createMemoryLogger(), new SignalBoard()) };
}

test('the simulated camera: frames at its fps, exposed and sharp', async () => {
  const { rows, passed } = await runSelftest([cameraCheck({ cameras: [underTest(exampleCamera)], captureMs: 1200 })]);
  assert.is(passed, true, JSON.stringify(rows));
  assert.equal(rows.map((entry) => [entry.check, entry.status]), [
    ['camera cam1 fps', 'pass'],
    ['camera cam1 exposure', 'pass'],
    ['camera cam1 focus', 'pass'],
  ]);
  const fps = rows[0]!.measured.fps as number;
  assert.ok(fps > 13 && fps < 17, `measured ${fps} fps against 15 configured`);
});

test('a camera behind a power relay is powered for its capture and let go after', async () => {
  const gpio = new SimGpioBinding({ clock: new RealClock() });
  const relay = { chip: 'gpiochip0', line: 33 };
  const levelsAtOpen: number[] = [];
  const camera = {
    ...underTest(exampleCamera),
    open: () => (levelsAtOpen.push(gpio.outputLevel(relay.chip, relay.line)), underTest(exampleCamera).open()),
    powerOn: async () => {
      const bank = await openLogicalOutputs(gpio, [relay], 1);
      return () => bank.close();
    },
  };
  const { passed } = await runSelftest([cameraCheck({ cameras: [camera], captureMs: 500 })]);
  assert.is(passed, true);
  assert.equal(levelsAtOpen, [1]);
  await gpio.openOutputs([relay], 0); // released: free for the node
});

test('a dead camera (its source cannot deliver) fails with the hint; the others still report', async () => {
  const dead: CameraConfig = { ...exampleCamera, id: 'dead', source: { kind: 'file', path: '/nonexistent/camera.mp4', loop: true, width: 320, height: 240, fps: 15 } };
  const { rows, passed } = await runSelftest([cameraCheck({ cameras: [underTest(dead), underTest(exampleCamera)], captureMs: 1000 })]);
  assert.is(passed, false);
  assert.is(rows[0]!.check, 'camera dead');
  assert.is(rows[0]!.status, 'fail');
  assert.match(rows[0]!.detail, /^no frame in 1 s: check the cable/);
  assert.equal(rows.slice(1).map((entry) => entry.status), ['pass', 'pass', 'pass']);
});

test('a black, featureless picture: exposure and focus warn', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nutgiao-selftest-cam-'));
  const path = join(dir, 'black.mp4');
  await promisify(execFile)('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=black:s=320x240:r=15', '-t', '3', '-pix_fmt', 'yuv420p', path]);
  const black: CameraConfig = { ...exampleCamera, id: 'black', source: { kind: 'file', path, loop: true, width: 320, height: 240, fps: 15 } };
  const { rows } = await runSelftest([cameraCheck({ cameras: [underTest(black)], captureMs: 1500 })]);
  const byName = Object.fromEntries(rows.map((entry) => [entry.check, entry]));
  assert.is(byName['camera black exposure']?.status, 'warn', JSON.stringify(rows));
  assert.match(byName['camera black exposure']!.detail, /^too dark: mean luma \d+ below 20/);
  assert.is(byName['camera black focus']?.status, 'warn');
});

test.run();
