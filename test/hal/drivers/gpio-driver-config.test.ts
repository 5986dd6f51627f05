import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GPIO_DRIVERS, validateConfig } from '../../../edge/config/index.js';
import { exampleRaw } from '../../config/example-raw.js';

// hardware.gpio picks a driver and carries that driver's own options; errors name the field.

function gpioResult(gpio: unknown) {
  const raw = exampleRaw();
  raw.hardware = { ...raw.hardware, gpio };
  return validateConfig(raw);
}

test('every GPIO driver validates with its defaults filled in', () => {
  const configured = GPIO_DRIVERS.map((driver) => {
    const result = gpioResult(driver === 'firmata' ? { driver, port: '/dev/ttyACM0' } : { driver });
    assert.ok(result.ok, `${driver}: ${result.ok ? '' : result.errors.join('; ')}`);
    return result.config.hardware.gpio;
  });
  assert.equal(configured, [
    { driver: 'sim' },
    { driver: 'onoff' },
    { driver: 'gpiod', pollIntervalMs: 5 },
    { driver: 'firmata', port: '/dev/ttyACM0', baudRate: 57_600 },
  ]);
});

test('a firmata board needs its serial port, as a device path', () => {
  const missing = gpioResult({ driver: 'firmata' });
  assert.equal(missing.ok ? [] : missing.errors, ['hardware.gpio.port: is required']);
  const windows = gpioResult({ driver: 'firmata', port: 'COM3' });
  assert.equal(windows.ok ? [] : windows.errors, ['hardware.gpio.port: must be a serial device path such as /dev/ttyACM0']);
});

test("one driver's option on another driver is an unknown field", () => {
  const result = gpioResult({ driver: 'onoff', baudRate: 57_600 });
  assert.equal(result.ok ? [] : result.errors, ['hardware.gpio.baudRate: unknown field (allowed: driver)']);
});

test.run();
