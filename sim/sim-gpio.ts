import type { Clock, TimerHandle } from '../edge/hal/clock.js';
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
} from '../edge/hal/gpio.js';

export type GpioErrorCode = GpioError['code'];

/** Ways a pin fails on real hardware, injected per line. */
export type SimGpioFault =
  /** The pin stays at level whatever is written (shorted driver, welded relay). */
  | { kind: 'stuck'; level: Level }
  /** Writes succeed but the pin does not change (dead driver behind a healthy controller). */
  | { kind: 'ignore-writes' }
  /** The pin changes delayMs after the write, on the binding's clock (slow relay). */
  | { kind: 'slow'; delayMs: number }
  /** Opening the line rejects with GpioError(code) (line claimed elsewhere, dead chip). */
  | { kind: 'open-error'; code: GpioErrorCode };

/** What one write did to one pin, stamped when it took effect (write time, or later for a slow pin). */
export interface SimGpioWrite {
  tsMs: number;
  chip: string;
  line: number;
  /** The electrical level on the pin afterwards (faults included). */
  level: Level;
  /** The level the write asked for. */
  commanded: Level;
}

/** An output pin's electrical level changed. */
export interface SimPinChange {
  tsMs: number;
  chip: string;
  line: number;
  level: Level;
}

export type SimLineMode = 'free' | 'output' | 'input';

export interface SimGpioOptions {
  /** Timestamps of history and edges, and the delay of slow faults. */
  clock: Clock;
  /** Keep every write in `history` (default true; long simulations turn it off, since it grows without bound). */
  recordHistory?: boolean;
}

interface SimLine {
  mode: SimLineMode;
  /** Level last written by the owning output bank. */
  commanded: Level;
  /** Level the output driver produces (lags the command under a slow fault, ignores it when dead). */
  driven: Level;
  /** Level the test bench drives onto the pin from outside (setInput). */
  external: Level;
  /** The electrical level actually on the pin. */
  pin: Level;
  fault: SimGpioFault | null;
  pendingSlow: Set<TimerHandle>;
  input: SimInputLine | null;
}

interface SimChip {
  name: string;
  label: string;
  lines: SimLine[];
}

const DEFAULT_CHIP = 'gpiochip0';
const DEFAULT_CHIP_LINES = 64;

/**
 * A GPIO binding backed by simulated chips, with a test-bench API in the spirit of node-serialport's
 * binding-mock: drive inputs from outside, read the electrical level of outputs, record writes, and
 * inject the faults real pins have. Effects are applied before the returned promises resolve, and input
 * edges are delivered synchronously from setInput, so tests need no waiting.
 */
export class SimGpioBinding implements GpioBinding {
  readonly name = 'sim';
  /** When false, writes are not appended to history (long simulator runs). */
  recording = true;

  private readonly clock: Clock;
  private readonly recordHistory: boolean;
  private readonly chips = new Map<string, SimChip>();
  private readonly handles = new Set<SimOutputBank | SimInputLine>();
  private readonly outputListeners = new Set<(changes: readonly SimPinChange[]) => void>();
  private readonly writes: SimGpioWrite[] = [];
  private closed = false;

  constructor(options: SimGpioOptions) {
    this.clock = options.clock;
    this.recordHistory = options.recordHistory ?? true;
    this.createChip(DEFAULT_CHIP, DEFAULT_CHIP_LINES);
  }

  // ---- GpioBinding -------------------------------------------------------------------------------

  async list(): Promise<GpioChipInfo[]> {
    this.assertOpen();
    return [...this.chips.values()].map((chip) => ({ chip: chip.name, label: chip.label, lines: chip.lines.length }));
  }

  async openOutputs(pins: readonly PinSpec[], initial: number): Promise<OutputBank> {
    this.assertOpen();
    if (pins.length === 0 || pins.length > MAX_BANK_LINES) {
      throw new GpioError('EINVAL', `an output bank has 1..${MAX_BANK_LINES} lines, got ${pins.length}`);
    }
    const claimed = this.claim(pins);
    const bank = new SimOutputBank(this, claimed, initial);
    for (const { line } of claimed) line.mode = 'output';
    this.handles.add(bank);
    this.applyWrite(claimed, bank.all, initial);
    return bank;
  }

