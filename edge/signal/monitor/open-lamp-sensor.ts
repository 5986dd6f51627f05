import type { Config } from '../../config/schema.js';
import type { Clock } from '../../hal/clock.js';
import type { GpioBinding, PinSpec } from '../../hal/gpio.js';
import { GpioReadbackLampSensor, type ReadbackGroup } from '../../hal/gpio-readback-lamp-sensor.js';
import type { LampSensor } from '../../hal/lamp-sensor.js';
import type { SimGpioBinding } from '../../../sim/sim-gpio.js';

const READBACK_LAMPS = ['red', 'amber', 'green', 'dontWalk', 'walk'] as const;

/**
 * The lamp sensor config.monitor.sensor names: `gpio` reads a readback input per lamp; `sim` senses the
 * simulator's lamps on the SimGpioBinding that drives them (loaded on demand, so a cabinet build never
 * imports the simulator).
 */
export async function openLampSensor(config: Pick<Config, 'monitor' | 'signal'>, gpio: GpioBinding, clock: Clock): Promise<LampSensor> {
  const { monitor, signal } = config;
  if (monitor.sensor === 'sim') {
    if (!isSimBinding(gpio)) throw new Error(`monitor.sensor: 'sim' senses the simulator's lamps, but the GPIO driver is '${gpio.name}'; use sensor: gpio with monitor.readback`);
    const { SimLamps } = await import('../../../sim/sim-lamps.js');
    return new SimLamps(gpio, signal.groups, signal.flashRelay);
  }
  const groups: ReadbackGroup[] = signal.groups.map((group) => {
    const entry = monitor.readback.find((candidate) => candidate.group === group.id);
    if (entry === undefined) throw new Error(`monitor.readback: group '${group.id}' has no readback entry`);
    const inputs: Record<string, PinSpec> = {};
    for (const lamp of READBACK_LAMPS) {
      const pin = entry[lamp];
      if (pin !== undefined) inputs[lamp] = pin;
    }
    return { id: group.id, kind: group.kind, inputs };
  });
  return GpioReadbackLampSensor.open(gpio, clock, groups, {
    debounceMs: monitor.readbackDebounceMs,
    ...(monitor.flashRelayReadback ? { flashRelayInput: monitor.flashRelayReadback } : {}),
  });
}

/** By shape, not instanceof: the test runner may load the simulator twice (CommonJS and ESM). */
function isSimBinding(gpio: GpioBinding): gpio is SimGpioBinding {
  return gpio.name === 'sim' && typeof (gpio as Partial<SimGpioBinding>).outputLevel === 'function';
}
