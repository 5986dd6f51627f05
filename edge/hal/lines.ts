import type { Clock, TimerHandle } from './clock.js';
import { bankMask, type Edge, type GpioBinding, type InputLine, type Level, type OutputBank, type PinSpec } from './gpio.js';

/**
 * The one place where active-low and debounce are applied, above any binding, so every driver deals in
 * raw electrical levels only and behaves the same. Everything above this file speaks logical levels
 * (1 = asserted: lamp lit, detector occupied, button pressed).
 */

/** An OutputBank whose values are logical: bit i is 1 when pins[i] should be asserted. */
export interface LogicalOutputBank {
  readonly size: number;
  readonly pins: readonly PinSpec[];
  /** Sets the lines whose bit is 1 in mask to the logical bit of values, in one raw masked write. */
  write(mask: number, values: number): Promise<void>;
  /** The logical levels last commanded. */
  commanded(): number;
  close(): Promise<void>;
}

/** Bits of the lines whose pin is active-low; XOR with it converts logical ⇄ raw in both directions. */
export function activeLowMask(pins: readonly PinSpec[]): number {
  let mask = 0;
  pins.forEach((pin, i) => {
    if (pin.activeLow === true) mask |= 1 << i;
  });
  return mask >>> 0;
}

export { bankMask } from './gpio.js';

/** Opens pins as one output bank at the given logical initial levels. */
export async function openLogicalOutputs(
  binding: GpioBinding,
  pins: readonly PinSpec[],
  initialLogical: number,
): Promise<LogicalOutputBank> {
  const invert = activeLowMask(pins);
  const raw = await binding.openOutputs(pins, (initialLogical ^ invert) >>> 0);
  return new ActiveLowOutputBank(raw, [...pins], invert);
}

class ActiveLowOutputBank implements LogicalOutputBank {
  readonly size: number;
  private readonly all: number;

  constructor(
    private readonly raw: OutputBank,
    readonly pins: readonly PinSpec[],
    private readonly invert: number,
  ) {
    this.size = raw.size;
    this.all = bankMask(raw.size);
  }

  write(mask: number, values: number): Promise<void> {
    return this.raw.write(mask >>> 0, (values ^ this.invert) >>> 0);
  }

  commanded(): number {
    return ((this.raw.commanded() ^ this.invert) & this.all) >>> 0;
  }

  close(): Promise<void> {
    return this.raw.close();
  }
}

export interface DebounceOptions {
  /** Which logical changes to report. */
  edge: Edge;
  /** How long the raw level must hold before a change counts, ms on the injected clock. 0 = no debounce. */
  debounceMs: number;
}

/** A debounced input in logical levels. */
export interface DebouncedInput {
  readonly pin: PinSpec;
  /** The debounced logical level. */
  level(): Level;
  /**
   * Registers a listener for debounced logical changes of the configured edge kind; returns a remover.
   * tsMs is the clock's monotonic time of the raw edge that began the now-stable level, so it is exact
   * although the call comes debounceMs later.
   */
  onChange(listener: (level: Level, tsMs: number) => void): () => void;
  close(): Promise<void>;
}

/** Opens a pin as a debounced, active-low-aware input. Raw edges of both kinds are watched internally. */
export async function openDebouncedInput(
  binding: GpioBinding,
  pin: PinSpec,
  clock: Clock,
  options: DebounceOptions,
): Promise<DebouncedInput> {
  const raw = await binding.openInput(pin, 'both');
  try {
    const input = new DebouncedLogicalInput(raw, pin, clock, options);
    await input.start();
    return input;
  } catch (error) {
    await raw.close().catch(() => undefined);
    throw error;
  }
}

class DebouncedLogicalInput implements DebouncedInput {
  private readonly invert: Level;
  private stable: Level = 0;
  /** Last raw-derived logical level seen, and when it began. */
  private latest: Level = 0;
  private latestSinceMs = 0;
  private sawEdgeBeforeRead = false;
  private timer: TimerHandle | undefined;
  private readonly listeners = new Set<(level: Level, tsMs: number) => void>();
  private removeEdgeListener: (() => void) | undefined;

  constructor(
    private readonly raw: InputLine,
    readonly pin: PinSpec,
    private readonly clock: Clock,
    private readonly options: DebounceOptions,
  ) {
    this.invert = pin.activeLow === true ? 1 : 0;
  }

  async start(): Promise<void> {
    // Listen before reading so an edge during the read is not lost; it then wins over the read.
    this.removeEdgeListener = this.raw.onEdge((level) => this.onRawEdge(level));
    const initial = ((await this.raw.read()) ^ this.invert) as Level;
    if (!this.sawEdgeBeforeRead) {
      this.stable = initial;
      this.latest = initial;
      this.latestSinceMs = this.clock.monotonic();
    }
  }

  level(): Level {
    return this.stable;
  }

  onChange(listener: (level: Level, tsMs: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.removeEdgeListener?.();
    this.listeners.clear();
    await this.raw.close();
  }

  private onRawEdge(rawLevel: Level): void {
    this.sawEdgeBeforeRead = true;
    const logical = (rawLevel ^ this.invert) as Level;
    // Repeated reports of the same level are not transitions; they must not restart the hold time.
    if (logical === this.latest && this.timer !== undefined) return;
    this.latest = logical;
    this.latestSinceMs = this.clock.monotonic();
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (logical === this.stable) return; // a bounce that came back before the hold time
    if (this.options.debounceMs <= 0) {
      this.commit();
      return;
    }
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.commit();
    }, this.options.debounceMs);
  }

  private commit(): void {
    this.stable = this.latest;
    const rising = this.stable === 1;
    const wanted = this.options.edge === 'both' || (this.options.edge === 'rising') === rising;
    if (!wanted) return;
    for (const listener of [...this.listeners]) listener(this.stable, this.latestSinceMs);
  }
}
