import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Level } from '../edge/hal/gpio.js';

/**
 * The Linux kernel's GPIO lines as the native libraries see them, for testing the onoff and gpiod drivers
 * without a Raspberry Pi: chips with a sysfs base, lines that one consumer at a time may hold, the errno
 * codes the kernel answers with (EBUSY for a held line, EINVAL for a line that does not exist, ENOENT for
 * a missing chip), levels driven from outside, and loopback wires. The library stand-ins
 * (sim/sysfs-gpio.ts for onoff, sim/libgpiod.ts for node-libgpiod) are thin layers over it.
 */

export interface SimKernelChip {
  /** Character-device name, e.g. gpiochip0. */
  name: string;
  /** Driver label, e.g. pinctrl-bcm2711 (Pi 4) or pinctrl-rp1 (Pi 5). */
  label: string;
  /** First sysfs GPIO number: 512 on Bookworm kernels for the Pi 4 header, 571 on a Pi 5. */
  base: number;
  lines: number;
}

/** Thrown like node's fs and Nan::ErrnoException errors: a message and an errno `code`. */
export class KernelGpioError extends Error {
  constructor(
    readonly code: 'EBUSY' | 'EINVAL' | 'ENOENT' | 'EPERM',
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'KernelGpioError';
  }
}

interface KernelLine {
  consumer: string | null;
  direction: 'in' | 'out';
  driven: Level;
  external: Level;
  pin: Level;
  watchers: Set<(level: Level) => void>;
  /** Lines whose outside level follows this one's pin (loopback wires). */
  wiredTo: KernelLine[];
}

/** Raspberry Pi 4 on a Pi OS Bookworm kernel: the header's chip is offset to 512 in sysfs. */
export const PI4_BOOKWORM_CHIPS: readonly SimKernelChip[] = [
  { name: 'gpiochip0', label: 'pinctrl-bcm2711', base: 512, lines: 58 },
  { name: 'gpiochip1', label: 'raspberrypi-exp-gpio', base: 570, lines: 8 },
];

export class SimKernelGpio {
  private readonly chipList: SimKernelChip[];
  private readonly lineTable = new Map<string, KernelLine[]>();

  constructor(chips: readonly SimKernelChip[] = PI4_BOOKWORM_CHIPS) {
    this.chipList = chips.map((chip) => ({ ...chip }));
    for (const chip of this.chipList) {
      const lines: KernelLine[] = [];
      for (let i = 0; i < chip.lines; i++) {
        lines.push({ consumer: null, direction: 'in', driven: 0, external: 0, pin: 0, watchers: new Set(), wiredTo: [] });
      }
      this.lineTable.set(chip.name, lines);
    }
  }

  chips(): readonly SimKernelChip[] {
    return this.chipList;
  }

  /** A chip by character-device name or label, as gpiod_chip_open_lookup accepts. */
  chip(nameOrLabel: string): SimKernelChip {
    const chip = this.chipList.find((c) => c.name === nameOrLabel || c.label === nameOrLabel);
    if (chip === undefined) throw new KernelGpioError('ENOENT', `no gpio chip ${nameOrLabel}`);
    return chip;
  }

  /** The chip and offset of a global sysfs GPIO number. */
  sysfsLine(gpio: number): { chip: SimKernelChip; offset: number } {
    const chip = this.chipList.find((c) => gpio >= c.base && gpio < c.base + c.lines);
    if (chip === undefined) throw new KernelGpioError('EINVAL', `no gpio ${gpio} (write to export)`);
    return { chip, offset: gpio - chip.base };
  }

  /** Holds a line for one consumer; a line held by anyone else answers EBUSY. */
  request(chip: string, offset: number, consumer: string, direction: 'in' | 'out', level: Level = 0): void {
    const line = this.line(chip, offset);
    if (line.consumer !== null) throw new KernelGpioError('EBUSY', `${chip}:${offset} is held by ${line.consumer}`);
    line.consumer = consumer;
    line.direction = direction;
    line.driven = level;
    this.refresh(line);
  }

  release(chip: string, offset: number): void {
    const line = this.line(chip, offset);
    line.consumer = null;
    line.direction = 'in';
    line.watchers.clear();
    this.refresh(line);
  }

  setValue(chip: string, offset: number, level: Level): void {
    const line = this.line(chip, offset);
    if (line.consumer === null || line.direction !== 'out') {
      throw new KernelGpioError('EPERM', `${chip}:${offset} is not requested as an output`);
    }
    line.driven = level;
    this.refresh(line);
  }

  /** The electrical level on the pin. */
  getValue(chip: string, offset: number): Level {
    return this.line(chip, offset).pin;
  }

  /** Reports every change of the pin's level, later on the event loop as an interrupt would. */
  watch(chip: string, offset: number, listener: (level: Level) => void): () => void {
    const line = this.line(chip, offset);
    line.watchers.add(listener);
    return () => line.watchers.delete(listener);
  }

  consumer(chip: string, offset: number): string | null {
    return this.line(chip, offset).consumer;
  }

  // ---- test bench ------------------------------------------------------------------------------

  /** Drives a line from outside (a detector, a button). */
  setInput(chip: string, offset: number, level: Level): void {
    const line = this.line(chip, offset);
    line.external = level;
    this.refresh(line);
  }

  /** A loopback wire: from's pin level is driven onto to from outside. */
  wire(from: { chip: string; line: number }, to: { chip: string; line: number }): void {
    const source = this.line(from.chip, from.line);
    source.wiredTo.push(this.line(to.chip, to.line));
    this.refresh(source);
  }

  /** Writes the /sys/class/gpio view of these chips under dir (gpiochip<base>/{base,label,ngpio,device/<name>}). */
  async writeSysfsTree(dir: string): Promise<void> {
    for (const chip of this.chipList) {
      const chipDir = join(dir, `gpiochip${chip.base}`);
      await mkdir(join(chipDir, 'device', chip.name), { recursive: true });
      await writeFile(join(chipDir, 'base'), `${chip.base}\n`);
      await writeFile(join(chipDir, 'label'), `${chip.label}\n`);
      await writeFile(join(chipDir, 'ngpio'), `${chip.lines}\n`);
    }
    await writeFile(join(dir, 'export'), '');
    await writeFile(join(dir, 'unexport'), '');
  }

  // ---- internals -------------------------------------------------------------------------------

  private line(chip: string, offset: number): KernelLine {
    const lines = this.lineTable.get(this.chip(chip).name)!;
    const line = Number.isInteger(offset) && offset >= 0 ? lines[offset] : undefined;
    if (line === undefined) throw new KernelGpioError('EINVAL', `${chip} has lines 0..${lines.length - 1}, not ${offset}`);
    return line;
  }

  private refresh(line: KernelLine): void {
    const level = line.consumer !== null && line.direction === 'out' ? line.driven : line.external;
    if (level === line.pin) return;
    line.pin = level;
    for (const watcher of [...line.watchers]) setImmediate(() => line.watchers.has(watcher) && watcher(level));
    for (const target of line.wiredTo) {
      target.external = level;
      this.refresh(target);
    }
  }
}
