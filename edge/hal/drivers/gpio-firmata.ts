import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import type { EventEmitter } from 'node:events';
import type { Firmata as FirmataIo } from 'firmata-io';
import type { Clock } from '../clock.js';
import { GpioError, type GpioChipInfo, type Level, type PinSpec } from '../gpio.js';
import { LineGpioBinding, type BackendInput, type BackendOutput, type LineBackend, type LineChange, type LocatedLine } from './gpio-line-binding.js';

/**
 * GPIO on a Firmata board (an Arduino with StandardFirmata driving a relay card) over a serial port:
 * johnny-five's Board with firmata.js (`firmata-io`) as its IO, on serialport 13. Pins are the board's pin
 * numbers: {chip: 'firmata' (or the port path), line: pin}.
 *
 * Firmata sends digital outputs port-wise (one DIGITAL_MESSAGE carries 8 pins), so a masked write sends one
 * message per port it touches and the lamps of a head on one port change together. Inputs are reported by
 * the board when they change (REPORT_DIGITAL), so edges arrive as interrupts would.
 */

export interface FirmataGpioOptions {
  clock: Clock;
  /** Serial device, e.g. /dev/ttyACM0. */
  port: string;
  baudRate?: number;
  /** How long the board may take to answer the handshake after the port opens (an Uno resets on open: ~2 s). */
  readyTimeoutMs?: number;
  /** Serial binding; default serialport's native one. Tests pass the simulated board's (sim/firmata-device.ts). */
  serialBinding?: BindingInterface;
}

export const FIRMATA_CHIP = 'firmata';
const DEFAULT_BAUD_RATE = 57_600;
const DEFAULT_READY_TIMEOUT_MS = 10_000;
/** A first input report answers REPORT_DIGITAL at once; this bounds a board that never sends it. */
const FIRST_REPORT_TIMEOUT_MS = 2_000;

export class FirmataGpioBinding extends LineGpioBinding<number, FirmataOutput> {
  private constructor(backend: FirmataBackend, clock: Clock) {
    super(backend, { name: 'firmata', clock, describe: 'firmata gpio' });
  }

  /** Opens the serial port and waits until the board has answered the handshake. */
  static async open(options: FirmataGpioOptions): Promise<FirmataGpioBinding> {
    return new FirmataGpioBinding(await FirmataBackend.connect(options), options.clock);
  }
}

interface FirmataOutput extends BackendOutput {
  pin: number;
}

interface SerialStream {
  isOpen: boolean;
  drain(callback: (error: Error | null) => void): void;
  close(callback?: (error: Error | null) => void): void;
}

class FirmataBackend implements LineBackend<number, FirmataOutput> {
  /** Input pins per port: the port's reporting stays on while any of them is open. */
  private readonly reportingInputs = new Map<number, Set<number>>();
  /** Pins open as outputs: the only bits a DIGITAL_MESSAGE from this driver may set. */
  private readonly outputPins = new Set<number>();

  /** Set when the serial link failed (unplugged board, say): every later call answers EIO with it. */
  private failure: Error | undefined;

  private constructor(
    private readonly io: FirmataIo,
    board: EventEmitter,
    private readonly transport: SerialStream,
    private readonly path: string,
    private readonly clock: Clock,
  ) {
    // johnny-five re-emits the io's errors on the board; unheard, an 'error' event would end the process.
    const onFailure = (error: Error) => {
      this.failure ??= error;
    };
    io.on('error', onFailure);
    board.on('error', onFailure);
  }

