import type { Clock } from '../clock.js';
import {
  bankMask,
  GpioError,
  MAX_BANK_LINES,
  type Edge,
  type GpioBinding,
  type GpioChipInfo,
  type InputLine,
  type Level,
  type OutputBank,
  type PinSpec,
} from '../gpio.js';

/**
 * The bookkeeping every real GPIO driver shares, above a backend that can only open single lines: bank
 * masks, which lines this binding holds (EBUSY), all-or-nothing opens, ECLOSED after close, and edge
 * filtering. The backends (onoff, gpiod, firmata) then only locate, open, write and release lines, so the
 * contract suite's rules live in one place instead of three.
 */


/** A pin resolved by the backend: `key` names the physical line whatever spelling of its chip was used. */
export interface LocatedLine<Address> {
  key: string;
  address: Address;
}

export interface BackendOutput {
  release(): Promise<void>;
}

export interface BackendInput {
  read(): Promise<Level>;
  release(): Promise<void>;
}

export interface LineChange<Output extends BackendOutput> {
  output: Output;
  level: Level;
}

export interface LineBackend<Address, Output extends BackendOutput = BackendOutput> {
  list(): Promise<GpioChipInfo[]>;
  /** Resolves a pin or throws GpioError ENOENT (no such chip) / EINVAL (no such line). Claims nothing. */
  locate(pin: PinSpec): Promise<LocatedLine<Address>>;
  openOutput(address: Address, level: Level): Promise<Output>;
  /**
   * Opens a line as an input. The backend reports the level it observes through onLevel (repeats are
   * fine: the binding keeps only changes), watching both edges so the binding can filter by kind.
   */
  openInput(address: Address, onLevel: (level: Level) => void): Promise<BackendInput>;
  /** Applies the changed lines of one masked write; a backend that can change several at once does so. */
  write(changes: readonly LineChange<Output>[]): Promise<void>;
  close(): Promise<void>;
}

export interface LineGpioBindingOptions {
  /** Driver name as in config. */
  name: string;
  /** Timestamps of input edges (the binding's monotonic time). */
  clock: Clock;
  /** Prefix of error messages, e.g. "onoff gpio". */
  describe: string;
}

export class LineGpioBinding<Address, Output extends BackendOutput = BackendOutput> implements GpioBinding {
  readonly name: string;
  private readonly held = new Set<string>();
  private readonly handles = new Set<LineOutputBank<Output> | LineInput>();
  private closed = false;

  constructor(
    private readonly backend: LineBackend<Address, Output>,
    private readonly options: LineGpioBindingOptions,
  ) {
    this.name = options.name;
  }

  async list(): Promise<GpioChipInfo[]> {
    this.assertOpen();
    return this.backend.list();
  }

  async openOutputs(pins: readonly PinSpec[], initial: number): Promise<OutputBank> {
    this.assertOpen();
    if (pins.length === 0 || pins.length > MAX_BANK_LINES) {
      throw new GpioError('EINVAL', `${this.options.describe}: an output bank has 1..${MAX_BANK_LINES} lines, got ${pins.length}`);
    }
    const located = await this.claim(pins);
    const outputs: Output[] = [];
    try {
      for (const [i, line] of located.entries()) {
        outputs.push(await this.backend.openOutput(line.address, bitOf(initial, i)));
      }
    } catch (error) {
      await Promise.allSettled(outputs.map((output) => output.release()));
      this.unclaim(located);
      throw error;
    }
    const bank = new LineOutputBank(this, this.backend, located, outputs, initial);
    this.handles.add(bank);
    return bank;
  }

  async openInput(pin: PinSpec, edge: Edge): Promise<InputLine> {
    this.assertOpen();
    const located = await this.claim([pin]);
    const input = new LineInput(this, located, edge, this.options.clock);
    try {
      input.attach(await this.backend.openInput(located[0]!.address, (level) => input.observe(level)));
    } catch (error) {
      this.unclaim(located);
      throw error;
    }
    this.handles.add(input);
    return input;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const handle of [...this.handles]) await handle.close();
    await this.backend.close();
  }

  /** @internal */
  assertOpen(what = 'binding'): void {
    if (this.closed) throw new GpioError('ECLOSED', `${this.options.describe}: ${what} is closed`);
  }

  /** @internal */
  forget(handle: LineOutputBank<Output> | LineInput, located: readonly LocatedLine<unknown>[]): void {
    this.handles.delete(handle);
    this.unclaim(located);
  }

  /** Locates every pin before holding any, so a bad pin leaves the others free. */
  private async claim(pins: readonly PinSpec[]): Promise<LocatedLine<Address>[]> {
    const located: LocatedLine<Address>[] = [];
    for (const pin of pins) located.push(await this.backend.locate(pin));
    const keys = new Set<string>();
    for (const [i, line] of located.entries()) {
      if (this.held.has(line.key) || keys.has(line.key)) {
        throw new GpioError('EBUSY', `${this.options.describe}: ${pinName(pins[i]!)} is already open`);
      }
      keys.add(line.key);
    }
    for (const key of keys) this.held.add(key);
    return located;
  }

  private unclaim(located: readonly LocatedLine<unknown>[]): void {
    for (const line of located) this.held.delete(line.key);
  }
}

