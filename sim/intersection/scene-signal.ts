import type { SignalAspect } from '../../protocol/index.js';
import type { SignalState } from '../scene/scene-types.js';

/**
 * What the simulated drivers of an approach do for each aspect the node shows: go on green and on a
 * flashing amber (proceed with caution), stop on amber and on red. Flashing red, dark heads and no
 * aspect yet (before the controller starts) are a stop: drivers treat them as a stop sign, and the
 * scene's traffic model has no stop-and-go, so they queue.
 */
export function sceneSignalState(aspect: SignalAspect | null): SignalState {
  switch (aspect) {
    case 'green':
    case 'flashing-amber':
      return 'green';
    case 'amber':
      return 'amber';
    default:
      return 'red';
  }
}
