import type { Clock } from '../clock.js';
import { GpioError, type Level, type PinSpec } from '../gpio.js';
import { gpioErrorFrom, LineGpioBinding, type BackendInput, type BackendOutput, type LineBackend, type LineChange, type LocatedLine } from './gpio-line-binding.js';
import { readSysfsGpioChips, sysfsNumberOf, SYSFS_GPIO_ROOT, type SysfsGpioChip } from './sysfs-gpio-chips.js';

/**
 * GPIO through the Linux sysfs interface (/sys/class/gpio) with npm `onoff` (6.x, compiles `epoll`).
 * Sysfs is deprecated upstream but still on every Raspberry Pi OS kernel; prefer the `gpiod` driver where
 * libgpiod is installed. Pins are named {chip, line} and mapped to sysfs numbers through the chips' bases
 * (sysfs-gpio-chips.ts), never by assuming BCM numbers.
 *
 * A sysfs export is not exclusive: onoff silently reuses a GPIO someone else exported, so this binding
 * keeps its own table of held lines (EBUSY) on top of what the kernel refuses (a line a kernel driver or
 * a gpiod user holds answers EBUSY on export).
 */

/** The part of onoff's Gpio this driver uses, so tests can put the simulated kernel (sim/sysfs-gpio.ts) behind it. */
export interface SysfsGpio {
  read(): Promise<number>;
  write(value: Level): Promise<void>;
  watch(callback: (error: Error | null | undefined, value: number) => void): void;
  unwatchAll(): void;
  unexport(): void;
}

/** new Gpio(gpio, direction, edge): exports the GPIO and configures it, throwing errno errors as the kernel answers. */
export type SysfsGpioFactory = (gpio: number, direction: 'in' | 'high' | 'low', edge: 'none' | 'both') => SysfsGpio;

export interface OnoffGpioOptions {
  clock: Clock;
  /** Where the chips are listed; only tests change it (onoff itself always uses /sys/class/gpio). */
  sysfsRoot?: string;
  /** Opens a GPIO; default: onoff's Gpio class, loaded on first use. */
  gpioFactory?: SysfsGpioFactory;
}

export class OnoffGpioBinding extends LineGpioBinding<number, OnoffOutput> {
  constructor(options: OnoffGpioOptions) {
    super(new OnoffBackend(options.sysfsRoot ?? SYSFS_GPIO_ROOT, options.gpioFactory), { name: 'onoff', clock: options.clock, describe: 'onoff gpio' });
  }
}

interface OnoffOutput extends BackendOutput {
  gpio: SysfsGpio;
}

class OnoffBackend implements LineBackend<number, OnoffOutput> {
  private chips: SysfsGpioChip[] | undefined;

  constructor(
    private readonly sysfsRoot: string,
    private factory: SysfsGpioFactory | undefined,
  ) {}

  async list() {
    return (await this.readChips()).map((chip) => ({ chip: chip.chardevName ?? chip.sysfsName, label: chip.label, lines: chip.ngpio }));
  }

  async locate(pin: PinSpec): Promise<LocatedLine<number>> {
    const gpio = sysfsNumberOf(pin, await this.readChips());
    return { key: `sysfs:${gpio}`, address: gpio };
  }

  async openOutput(gpio: number, level: Level): Promise<OnoffOutput> {
    // 'high'/'low' sets direction and level in one write to the direction file: no glitch at open.
    const handle = await this.open(gpio, level === 1 ? 'high' : 'low', 'none');
    return { gpio: handle, release: async () => handle.unexport() };
  }

  async openInput(gpio: number, onLevel: (level: Level) => void): Promise<BackendInput> {
    const handle = await this.open(gpio, 'in', 'both');
    const read = async (): Promise<Level> => {
      try {
        return ((await handle.read()) === 1 ? 1 : 0) as Level;
      } catch (error) {
        throw gpioErrorFrom(error, `onoff gpio: reading sysfs ${gpio}`);
      }
    };
    onLevel(await read());
    handle.watch((error, value) => {
      if (!error) onLevel(value === 1 ? 1 : 0);
    });
    return {
      read,
      release: async () => {
        handle.unwatchAll();
        handle.unexport();
      },
    };
  }

  async write(changes: readonly LineChange<OnoffOutput>[]): Promise<void> {
    // Sysfs has no multi-line write: one value-file write per changed line, back to back.
    for (const { output, level } of changes) {
      try {
        await output.gpio.write(level);
      } catch (error) {
        throw gpioErrorFrom(error, 'onoff gpio: write');
      }
    }
  }

  async close(): Promise<void> {}

  private async readChips(): Promise<SysfsGpioChip[]> {
    this.chips ??= await readSysfsGpioChips(this.sysfsRoot);
    return this.chips;
  }

  private async open(gpio: number, direction: 'in' | 'high' | 'low', edge: 'none' | 'both'): Promise<SysfsGpio> {
    this.factory ??= await loadOnoff();
    try {
      return this.factory(gpio, direction, edge);
    } catch (error) {
      throw gpioErrorFrom(error, `onoff gpio: opening sysfs GPIO ${gpio}`);
    }
  }
}

/** onoff is an optional dependency: its epoll addon compiles at install and needs make and g++. */
export const ONOFF_MISSING_MESSAGE = 'onoff driver needs the onoff package: apt-get install make g++ && npm install onoff';

async function loadOnoff(): Promise<SysfsGpioFactory> {
  let Gpio: typeof import('onoff').Gpio;
  try {
    ({ Gpio } = await import('onoff'));
  } catch (error) {
    throw new GpioError('ENOENT', `${ONOFF_MISSING_MESSAGE} (${error instanceof Error ? error.message : String(error)})`);
  }
  return (gpio, direction, edge) => new Gpio(gpio, direction, edge);
}