class LineOutputBank<Output extends BackendOutput> implements OutputBank {
  readonly size: number;
  private readonly all: number;
  private commandedBits: number;
  private closed = false;

  constructor(
    private readonly binding: LineGpioBinding<unknown, Output>,
    private readonly backend: LineBackend<unknown, Output>,
    private readonly located: readonly LocatedLine<unknown>[],
    private readonly outputs: readonly Output[],
    initial: number,
  ) {
    this.size = outputs.length;
    this.all = bankMask(this.size);
    this.commandedBits = (initial & this.all) >>> 0;
  }

  async write(mask: number, values: number): Promise<void> {
    this.assertUsable();
    const next = (((this.commandedBits & ~mask) | (values & mask)) & this.all) >>> 0;
    // Only lines whose level changes are touched: each write is a syscall or a serial message.
    const changed = (next ^ this.commandedBits) & this.all;
    if (changed === 0) return;
    const changes: LineChange<Output>[] = [];
    this.outputs.forEach((output, i) => {
      if (((changed >>> i) & 1) === 1) changes.push({ output, level: bitOf(next, i) });
    });
    this.commandedBits = next;
    await this.backend.write(changes);
  }

  commanded(): number {
    return this.commandedBits;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.outputs.map((output) => output.release()));
    this.binding.forget(this, this.located);
  }

  private assertUsable(): void {
    if (this.closed) throw new GpioError('ECLOSED', `${this.binding.name} gpio: output bank is closed`);
    this.binding.assertOpen();
  }
}

class LineInput implements InputLine {
  private readonly listeners = new Set<(level: Level, tsMs: number) => void>();
  private backendInput: BackendInput | undefined;
  private last: Level | undefined;
  private closed = false;

  constructor(
    private readonly binding: LineGpioBinding<unknown, BackendOutput>,
    private readonly located: readonly LocatedLine<unknown>[],
    private readonly edge: Edge,
    private readonly clock: Clock,
  ) {}

  attach(input: BackendInput): void {
    this.backendInput = input;
  }

  /** A level seen by the backend; only a change is an edge, and only edges of this line's kind are reported. */
  observe(level: Level): void {
    if (this.closed) return;
    const previous = this.last;
    this.last = level;
    if (previous === undefined || previous === level) return;
    if (this.edge === 'rising' && level !== 1) return;
    if (this.edge === 'falling' && level !== 0) return;
    const tsMs = this.clock.monotonic();
    for (const listener of [...this.listeners]) listener(level, tsMs);
  }

  async read(): Promise<Level> {
    this.assertUsable();
    return this.backendInput!.read();
  }

  onEdge(listener: (level: Level, tsMs: number) => void): () => void {
    this.assertUsable();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.backendInput?.release();
    this.binding.forget(this, this.located);
  }

  private assertUsable(): void {
    if (this.closed) throw new GpioError('ECLOSED', `${this.binding.name} gpio: input line is closed`);
    this.binding.assertOpen();
  }
}

export const bitOf = (bits: number, i: number): Level => ((bits >>> i) & 1) as Level;

export const pinName = (pin: PinSpec): string => `${pin.chip}:${pin.line}`;

/** Maps an errno-style error from a library (err.code 'EBUSY' …) to a GpioError naming the pin. */
export function gpioErrorFrom(error: unknown, context: string): GpioError {
  if (error instanceof GpioError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const known = code === 'EBUSY' || code === 'ENOENT' || code === 'EINVAL' ? code : 'EIO';
  const message = error instanceof Error ? error.message : String(error);
  return new GpioError(known, `${context}: ${message}`);
}