  async openInput(pin: PinSpec, edge: Edge): Promise<InputLine> {
    this.assertOpen();
    const [claimed] = this.claim([pin]);
    const input = new SimInputLine(this, claimed!, edge);
    claimed!.line.mode = 'input';
    claimed!.line.input = input;
    this.handles.add(input);
    return input;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const handle of [...this.handles]) await handle.close();
    this.closed = true;
  }

  // ---- test bench --------------------------------------------------------------------------------

  /** Adds a chip (lines all low, free). The default chip gpiochip0 with 64 lines always exists. */
  createChip(name: string, lines: number, label = `sim-${name}`): void {
    if (this.chips.has(name)) throw new Error(`sim gpio: chip ${name} already exists`);
    if (!Number.isInteger(lines) || lines <= 0) throw new RangeError(`sim gpio: a chip needs a positive line count, got ${lines}`);
    const chipLines: SimLine[] = [];
    for (let i = 0; i < lines; i++) {
      chipLines.push({ mode: 'free', commanded: 0, driven: 0, external: 0, pin: 0, fault: null, pendingSlow: new Set(), input: null });
    }
    this.chips.set(name, { name, label, lines: chipLines });
  }

  /** Drives a line from outside (a detector, a button, a loopback wire). Fires edges on an open input. */
  setInput(chip: string, line: number, level: Level): void {
    const target = this.lineAt(chip, line);
    if (target.line.mode === 'output') {
      throw new Error(`sim gpio: ${chip}:${line} is open as an output; driving it from outside would be a short`);
    }
    target.line.external = level;
    this.refresh(target, []);
  }

  /** The electrical level on the pin, after faults. */
  outputLevel(chip: string, line: number): Level {
    return this.lineAt(chip, line).line.pin;
  }

  /** The level the line's owner last wrote (what the pin would show without faults). */
  commandedLevel(chip: string, line: number): Level {
    return this.lineAt(chip, line).line.commanded;
  }

  /** Whether the line is free or open, and how. */
  lineMode(chip: string, line: number): SimLineMode {
    return this.lineAt(chip, line).line.mode;
  }

  /** Every write's effect on each pin, oldest first (see SimGpioWrite). */
  get history(): readonly SimGpioWrite[] {
    return this.writes;
  }

  clearHistory(): void {
    this.writes.length = 0;
  }

  /**
   * Follows output pins: fn gets every electrical change, one call per write (so all lines of a masked
   * write arrive together), per slow landing, fault or release. Returns a remover.
   */
  onOutputChange(fn: (changes: readonly SimPinChange[]) => void): () => void {
    this.outputListeners.add(fn);
    return () => this.outputListeners.delete(fn);
  }

  injectFault(chip: string, line: number, fault: SimGpioFault): void {
    if (fault.kind === 'slow' && !(fault.delayMs >= 0)) throw new RangeError(`sim gpio: slow fault needs delayMs >= 0`);
    const target = this.lineAt(chip, line);
    this.cancelSlow(target.line);
    target.line.fault = fault;
    this.emitOutputChanges(this.refresh(target, []));
  }

  /** Removes a fault: the pin follows its driver again at once (pending slow changes are dropped). */
  clearFault(chip: string, line: number): void {
    const target = this.lineAt(chip, line);
    this.cancelSlow(target.line);
    target.line.fault = null;
    if (target.line.mode === 'output') target.line.driven = target.line.commanded;
    this.emitOutputChanges(this.refresh(target, []));
  }

  // ---- used by the handles (not part of the test-bench API) -------------------------------------

  /** @internal Applies a masked write to a bank's lines, all at one timestamp. */
  applyWrite(lines: readonly ClaimedLine[], mask: number, values: number): void {
    const tsMs = this.clock.monotonic();
    const changes: SimPinChange[] = [];
    lines.forEach((target, i) => {
      if (((mask >>> i) & 1) === 0) return;
      const level = ((values >>> i) & 1) as Level;
      target.line.commanded = level;
      const fault = target.line.fault;
      if (fault?.kind === 'ignore-writes') {
        this.record(tsMs, target, level);
        return;
      }
      if (fault?.kind === 'slow') {
        const handle = this.clock.setTimer(() => {
          target.line.pendingSlow.delete(handle);
          target.line.driven = level;
          this.emitOutputChanges(this.refresh(target, []));
          this.record(this.clock.monotonic(), target, level);
        }, fault.delayMs);
        target.line.pendingSlow.add(handle);
        return;
      }
      target.line.driven = level;
      this.refresh(target, changes);
      this.record(tsMs, target, level);
    });
    this.emitOutputChanges(changes);
  }

  /** @internal Releases lines of a closed handle; a released output pin falls back to what drives it from outside. */
  release(lines: readonly ClaimedLine[]): void {
    const changes: SimPinChange[] = [];
    for (const target of lines) {
      const wasOutput = target.line.mode === 'output';
      this.cancelSlow(target.line);
      target.line.mode = 'free';
      target.line.input = null;
      const before = changes.length;
      this.refresh(target, changes);
      if (!wasOutput) changes.length = before;
    }
    this.emitOutputChanges(changes);
  }

  /** @internal */
  forget(handle: SimOutputBank | SimInputLine): void {
    this.handles.delete(handle);
  }

  // ---- internals ---------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new GpioError('ECLOSED', 'sim gpio: binding is closed');
  }

  /** Validates every pin before claiming any, so a failed open leaves nothing half-claimed. */
  private claim(pins: readonly PinSpec[]): ClaimedLine[] {
    const claimed = pins.map((pin) => this.lineAt(pin.chip, pin.line));
    const seen = new Set<SimLine>();
    for (const target of claimed) {
      const fault = target.line.fault;
      if (fault?.kind === 'open-error') {
        throw new GpioError(fault.code, `sim gpio: ${lineName(target)} failed to open (injected ${fault.code})`);
      }
      if (target.line.mode !== 'free' || seen.has(target.line)) {
        throw new GpioError('EBUSY', `sim gpio: ${lineName(target)} is already open`);
      }
      seen.add(target.line);
    }
    return claimed;
  }

  private lineAt(chipName: string, line: number): ClaimedLine {
    const chip = this.chips.get(chipName) ?? [...this.chips.values()].find((c) => c.label === chipName);
    if (chip === undefined) throw new GpioError('ENOENT', `sim gpio: no chip ${chipName}`);
    const simLine = Number.isInteger(line) && line >= 0 ? chip.lines[line] : undefined;
    if (simLine === undefined) {
      throw new GpioError('EINVAL', `sim gpio: ${chip.name} has lines 0..${chip.lines.length - 1}, not ${line}`);
    }
    return { chip: chip.name, offset: line, line: simLine };
  }

  /** Recomputes the pin level; on a change fires input edges and, for outputs, appends to changes. */
  private refresh(target: ClaimedLine, changes: SimPinChange[]): SimPinChange[] {
    const { line } = target;
    const level: Level =
      line.fault?.kind === 'stuck' ? line.fault.level : line.mode === 'output' ? line.driven : line.external;
    if (level === line.pin) return changes;
    line.pin = level;
    const tsMs = this.clock.monotonic();
    if (line.mode === 'input') line.input?.deliver(level, tsMs);
    else changes.push({ tsMs, chip: target.chip, line: target.offset, level });
    return changes;
  }

  private record(tsMs: number, target: ClaimedLine, commanded: Level): void {
    if (!this.recording) return;
    if (this.recordHistory) this.writes.push({ tsMs, chip: target.chip, line: target.offset, level: target.line.pin, commanded });
  }

  private emitOutputChanges(changes: readonly SimPinChange[]): void {
    if (changes.length === 0) return;
    for (const listener of [...this.outputListeners]) listener(changes);
  }

  private cancelSlow(line: SimLine): void {
    for (const handle of line.pendingSlow) this.clock.clearTimer(handle);
    line.pendingSlow.clear();
  }
}

