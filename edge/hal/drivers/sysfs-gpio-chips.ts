import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GpioError, type PinSpec } from '../gpio.js';

/**
 * Where a {chip, line} pin lives in the sysfs GPIO number space. Sysfs numbers are global: chip base plus
 * line offset, and the base is whatever the kernel chose. On Raspberry Pi OS Bookworm kernels the header
 * chip starts at 512 (Pi 4, `pinctrl-bcm2711`) or 571 (Pi 5, `pinctrl-rp1`), so BCM 17 is sysfs 529 or
 * 588, and writing plain 17 to export fails with EINVAL (onoff issues 199/200). Never assume the BCM
 * number: read base, label and ngpio from /sys/class/gpio/gpiochip*.
 */

export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

export interface SysfsGpioChip {
  /** The sysfs directory name, gpiochip<base>. */
  sysfsName: string;
  /** The character-device name (gpiochipN) of the same chip, when the kernel links it; what gpiod tools print. */
  chardevName: string | undefined;
  label: string;
  base: number;
  ngpio: number;
}

/** Reads every chip under root (default /sys/class/gpio); an absent root means no sysfs GPIO at all. */
export async function readSysfsGpioChips(root = SYSFS_GPIO_ROOT): Promise<SysfsGpioChip[]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const chips: SysfsGpioChip[] = [];
  for (const entry of entries.filter((name) => /^gpiochip\d+$/.test(name)).sort()) {
    const dir = join(root, entry);
    const [base, label, ngpio] = await Promise.all(['base', 'label', 'ngpio'].map((file) => readFile(join(dir, file), 'utf8')));
    chips.push({
      sysfsName: entry,
      chardevName: await chardevNameOf(dir),
      label: label!.trim(),
      base: parseSysfsInteger(base!, join(dir, 'base')),
      ngpio: parseSysfsInteger(ngpio!, join(dir, 'ngpio')),
    });
  }
  return chips;
}

/** The sysfs number of a pin: its chip (by chardev name, label or sysfs name) base plus the line offset. */
export function sysfsNumberOf(pin: PinSpec, chips: readonly SysfsGpioChip[]): number {
  const chip = chips.find((c) => c.chardevName === pin.chip || c.label === pin.chip || c.sysfsName === pin.chip);
  if (chip === undefined) {
    if (chips.length === 0) {
      throw new GpioError('ENOENT', `onoff gpio: this kernel has no sysfs GPIO chips (no /sys/class/gpio/gpiochip*); use hardware.gpio.driver gpiod`);
    }
    const known = chips.map((c) => `${c.chardevName ?? c.sysfsName} (${c.label})`).join(', ');
    throw new GpioError('ENOENT', `onoff gpio: no chip ${pin.chip} in sysfs; chips: ${known}`);
  }
  if (!Number.isInteger(pin.line) || pin.line < 0 || pin.line >= chip.ngpio) {
    throw new GpioError('EINVAL', `onoff gpio: ${pin.chip} has lines 0..${chip.ngpio - 1}, not ${pin.line}`);
  }
  return chip.base + pin.line;
}

/** The chip's device directory holds a gpiochipN entry for its character device. */
async function chardevNameOf(chipDir: string): Promise<string | undefined> {
  try {
    return (await readdir(join(chipDir, 'device'))).find((name) => /^gpiochip\d+$/.test(name));
  } catch {
    return undefined;
  }
}

function parseSysfsInteger(text: string, path: string): number {
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value < 0) throw new GpioError('EIO', `onoff gpio: ${path} holds ${JSON.stringify(text.trim())}, not a number`);
  return value;
}
