import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnoffGpioBinding } from '../../edge/hal/drivers/gpio-onoff.js';
import { RealClock } from '../../edge/hal/real-clock.js';
import { SimKernelGpio } from '../../sim/kernel-gpio.js';
import { simSysfsGpioFactory } from '../../sim/sysfs-gpio.js';
import { gpioContract, hardwareGpioTargetFromEnv, loopbackThroughBinding, reportHardwareGpioContractNotRun } from './gpio.js';

// onoff behind the simulated kernel of a Pi 4 on a Bookworm kernel (sysfs base 512), with a wire 19 -> 26.
gpioContract('OnoffGpioBinding on a simulated Pi 4 sysfs', async () => {
  const kernel = new SimKernelGpio();
  kernel.wire({ chip: 'gpiochip0', line: 19 }, { chip: 'gpiochip0', line: 26 });
  const sysfsRoot = await mkdtemp(join(tmpdir(), 'nutgiao-sysfs-'));
  await kernel.writeSysfsTree(sysfsRoot);
  const binding = new OnoffGpioBinding({ clock: new RealClock(), sysfsRoot, gpioFactory: simSysfsGpioFactory(kernel) });
  return {
    binding,
    outputPins: [5, 6, 13].map((line) => ({ chip: 'gpiochip0', line })),
    loopback: loopbackThroughBinding(binding, { chip: 'gpiochip0', line: 19 }, { chip: 'gpiochip0', line: 26 }),
    dispose: () => rm(sysfsRoot, { recursive: true, force: true }),
  };
});

const hardware = hardwareGpioTargetFromEnv();
if (hardware === undefined) {
  reportHardwareGpioContractNotRun('onoff');
} else {
  gpioContract(`OnoffGpioBinding on ${hardware.chip}`, async () => {
    const binding = new OnoffGpioBinding({ clock: new RealClock() });
    const { chip, loopback } = hardware;
    return {
      binding,
      outputPins: hardware.outputLines.map((line) => ({ chip, line })),
      ...(loopback && { loopback: loopbackThroughBinding(binding, { chip, line: loopback.from }, { chip, line: loopback.to }) }),
    };
  });
}