/** A resolved (chip, line) and the state behind it. */
interface ClaimedLine {
  readonly chip: string;
  readonly offset: number;
  readonly line: SimLine;
}

const lineName = (target: ClaimedLine): string => `${target.chip}:${target.offset}`;

class SimOutputBank implements OutputBank {
  readonly size: number;
  readonly all: number;
  private commandedBits = 0;
  private closed = false;

  constructor(
    private readonly binding: SimGpioBinding,
    private readonly lines: readonly ClaimedLine[],
    initial: number,
  ) {
    this.size = lines.length;
    this.all = bankMask(this.size);
    this.commandedBits = (initial & this.all) >>> 0;
  }

  async write(mask: number, values: number): Promise<void> {
    if (this.closed) throw new GpioError('ECLOSED', 'sim gpio: output bank is closed');
    const effective = (mask & this.all) >>> 0;
    this.commandedBits = ((this.commandedBits & ~effective) | (values & effective)) >>> 0;
    this.binding.applyWrite(this.lines, effective, values);
  }

  commanded(): number {
    return this.commandedBits;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.binding.release(this.lines);
    this.binding.forget(this);
  }
}

class SimInputLine implements InputLine {
  private readonly listeners = new Set<(level: Level, tsMs: number) => void>();
  private closed = false;

  constructor(
    private readonly binding: SimGpioBinding,
    private readonly target: ClaimedLine,
    private readonly edge: Edge,
  ) {}

  async read(): Promise<Level> {
    if (this.closed) throw new GpioError('ECLOSED', 'sim gpio: input line is closed');
    return this.target.line.pin;
  }

  onEdge(listener: (level: Level, tsMs: number) => void): () => void {
    if (this.closed) throw new GpioError('ECLOSED', 'sim gpio: input line is closed');
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  deliver(level: Level, tsMs: number): void {
    if (this.edge === 'rising' && level !== 1) return;
    if (this.edge === 'falling' && level !== 0) return;
    for (const listener of [...this.listeners]) listener(level, tsMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.binding.release([this.target]);
    this.binding.forget(this);
  }
}
