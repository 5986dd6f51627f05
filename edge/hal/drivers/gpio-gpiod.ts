import type { Clock, TimerHandle } from '../clock.js';
import { GpioError, type GpioChipInfo, type Level, type PinSpec } from '../gpio.js';
import { gpioErrorFrom, LineGpioBinding, pinName, type BackendInput, type BackendOutput, type LineBackend, type LineChange, type LocatedLine } from './gpio-line-binding.js';

/**
 * GPIO through the Linux character device (/dev/gpiochipN) with npm `node-libgpiod` 0.5, which targets
 * libgpiod 1.6 (Debian 12, Raspberry Pi OS Bookworm: `apt-get install -y libgpiod-dev gpiod`). Lines are
 * requested exclusively by the kernel (a second request answers EBUSY) and released when the handle
 * closes, so a crashed node leaves nothing exported behind, unlike sysfs.
 *
 * node-libgpiod is an optional dependency (its native build needs libgpiod-dev), loaded only when this
 * driver is chosen. It can request edge events but has no call to read them, so inputs are sampled every
 * pollIntervalMs and a pulse shorter than that is missed; the debounce above (lines.ts) is longer anyway.
 */

/** The part of node-libgpiod's Line this driver uses. */
export interface LibgpiodLine {
  requestOutputMode(consumer: string, value: Level): void;
  requestInputMode(consumer: string): void;
  getValue(): number;
  setValue(value: Level): void;
  release(): void;
}

/** The part of node-libgpiod's Chip this driver uses. */
export interface LibgpiodChip {
  readonly name: string;
  readonly label: string;
  readonly numberOfLines: number;
  getLine(offset: number): LibgpiodLine;
}

/** node-libgpiod behind a small interface, so tests can put the simulated kernel (sim/libgpiod.ts) behind it. */
export interface LibgpiodApi {
  /** Character-device names, gpiochip0… */
  chipNames(): string[];
  /** Opens a chip by name or label (gpiod_chip_open_lookup); throws ENOENT when there is none. */
  openChip(nameOrLabel: string): LibgpiodChip;
}

export interface GpiodGpioOptions {
  clock: Clock;
  /** How often inputs are sampled. */
  pollIntervalMs?: number;
  /** Consumer name the kernel shows for held lines (`gpioinfo`). */
  consumer?: string;
  /** Default: node-libgpiod, loaded on first use. */
  libgpiod?: LibgpiodApi;
}

export const GPIOD_MISSING_MESSAGE = 'gpiod driver needs node-libgpiod: apt-get install libgpiod-dev && npm install node-libgpiod';
const DEFAULT_POLL_INTERVAL_MS = 5;

export class GpiodGpioBinding extends LineGpioBinding<GpiodAddress, GpiodOutput> {
  constructor(options: GpiodGpioOptions) {
    super(new GpiodBackend(options), { name: 'gpiod', clock: options.clock, describe: 'gpiod gpio' });
  }
}

interface GpiodAddress {
  chip: LibgpiodChip;
  offset: number;
  name: string;
}

interface GpiodOutput extends BackendOutput {
  line: LibgpiodLine;
  name: string;
}

class GpiodBackend implements LineBackend<GpiodAddress, GpiodOutput> {
  private libgpiod: LibgpiodApi | undefined;
  private readonly chips = new Map<string, LibgpiodChip>();
  private readonly polls = new Set<TimerHandle>();
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly consumer: string;

  constructor(options: GpiodGpioOptions) {
    this.libgpiod = options.libgpiod;
    this.clock = options.clock;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.consumer = options.consumer ?? 'nutgiao';
  }

  async list(): Promise<GpioChipInfo[]> {
    const api = await this.api();
    return api.chipNames().map((name) => {
      const chip = this.chip(api, name);
      return { chip: chip.name, label: chip.label, lines: chip.numberOfLines };
    });
  }

