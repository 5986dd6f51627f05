import type { LampSensor } from '../hal/lamp-sensor.js';
import type { Logger } from '../log.js';
import type { ControllerMode } from '../signal/controller/index.js';
import type { SignalService } from '../signal/signal-service.js';
import type { LampTestRig } from './lamp-check.js';

export interface RunningLampRigOptions {
  signal: SignalService;
  sensor: LampSensor;
  /** How long the controller may take to reach flash: its running minimum green, walk and clearances. */
  flashWithinMs: number;
  log: Logger;
  /** Told as each step begins, for the technician's progress view. */
  onStep?: (step: string) => void;
}

const POLL_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The lamp test's safe context on a running node. In order: the phase controller goes to flash through
 * its own minimum green, walk and clearances (nothing is cut short); it then stops writing the heads
 * (timing and heartbeat go on); the conflict monitor releases the flash-transfer relay, so the cabinet
 * flashes on its own flasher and no driven output reaches the road, and pauses its checks. The rig drives
 * the heads. Closing it switches every output off, lets the controller write its flash again, energises
 * the relay (unless a fault is latched) and returns the controller to the operator's mode, through all red.
 */
export async function openRunningLampRig(options: RunningLampRigOptions): Promise<LampTestRig> {
  const { signal, sensor, log } = options;
  const controller = signal.phaseController();
  const monitor = signal.conflictMonitor();
  const heads = signal.signalHeads();
  const previous: ControllerMode = controller.snapshot()?.mode ?? 'normal';
  const latched = () => monitor.latchedFault() !== null;
  const restoreMode = () => {
    // After a trip the signal service owns the mode (flash until a technician's reset); a mode someone
    // asked for meanwhile (set-mode, the page's controls) is theirs to keep.
    if (!latched() && previous !== 'flash' && controller.snapshot()?.mode === 'flash') controller.setMode(previous);
  };

  options.onStep?.('bringing the intersection to flash (minimum green and clearances are timed out)');
  controller.setMode('flash');
  const deadline = Date.now() + options.flashWithinMs;
  while (controller.snapshot()?.interval !== 'flash' && !latched()) {
    if (Date.now() > deadline) {
      restoreMode();
      throw new Error(`refused: the controller did not reach flash within ${options.flashWithinMs / 1000} s (interval ${controller.snapshot()?.interval ?? 'none'}); mode ${previous} restored`);
    }
    await sleep(POLL_MS);
  }

  options.onStep?.('releasing the flash-transfer relay (cabinet flash) and testing each lamp');
  await controller.suspendOutputs();
  let endHold: () => Promise<void>;
  try {
    endHold = await monitor.holdForLampTest();
  } catch (error) {
    await controller.resumeOutputs();
    restoreMode();
    throw error;
  }
  log.warn('lamp test on the running node: relay released, the controller paused its outputs', { previousMode: previous });

  let closed = false;
  return {
    async write(groupId, mask, value) {
      const lit = heads.lit(groupId);
      await heads.show(groupId, (lit & ~mask) | (value & mask));
    },
    read: () => sensor.read(),
    async close() {
      if (closed) return;
      closed = true;
      options.onStep?.(`lamp test over: outputs off, relay energised, returning to ${previous}`);
      try {
        await heads.release();
      } finally {
        // The controller's flash is on the heads before the relay brings them back to the road.
        await controller.resumeOutputs();
        await endHold();
        restoreMode();
        log.warn('lamp test on the running node over', { mode: previous, latched: latched() });
      }
    },
  };
}