  static async connect(options: FirmataGpioOptions): Promise<FirmataBackend> {
    const [{ SerialPort }, { SerialPortStream }, firmataIo, five] = await Promise.all([
      import('serialport'),
      import('@serialport/stream'),
      import('firmata-io'),
      import('johnny-five'),
    ]);
    const { port: path, clock } = options;
    const baudRate = options.baudRate ?? DEFAULT_BAUD_RATE;
    const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    // Firmata must listen before the port opens: it learns of the connection from the stream's 'open' event.
    const transport = options.serialBinding
      ? new SerialPortStream({ binding: options.serialBinding, path, baudRate })
      : new SerialPort({ path, baudRate });
    const io = new firmataIo.default.Firmata(transport, { reportVersionTimeout: Math.min(3000, readyTimeoutMs) });
    const board = new five.default.Board({ io, repl: false, debug: false, sigint: false, timeout: readyTimeoutMs });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = clock.setTimer(() => {
          reject(new GpioError('EIO', `firmata gpio: no Firmata board answered on ${path} within ${readyTimeoutMs} ms (is StandardFirmata flashed, and is hardware.gpio.baudRate ${baudRate} its speed?)`));
        }, readyTimeoutMs);
        const fail = (error: Error) => {
          clock.clearTimer(timer);
          const code = /no such file|not exist|ENOENT/i.test(error.message) ? 'ENOENT' : 'EIO';
          reject(new GpioError(code, `firmata gpio: cannot open serial port ${path} (hardware.gpio.port): ${error.message}`));
        };
        // Before it is ready, firmata.js re-emits the port's errors (no such device, say) on itself. On a
        // failure the listener stays: closing the port cancels queued writes, which error again.
        io.on('error', fail);
        board.once('ready', () => {
          clock.clearTimer(timer);
          io.removeListener('error', fail);
          resolve();
        });
      });
    } catch (error) {
      if (board.timer) clearTimeout(board.timer);
      if (io.reportVersionTimeoutId) clearTimeout(io.reportVersionTimeoutId);
      if (transport.isOpen) await new Promise((resolve) => transport.close(resolve));
      throw error;
    }
    return new FirmataBackend(io, board, transport, path, clock);
  }

  async list(): Promise<GpioChipInfo[]> {
    return [{ chip: FIRMATA_CHIP, label: this.path, lines: this.io.pins.length }];
  }

  async locate(pin: PinSpec): Promise<LocatedLine<number>> {
    if (pin.chip !== FIRMATA_CHIP && pin.chip !== this.path) {
      throw new GpioError('ENOENT', `firmata gpio: no chip ${pin.chip}; pins of the board on ${this.path} are on chip '${FIRMATA_CHIP}'`);
    }
    const info = Number.isInteger(pin.line) && pin.line >= 0 ? this.io.pins[pin.line] : undefined;
    if (info === undefined) {
      throw new GpioError('EINVAL', `firmata gpio: the board has pins 0..${this.io.pins.length - 1}, not ${pin.line}`);
    }
    const { INPUT, OUTPUT } = this.io.MODES;
    if (!info.supportedModes.includes(OUTPUT) || !info.supportedModes.includes(INPUT)) {
      // On an Uno, pins 0 and 1 are the serial port the board talks through.
      throw new GpioError('EINVAL', `firmata gpio: pin ${pin.line} is not a digital pin on this board (its capabilities: ${JSON.stringify(info.supportedModes)})`);
    }
    return { key: `firmata:${pin.line}`, address: pin.line };
  }

  async openOutput(pin: number, level: Level): Promise<FirmataOutput> {
    this.assertConnected();
    // Level first, then mode: the port latch holds the level, so the pin never drives the other one.
    this.outputPins.add(pin);
    this.writePorts([{ pin, level }]);
    this.io.pinMode(pin, this.io.MODES.OUTPUT);
    return {
      pin,
      release: async () => {
        this.outputPins.delete(pin);
        // High impedance, like a released kernel line: an active-low relay card's pull-ups drop the relay.
        if (this.transport.isOpen) this.io.pinMode(pin, this.io.MODES.INPUT);
      },
    };
  }

  async openInput(pin: number, onLevel: (level: Level) => void): Promise<BackendInput> {
    this.assertConnected();
    const port = pin >> 3;
    const onRead = (value: number) => onLevel(value === 1 ? 1 : 0);
    this.io.pinMode(pin, this.io.MODES.INPUT);
    const firstReport = new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimer(() => {
        this.io.removeListener(`digital-read-${pin}`, first);
        reject(new GpioError('EIO', `firmata gpio: the board did not report input pin ${pin} within ${FIRST_REPORT_TIMEOUT_MS} ms`));
      }, FIRST_REPORT_TIMEOUT_MS);
      const first = () => {
        this.clock.clearTimer(timer);
        resolve();
      };
      this.io.once(`digital-read-${pin}`, first);
    });
    this.io.on(`digital-read-${pin}`, onRead);
    // Switching reporting on (again) makes the board send the port at once, so read() starts out right.
    this.io.reportDigitalPin(pin, 1);
    const inputs = this.reportingInputs.get(port) ?? new Set<number>();
    inputs.add(pin);
    this.reportingInputs.set(port, inputs);
    try {
      await firstReport;
    } catch (error) {
      await this.releaseInput(pin, onRead);
      throw error;
    }
    return {
      read: async () => (this.io.pins[pin]!.value === 1 ? 1 : 0),
      release: () => this.releaseInput(pin, onRead),
    };
  }

  async write(changes: readonly LineChange<FirmataOutput>[]): Promise<void> {
    this.assertConnected();
    this.writePorts(changes.map(({ output, level }) => ({ pin: output.pin, level })));
  }

  async close(): Promise<void> {
    if (!this.transport.isOpen) return;
    // Let the last messages (outputs released, reports off) reach the board before the port closes.
    await new Promise<void>((resolve) => this.transport.drain(() => resolve()));
    await new Promise<void>((resolve) => this.transport.close(() => resolve()));
  }

  /**
   * Updates firmata.js's copy of each port, then sends one DIGITAL_MESSAGE per port touched. firmata.js
   * keeps reported input levels in the same copy, and StandardFirmata takes a 1 for an INPUT pin as "turn
   * on its pull-up", so the message carries this driver's output bits only (the copy is restored at once:
   * writeDigitalPort reads it synchronously).
   */
  private writePorts(levels: readonly { pin: number; level: Level }[]): void {
    const ports = new Set<number>();
    for (const { pin, level } of levels) ports.add(this.io.updateDigitalPort(pin, level));
    for (const port of ports) {
      const copy = this.io.ports[port]!;
      this.io.ports[port] = copy & this.outputMask(port);
      this.io.writeDigitalPort(port);
      this.io.ports[port] = copy;
    }
  }

  private outputMask(port: number): number {
    let mask = 0;
    for (const pin of this.outputPins) if (pin >> 3 === port) mask |= 1 << (pin & 7);
    return mask;
  }

  private async releaseInput(pin: number, onRead: (value: number) => void): Promise<void> {
    this.io.removeListener(`digital-read-${pin}`, onRead);
    const port = pin >> 3;
    const inputs = this.reportingInputs.get(port);
    inputs?.delete(pin);
    if (inputs?.size === 0 && this.transport.isOpen) {
      this.reportingInputs.delete(port);
      this.io.reportDigitalPin(pin, 0);
    }
  }

  private assertConnected(): void {
    if (this.failure) throw new GpioError('EIO', `firmata gpio: the serial link to ${this.path} failed: ${this.failure.message}`);
    if (!this.transport.isOpen) throw new GpioError('EIO', `firmata gpio: the serial port ${this.path} is closed`);
  }
}
