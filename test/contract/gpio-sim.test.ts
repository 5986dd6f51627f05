import { SimGpioBinding } from '../../sim/sim-gpio.js';
import { VirtualClock } from '../../sim/virtual-clock.js';
import { gpioContract } from './gpio.js';

gpioContract('SimGpioBinding', async () => {
  const binding = new SimGpioBinding({ clock: new VirtualClock() });
  return {
    binding,
    outputPins: [
      { chip: 'gpiochip0', line: 5 },
      { chip: 'gpiochip0', line: 6 },
      { chip: 'gpiochip0', line: 13 },
    ],
    loopback: {
      inputPin: { chip: 'gpiochip0', line: 26 },
      async driveInput(pin, level) {
        binding.setInput(pin.chip, pin.line, level);
      },
    },
  };
});
