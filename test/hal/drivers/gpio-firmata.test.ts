import { SerialPortMock } from 'serialport';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FirmataGpioBinding } from '../../../edge/hal/drivers/gpio-firmata.js';
import { GpioError } from '../../../edge/hal/gpio.js';
import { RealClock } from '../../../edge/hal/real-clock.js';
import { connectSimFirmataDevice, PIN_MODE, SimFirmataDevice } from '../../../sim/firmata-device.js';

interface FirmataRig {
  device: SimFirmataDevice;
  binding: FirmataGpioBinding;
}

let ports = 0;
const nextPath = () => `/dev/ttySIMFIRMATA-unit${ports++}`;

const it = suite<FirmataRig>('firmata gpio: driver through a simulated StandardFirmata board');

it.before.each(async (context) => {
  context.device = new SimFirmataDevice();
  const path = nextPath();
  context.binding = await FirmataGpioBinding.open({ clock: new RealClock(), port: path, serialBinding: connectSimFirmataDevice(path, context.device) });
});

it.after.each(async ({ binding }) => {
  await binding.close();
});

it('becomes ready on the handshake and lists the board', async ({ binding, device }) => {
  const [chip] = await binding.list();
  assert.is(chip!.chip, 'firmata');
  assert.match(chip!.label, '/dev/ttySIMFIRMATA-unit');
  assert.is(chip!.lines, 20);
  const commands = device.received.map((c) => (c.command === 'SYSEX' ? `SYSEX ${c.id.toString(16)}` : c.command));
  assert.ok(commands.includes('SYSEX 6b') && commands.includes('SYSEX 69'), `capability and analog mapping queried: ${commands}`);
});

it('a masked write of several pins on one port is one DIGITAL_MESSAGE, so a head changes at once', async ({ binding, device }) => {
  const head = await binding.openOutputs([4, 5, 6].map((line) => ({ chip: 'firmata', line })), 0b000);
  await settleWrites();
  const before = device.digitalMessages().length;
  await head.write(0b111, 0b101);
  await waitFor(() => device.digitalMessages().length > before);
  assert.equal(device.digitalMessages().slice(before), [{ port: 0, value: 0b0101_0000 }]);
  assert.equal([4, 5, 6].map((pin) => device.level(pin)), [1, 0, 1]);
});

it('a write spanning two ports sends one message per port; an unchanged write sends none', async ({ binding, device }) => {
  const bank = await binding.openOutputs([6, 7, 8, 9].map((line) => ({ chip: 'firmata', line })), 0);
  await settleWrites();
  const before = device.digitalMessages().length;
  await bank.write(0b1111, 0b1111);
  await waitFor(() => device.digitalMessages().length >= before + 2);
  assert.equal(device.digitalMessages().slice(before), [
    { port: 0, value: 0b1100_0000 },
    { port: 1, value: 0b0000_0011 },
  ]);
  await bank.write(0b1111, 0b1111);
  await settleWrites();
  assert.is(device.digitalMessages().length, before + 2);
  assert.equal([6, 7, 8, 9].map((pin) => device.level(pin)), [1, 1, 1, 1]);
});

it('an output opened high gets its level before its mode, and a closed bank leaves the pin high-impedance', async ({ binding, device }) => {
  const bank = await binding.openOutputs([{ chip: 'firmata', line: 10 }], 1);
  // StandardFirmata starts every digital pin as an OUTPUT driving LOW; wait for the driver's own commands.
  await waitFor(() => device.received.some((c) => c.command === 'SET_PIN_MODE' && c.pin === 10));
  const sent = device.received.filter((c) => (c.command === 'DIGITAL_MESSAGE' && c.port === 1) || (c.command === 'SET_PIN_MODE' && c.pin === 10));
  assert.equal(sent.map((c) => c.command), ['DIGITAL_MESSAGE', 'SET_PIN_MODE']);
  assert.is(device.mode(10), PIN_MODE.OUTPUT);
  assert.is(device.level(10), 1);
  await bank.close();
  await waitFor(() => device.mode(10) === PIN_MODE.INPUT);
});

it('an input reads the board pin and reports its changes', async ({ binding, device }) => {
  device.setInput(3, 1);
  const input = await binding.openInput({ chip: 'firmata', line: 3 }, 'both');
  assert.is(await input.read(), 1);
  const seen: number[] = [];
  input.onEdge((level) => seen.push(level));
  device.setInput(3, 0);
  await waitFor(() => seen.length === 1);
  assert.equal(seen, [0]);
  assert.is(await input.read(), 0);
});

it("an output write leaves a high input on the same port alone (a 1 there would switch on its pull-up)", async ({ binding, device }) => {
  device.setInput(12, 1);
  const input = await binding.openInput({ chip: 'firmata', line: 12 }, 'both');
  assert.is(await input.read(), 1);
  const output = await binding.openOutputs([{ chip: 'firmata', line: 8 }], 0);
  await output.write(1, 1);
  await waitFor(() => device.level(8) === 1);
  assert.is(device.mode(12), PIN_MODE.INPUT, 'no pull-up switched on behind the input');
  assert.equal(device.digitalMessages().filter((m) => m.port === 1).map((m) => m.value & 0b0001_0000), [0, 0]);
  assert.is(await input.read(), 1);
});

it('the serial pins 0 and 1 and pins past the board are EINVAL; another chip is ENOENT', async ({ binding }) => {
  const serialPin = await rejection(binding.openOutputs([{ chip: 'firmata', line: 1 }], 0));
  assert.is(serialPin.code, 'EINVAL');
  assert.match(serialPin.message, 'not a digital pin');
  assert.is((await rejection(binding.openOutputs([{ chip: 'firmata', line: 20 }], 0))).code, 'EINVAL');
  assert.is((await rejection(binding.openOutputs([{ chip: 'gpiochip0', line: 4 }], 0))).code, 'ENOENT');
});

it.run();

const opening = suite('firmata gpio: opening the port');

opening('a port where no board answers fails with EIO after readyTimeoutMs, and the port is closed again', async () => {
  const path = nextPath();
  SerialPortMock.binding.createPort(path);
  const started = Date.now();
  const error = await rejection(FirmataGpioBinding.open({ clock: new RealClock(), port: path, readyTimeoutMs: 200, serialBinding: SerialPortMock.binding }));
  assert.is(error.code, 'EIO');
  assert.match(error.message, 'no Firmata board answered');
  assert.ok(Date.now() - started < 2000);
  const reopened = await SerialPortMock.binding.open({ path, baudRate: 57600 });
  await reopened.close();
});

opening('a serial device that does not exist fails naming hardware.gpio.port', async () => {
  const error = await rejection(FirmataGpioBinding.open({ clock: new RealClock(), port: '/dev/ttyNUTGIAO-absent', readyTimeoutMs: 2000 }));
  assert.is(error.code, 'ENOENT');
  assert.match(error.message, 'hardware.gpio.port');
});

opening.run();

/** firmata.js hands writes to the port asynchronously; the device sees them a few ticks later. */
async function settleWrites(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
}

async function waitFor(condition: () => boolean, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.unreachable(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function rejection(promise: Promise<unknown>): Promise<GpioError> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, GpioError);
    return error as GpioError;
  }
  return assert.unreachable('expected a GpioError') as never;
}