  async locate(pin: PinSpec): Promise<LocatedLine<GpiodAddress>> {
    const chip = this.chip(await this.api(), pin.chip);
    if (!Number.isInteger(pin.line) || pin.line < 0 || pin.line >= chip.numberOfLines) {
      throw new GpioError('EINVAL', `gpiod gpio: ${chip.name} (${chip.label}) has lines 0..${chip.numberOfLines - 1}, not ${pin.line}`);
    }
    return { key: `${chip.name}:${pin.line}`, address: { chip, offset: pin.line, name: pinName(pin) } };
  }

  async openOutput({ chip, offset, name }: GpiodAddress, level: Level): Promise<GpiodOutput> {
    const line = this.request(chip, offset, name, (l) => l.requestOutputMode(this.consumer, level));
    return { line, name, release: async () => line.release() };
  }

  async openInput({ chip, offset, name }: GpiodAddress, onLevel: (level: Level) => void): Promise<BackendInput> {
    const line = this.request(chip, offset, name, (l) => l.requestInputMode(this.consumer));
    const read = (): Level => {
      try {
        return line.getValue() === 1 ? 1 : 0;
      } catch (error) {
        throw gpioErrorFrom(error, `gpiod gpio: reading ${name}`);
      }
    };
    onLevel(read());
    const poll = this.clock.setRepeating(() => onLevel(read()), this.pollIntervalMs);
    this.polls.add(poll);
    return {
      read: async () => read(),
      release: async () => {
        this.clock.clearTimer(poll);
        this.polls.delete(poll);
        line.release();
      },
    };
  }

  async write(changes: readonly LineChange<GpiodOutput>[]): Promise<void> {
    for (const { output, level } of changes) {
      try {
        output.line.setValue(level);
      } catch (error) {
        throw gpioErrorFrom(error, `gpiod gpio: writing ${output.name}`);
      }
    }
  }

  async close(): Promise<void> {
    for (const poll of this.polls) this.clock.clearTimer(poll);
    this.polls.clear();
    this.chips.clear();
  }

  private request(chip: LibgpiodChip, offset: number, name: string, request: (line: LibgpiodLine) => void): LibgpiodLine {
    try {
      const line = chip.getLine(offset);
      request(line);
      return line;
    } catch (error) {
      throw gpioErrorFrom(error, `gpiod gpio: requesting ${name}`);
    }
  }

  private chip(api: LibgpiodApi, nameOrLabel: string): LibgpiodChip {
    let chip = this.chips.get(nameOrLabel);
    if (chip === undefined) {
      try {
        chip = api.openChip(nameOrLabel);
      } catch (error) {
        const mapped = gpioErrorFrom(error, `gpiod gpio: opening chip ${nameOrLabel}`);
        // gpiod_chip_open_lookup answers a missing chip with ENOENT or, for a name it cannot parse, EINVAL.
        throw mapped.code === 'EINVAL' ? new GpioError('ENOENT', mapped.message) : mapped;
      }
      this.chips.set(nameOrLabel, chip);
    }
    return chip;
  }

  private async api(): Promise<LibgpiodApi> {
    this.libgpiod ??= await loadNodeLibgpiod();
    return this.libgpiod;
  }
}

/**
 * node-libgpiod, or a clear error when the optional native module was not built on this machine.
 * importModule is import() itself, with a variable specifier so tsc does not need the optional
 * package's types where it is not installed; tests replace it.
 */
export async function loadNodeLibgpiod(importModule: (specifier: string) => Promise<unknown> = (specifier) => import(specifier)): Promise<LibgpiodApi> {
  let module: {
    getChipNames(): string[];
    Chip: new (identifier: string) => LibgpiodChip;
  };
  try {
    const loaded = (await importModule('node-libgpiod')) as { default?: typeof module } & typeof module;
    module = loaded.default ?? loaded;
  } catch (error) {
    throw new GpioError('ENOENT', `${GPIOD_MISSING_MESSAGE} (${error instanceof Error ? error.message : String(error)})`);
  }
  return {
    chipNames: () => module.getChipNames(),
    openChip: (nameOrLabel) => new module.Chip(nameOrLabel),
  };
}
