import type { SysfsGpio, SysfsGpioFactory } from '../edge/hal/drivers/gpio-onoff.js';
import type { Level } from '../edge/hal/gpio.js';
import { KernelGpioError, type SimKernelGpio } from './kernel-gpio.js';

/**
 * onoff's `new Gpio(n, direction, edge)` over the simulated kernel, behaving as onoff does on a Pi:
 * exporting a number no chip covers fails with EINVAL (a BCM number on a Bookworm kernel), a line a
 * kernel driver or gpiod user holds fails with EBUSY, and a GPIO already exported through sysfs is
 * silently reused (onoff checks /sys/class/gpio/gpioN and skips the export).
 */
export function simSysfsGpioFactory(kernel: SimKernelGpio): SysfsGpioFactory {
  return (gpio, direction, edge) => {
    const { chip, offset } = kernel.sysfsLine(gpio);
    const holder = kernel.consumer(chip.name, offset);
    if (holder !== null && holder !== SYSFS_CONSUMER) {
      throw new KernelGpioError('EBUSY', `resource busy, write to /sys/class/gpio/export (${chip.name}:${offset} held by ${holder})`);
    }
    if (holder === null) kernel.request(chip.name, offset, SYSFS_CONSUMER, 'in');
    const output: Level | undefined = direction === 'high' ? 1 : direction === 'low' ? 0 : undefined;
    if (output !== undefined) {
      kernel.release(chip.name, offset);
      kernel.request(chip.name, offset, SYSFS_CONSUMER, 'out', output);
    }
    return new SimSysfsGpio(kernel, chip.name, offset, edge === 'both');
  };
}

const SYSFS_CONSUMER = 'sysfs';

class SimSysfsGpio implements SysfsGpio {
  private readonly removers: (() => void)[] = [];
  private exported = true;

  constructor(
    private readonly kernel: SimKernelGpio,
    private readonly chip: string,
    private readonly offset: number,
    private readonly interrupts: boolean,
  ) {}

  async read(): Promise<number> {
    this.assertExported();
    return this.kernel.getValue(this.chip, this.offset);
  }

  async write(value: Level): Promise<void> {
    this.assertExported();
    this.kernel.setValue(this.chip, this.offset, value);
  }

  watch(callback: (error: Error | null | undefined, value: number) => void): void {
    // onoff reads the value file after each interrupt; with edge 'none' there are no interrupts at all.
    if (!this.interrupts) return;
    this.removers.push(this.kernel.watch(this.chip, this.offset, (level) => callback(null, level)));
  }

  unwatchAll(): void {
    for (const remove of this.removers.splice(0)) remove();
  }

  unexport(): void {
    if (!this.exported) return;
    this.exported = false;
    this.unwatchAll();
    this.kernel.release(this.chip, this.offset);
  }

  private assertExported(): void {
    // The value file onoff keeps open answers EIO once the GPIO is unexported.
    if (!this.exported) throw Object.assign(new Error('EIO: gpio was unexported'), { code: 'EIO' });
  }
}
