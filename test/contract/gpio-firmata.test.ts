import { FirmataGpioBinding } from '../../edge/hal/drivers/gpio-firmata.js';
import { RealClock } from '../../edge/hal/real-clock.js';
import { connectSimFirmataDevice, SimFirmataDevice } from '../../sim/firmata-device.js';
import { gpioContract, hardwareGpioTargetFromEnv, loopbackThroughBinding, reportHardwareGpioContractNotRun } from './gpio.js';

// The whole path as on a relay card: johnny-five and firmata.js over serialport to a simulated Uno running
// StandardFirmata, with a wire on its header from pin 8 to pin 12.
let ports = 0;

gpioContract('FirmataGpioBinding on a simulated StandardFirmata board', async () => {
  const device = new SimFirmataDevice();
  device.wire(8, 12);
  const path = `/dev/ttySIMFIRMATA${ports++}`;
  const binding = await FirmataGpioBinding.open({ clock: new RealClock(), port: path, serialBinding: connectSimFirmataDevice(path, device) });
  return {
    binding,
    outputPins: [4, 5, 6].map((line) => ({ chip: 'firmata', line })),
    loopback: loopbackThroughBinding(binding, { chip: 'firmata', line: 8 }, { chip: 'firmata', line: 12 }),
  };
});

const port = process.env.NUTGIAO_TEST_FIRMATA_PORT;
const hardware = port ? hardwareGpioTargetFromEnv(process.env, 'firmata') : undefined;
if (port === undefined || port === '' || hardware === undefined) {
  reportHardwareGpioContractNotRun(
    'firmata',
    'set NUTGIAO_TEST_FIRMATA_PORT=/dev/ttyACM0 NUTGIAO_TEST_GPIO_OUTPUTS=4,5,6 and, with a wire from pin 8 to 12, NUTGIAO_TEST_GPIO_LOOPBACK=8>12',
  );
} else {
  gpioContract(`FirmataGpioBinding on ${port}`, async () => {
    const binding = await FirmataGpioBinding.open({ clock: new RealClock(), port });
    const { loopback } = hardware;
    return {
      binding,
      outputPins: hardware.outputLines.map((line) => ({ chip: 'firmata', line })),
      ...(loopback && { loopback: loopbackThroughBinding(binding, { chip: 'firmata', line: loopback.from }, { chip: 'firmata', line: loopback.to }) }),
    };
  });
}
