/**
 * Digital I/O in the node-serialport bindings pattern: a binding (static level: list and open) hands out
 * open handles. Drivers deal in raw electrical levels only; active-low and debounce are applied once,
 * above the binding, in edge/hal/lines.ts, so every driver behaves the same.
 */

/** A pin as named in config: a GPIO chip (label or name) and a line offset on it. */
export interface PinSpec {
  chip: string;
  line: number;
  activeLow?: boolean;
}

/** 0 = low, 1 = high, as raw electrical levels at the driver; logical levels above lines.ts. */
export type Level = 0 | 1;

export type Edge = 'rising' | 'falling' | 'both';

export interface GpioChipInfo {
  chip: string;
  label: string;
  lines: number;
}

/** Lines in one output bank at most: a bank's levels are the bits of one 32-bit number. */
export const MAX_BANK_LINES = 32;

/** Mask with the low `size` bits set (1 << 32 wraps in JS, hence the special case). */
export function bankMask(size: number): number {
  return size >= MAX_BANK_LINES ? 0xffff_ffff : ((1 << size) - 1) >>> 0;
}

/**
 * A set of output lines that change together in one masked write (all lamps of a signal head, say).
 * Bit i of a mask/value refers to lines[i] of the request. At most 32 lines per bank.
 */
export interface OutputBank {
  readonly size: number;
  /** Sets the lines whose bit is 1 in mask to the corresponding bit of values; others keep their level. */
  write(mask: number, values: number): Promise<void>;
  /** The levels last commanded (not a readback of the lamps: that is an input). */
  commanded(): number;
  close(): Promise<void>;
}

export interface InputLine {
  read(): Promise<Level>;
  /** Registers a raw edge listener; returns a function that removes it. tsMs is the binding's monotonic time. */
  onEdge(listener: (level: Level, tsMs: number) => void): () => void;
  close(): Promise<void>;
}

export interface GpioBinding {
  /** Driver name as in config (`sim`, `onoff`, `gpiod`, `firmata`). */
  readonly name: string;
  list(): Promise<GpioChipInfo[]>;
  /** Opens the lines as outputs at the given raw initial levels (bit i for pins[i]). */
  openOutputs(pins: readonly PinSpec[], initial: number): Promise<OutputBank>;
  /** Opens one line as an input reporting raw edges of the given kind. */
  openInput(pin: PinSpec, edge: Edge): Promise<InputLine>;
  close(): Promise<void>;
}

/** Thrown by bindings for hardware-level failures, with a code tests and the monitor can match on. */
export class GpioError extends Error {
  constructor(
    readonly code: 'EBUSY' | 'ENOENT' | 'EINVAL' | 'EIO' | 'ECLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'GpioError';
  }
}
