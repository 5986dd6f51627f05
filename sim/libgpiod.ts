import type { LibgpiodApi, LibgpiodChip, LibgpiodLine } from '../edge/hal/drivers/gpio-gpiod.js';
import type { Level } from '../edge/hal/gpio.js';
import { KernelGpioError, type SimKernelChip, type SimKernelGpio } from './kernel-gpio.js';

/**
 * node-libgpiod 0.5 over the simulated kernel, failing as libgpiod 1.6 does: opening an unknown chip
 * answers ENOENT, getLine past the chip's lines EINVAL, requesting a line someone holds EBUSY, and a
 * released line's value calls fail (EPERM) until it is requested again.
 */
export class SimLibgpiod implements LibgpiodApi {
  constructor(private readonly kernel: SimKernelGpio) {}

  chipNames(): string[] {
    return this.kernel.chips().map((chip) => chip.name);
  }

  openChip(nameOrLabel: string): LibgpiodChip {
    return new SimLibgpiodChip(this.kernel, this.kernel.chip(nameOrLabel));
  }
}

class SimLibgpiodChip implements LibgpiodChip {
  constructor(
    private readonly kernel: SimKernelGpio,
    private readonly spec: SimKernelChip,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get label(): string {
    return this.spec.label;
  }

  get numberOfLines(): number {
    return this.spec.lines;
  }

  getLine(offset: number): LibgpiodLine {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.spec.lines) {
      throw new KernelGpioError('EINVAL', `::getLine ${offset} on ${this.spec.name}`);
    }
    return new SimLibgpiodLine(this.kernel, this.spec.name, offset);
  }
}

class SimLibgpiodLine implements LibgpiodLine {
  private requested = false;

  constructor(
    private readonly kernel: SimKernelGpio,
    private readonly chip: string,
    private readonly offset: number,
  ) {}

  requestOutputMode(consumer: string, value: Level): void {
    this.kernel.request(this.chip, this.offset, consumer, 'out', value);
    this.requested = true;
  }

  requestInputMode(consumer: string): void {
    this.kernel.request(this.chip, this.offset, consumer, 'in');
    this.requested = true;
  }

  getValue(): number {
    this.assertRequested('::getValue');
    return this.kernel.getValue(this.chip, this.offset);
  }

  setValue(value: Level): void {
    this.assertRequested('::setValue');
    this.kernel.setValue(this.chip, this.offset, value);
  }

  release(): void {
    if (!this.requested) return;
    this.requested = false;
    this.kernel.release(this.chip, this.offset);
  }

  private assertRequested(call: string): void {
    if (!this.requested) throw new KernelGpioError('EPERM', `${call}: ${this.chip}:${this.offset} is not requested`);
  }
}
