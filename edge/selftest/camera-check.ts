import type { FrameSource } from '../hal/camera.js';
import { ImageStats } from '../vision/image-stats.js';
import type { CheckRow, SelftestCheck } from './selftest-check.js';
import { row } from './selftest-check.js';

export interface CameraUnderTest {
  id: string;
  /** The fps the config asks of the source. */
  configuredFps: number;
  /** Opens the source as the node would (edge/main.ts's camera factories). */
  open: () => Promise<FrameSource>;
  /** Mean gray level below which the image is too dark (cameras[].health.darkBelow). */
  darkBelow: number;
  /** Powers the camera for its capture (cameras[].health.powerRelay); resolves to what switches it back. */
  powerOn?: () => Promise<() => Promise<void>>;
}

export interface CameraCheckOptions {
  cameras: readonly CameraUnderTest[];
  /** Length of the capture per camera, ms of real time. */
  captureMs: number;
  /** Mean gray level above which the image is washed out. */
  brightAbove?: number;
  /** Mean gradient (ImageStats.sharpness) below which the image is taken for out of focus or smeared. */
  minSharpness?: number;
}

interface Capture {
  frames: number;
  firstTsMs: number;
  lastTsMs: number;
  meanLuma: number;
  sharpness: number;
  dropped: number;
}

/**
 * Camera: a short capture from each configured source. Frames arrive; measured fps against the
 * configured fps (from the frames' own capture times); exposure as the mean luma; focus as the mean
 * gradient (the measure camera health uses). Each camera gets its own rows and its own failure.
 */
export function cameraCheck(options: CameraCheckOptions): SelftestCheck {
  return {
    name: 'camera',
    timeoutMs: options.cameras.length * (options.captureMs + 10_000) + 1000,
    async run() {
      if (options.cameras.length === 0) return [row('camera', 'pass', 'no cameras configured')];
      const rows: CheckRow[] = [];
      for (const camera of options.cameras) rows.push(...(await testCamera(camera, options)));
      return rows;
    },
  };
}

async function testCamera(camera: CameraUnderTest, options: CameraCheckOptions): Promise<CheckRow[]> {
  const name = `camera ${camera.id}`;
  let capture: Capture;
  let powerOff: (() => Promise<void>) | null = null;
  try {
    powerOff = (await camera.powerOn?.()) ?? null;
    capture = await captureFrames(await camera.open(), options.captureMs);
  } catch (error) {
    return [row(name, 'fail', `cannot capture: ${(error as Error).message}`)];
  } finally {
    await powerOff?.().catch(() => undefined);
  }
  const seconds = options.captureMs / 1000;
  if (capture.frames < 2) {
    return [row(name, 'fail', `${capture.frames === 0 ? 'no frame' : 'a single frame'} in ${seconds} s: check the cable, power (powerRelay), device path or stream URL`, { frames: capture.frames })];
  }
  const fps = ((capture.frames - 1) * 1000) / Math.max(1, capture.lastTsMs - capture.firstTsMs);
  const ratio = fps / camera.configuredFps;
  const fpsMeasured = { frames: capture.frames, fps, configuredFps: camera.configuredFps, dropped: capture.dropped };
  const fpsRow =
    ratio < 0.5
      ? row(`${name} fps`, 'fail', `${fps.toFixed(1)} fps, under half the configured ${camera.configuredFps}`, fpsMeasured)
      : ratio < 0.8
        ? row(`${name} fps`, 'warn', `${fps.toFixed(1)} fps, below the configured ${camera.configuredFps}`, fpsMeasured)
        : row(`${name} fps`, 'pass', `frames arrive at ${fps.toFixed(1)} fps (configured ${camera.configuredFps})`, fpsMeasured);
  const brightAbove = options.brightAbove ?? 235;
  const luma = { meanLuma: capture.meanLuma, darkBelow: camera.darkBelow, brightAbove };
  const exposureRow =
    capture.meanLuma < camera.darkBelow
      ? row(`${name} exposure`, 'warn', `too dark: mean luma ${capture.meanLuma.toFixed(0)} below ${camera.darkBelow} (lens covered, night without infrared, exposure)`, luma)
      : capture.meanLuma > brightAbove
        ? row(`${name} exposure`, 'warn', `washed out: mean luma ${capture.meanLuma.toFixed(0)} above ${brightAbove} (sun in the lens, exposure)`, luma)
        : row(`${name} exposure`, 'pass', `mean luma ${capture.meanLuma.toFixed(0)} within ${camera.darkBelow}..${brightAbove}`, luma);
  const minSharpness = options.minSharpness ?? 2;
  const focus = { sharpness: capture.sharpness, minSharpness };
  const focusRow =
    capture.sharpness < minSharpness
      ? row(`${name} focus`, 'warn', `soft: mean gradient ${capture.sharpness.toFixed(2)} below ${minSharpness} (focus, a dirty or fogged lens, or a blank scene)`, focus)
      : row(`${name} focus`, 'pass', `mean gradient ${capture.sharpness.toFixed(2)} (at least ${minSharpness})`, focus);
  return [fpsRow, exposureRow, focusRow];
}

async function captureFrames(source: FrameSource, captureMs: number): Promise<Capture> {
  const stats = new ImageStats(source.width, source.height);
  const capture: Capture = { frames: 0, firstTsMs: 0, lastTsMs: 0, meanLuma: 0, sharpness: 0, dropped: 0 };
  let lumaSum = 0;
  let sharpnessSum = 0;
  await source.start((frame) => {
    if (capture.frames === 0) capture.firstTsMs = frame.tsMs;
    capture.lastTsMs = frame.tsMs;
    capture.frames++;
    stats.measure(frame.data);
    lumaSum += stats.mean;
    sharpnessSum += stats.sharpness;
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, captureMs));
  } finally {
    await source.stop();
  }
  if (capture.frames > 0) {
    capture.meanLuma = lumaSum / capture.frames;
    capture.sharpness = sharpnessSum / capture.frames;
  }
  capture.dropped = source.stats().framesDropped;
  return capture;
}
