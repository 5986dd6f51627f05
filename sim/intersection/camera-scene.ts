import type { SignalAspect } from '../../protocol/index.js';
import { ApproachScene } from '../scene/approach-scene.js';
import type { TrafficLevel } from '../scene/scene-types.js';
import { sceneSignalState } from './scene-signal.js';

export interface CameraSceneOptions {
  seed: number;
  width: number;
  height: number;
  fps: number;
  traffic: TrafficLevel;
  /** The aspect of the group the approach obeys, or null to let the scene run its own fixed-time signal. */
  approachSignal: (() => SignalAspect | null) | null;
}

/**
 * Sensor noise of the simulated camera, gray levels (sigma). A real sensor is never noise-free; without
 * it an empty road at night repeats the same bytes and the camera-health check rightly calls it frozen.
 */
const SENSOR_NOISE_SIGMA = 2;

/** The scene a simulated camera (`source.kind: sim`) shows, for the node and for `nutgiao sim` alike. */
export function cameraScene(options: CameraSceneOptions): ApproachScene {
  const { approachSignal } = options;
  return new ApproachScene({
    seed: options.seed,
    width: options.width,
    height: options.height,
    fps: options.fps,
    trafficLevel: options.traffic,
    effects: { noise: SENSOR_NOISE_SIGMA },
    ...(approachSignal ? { signal: () => sceneSignalState(approachSignal()) } : {}),
  });
}
