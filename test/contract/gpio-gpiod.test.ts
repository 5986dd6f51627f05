import { GpiodGpioBinding } from '../../edge/hal/drivers/gpio-gpiod.js';
import { RealClock } from '../../edge/hal/real-clock.js';
import { SimKernelGpio } from '../../sim/kernel-gpio.js';
import { SimLibgpiod } from '../../sim/libgpiod.js';
import { gpioContract, hardwareGpioTargetFromEnv, loopbackThroughBinding, reportHardwareGpioContractNotRun } from './gpio.js';

// node-libgpiod's calls answered by the simulated kernel of a Pi 4, with a wire 19 -> 26. The driver
// samples inputs (node-libgpiod 0.5 cannot read edge events), so the loopback holds each level for three
// sampling periods, as a real detector pulse lasts far longer than that.
const POLL_INTERVAL_MS = 2;
const HOLD_MS = 3 * POLL_INTERVAL_MS;

gpioContract('GpiodGpioBinding on a simulated Pi 4 chardev', async () => {
  const kernel = new SimKernelGpio();
  kernel.wire({ chip: 'gpiochip0', line: 19 }, { chip: 'gpiochip0', line: 26 });
  const binding = new GpiodGpioBinding({ clock: new RealClock(), libgpiod: new SimLibgpiod(kernel), pollIntervalMs: POLL_INTERVAL_MS });
  return {
    binding,
    outputPins: [5, 6, 13].map((line) => ({ chip: 'gpiochip0', line })),
    loopback: loopbackThroughBinding(binding, { chip: 'gpiochip0', line: 19 }, { chip: 'gpiochip0', line: 26 }, HOLD_MS),
  };
});

const hardware = hardwareGpioTargetFromEnv();
if (hardware === undefined) {
  reportHardwareGpioContractNotRun('gpiod');
} else {
  gpioContract(`GpiodGpioBinding on ${hardware.chip}`, async () => {
    const binding = new GpiodGpioBinding({ clock: new RealClock(), pollIntervalMs: POLL_INTERVAL_MS });
    const { chip, loopback } = hardware;
    return {
      binding,
      outputPins: hardware.outputLines.map((line) => ({ chip, line })),
      ...(loopback && { loopback: loopbackThroughBinding(binding, { chip, line: loopback.from }, { chip, line: loopback.to }, HOLD_MS) }),
    };
  });
}
