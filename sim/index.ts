/** The hardware simulator: every HAL interface backed by something a test or the fleet can drive. */
export { VirtualClock, type RunUntilOptions, type VirtualClockOptions } from './virtual-clock.js';
export {
  SimGpioBinding,
  type GpioErrorCode,
  type SimGpioFault,
  type SimGpioOptions,
  type SimGpioWrite,
  type SimLineMode,
  type SimPinChange,
} from './sim-gpio.js';
export { SceneFrameSource, type SceneFrameSourceOptions } from './scene/scene-frame-source.js';
export { ApproachScene } from './scene/approach-scene.js';
export { SimSystemInfo } from './sim-system-info.js';
export { SimWatchdog, type SimWatchdogEvent, type SimWatchdogOptions } from './sim-watchdog.js';
export { seededRandom } from './seeded-random.js';
