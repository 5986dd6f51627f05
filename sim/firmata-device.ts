// Both packages declare types only for require(); serialport's SerialPortMock.binding is binding-mock's MockBinding.
import type { MockPortBinding } from '@serialport/binding-mock' with { 'resolution-mode': 'require' };
import type { BindingInterface, BindingPortInterface, SetOptions, UpdateOptions } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { SerialPortMock } from 'serialport';
import type { Level } from '../edge/hal/gpio.js';

/**
 * An Arduino Uno running StandardFirmata 2.5, on the far end of a simulated serial port, for testing the
 * firmata driver through johnny-five, firmata.js and serialport exactly as on a relay card's board. It
 * keeps pin state, answers the handshake (so a host becomes ready on its own), applies pin modes and
 * digital writes, reports inputs that change, and announces itself when the port opens, as a real board
 * does after the auto-reset on open.
 *
 * Like the Uno: pins 0 and 1 are the serial port (no capabilities), 2..19 are digital (14..19 also analog
 * A0..A5), every digital pin starts as an OUTPUT driving LOW after reset (StandardFirmata's
 * systemResetCallback), and a digital write sets the port's output latch (the AVR PORT register): only
 * OUTPUT pins drive it, so a pin switched to OUTPUT drives the level written before. A 1 written to an
 * INPUT pin turns on its pull-up (StandardFirmata's backwards-compatible rule), which the mode shows.
 */

export const FIRMATA = {
  DIGITAL_MESSAGE: 0x90,
  ANALOG_MESSAGE: 0xe0,
  REPORT_ANALOG: 0xc0,
  REPORT_DIGITAL: 0xd0,
  SET_PIN_MODE: 0xf4,
  SET_DIGITAL_PIN_VALUE: 0xf5,
  REPORT_VERSION: 0xf9,
  SYSTEM_RESET: 0xff,
  START_SYSEX: 0xf0,
  END_SYSEX: 0xf7,
  // sysex commands
  ANALOG_MAPPING_QUERY: 0x69,
  ANALOG_MAPPING_RESPONSE: 0x6a,
  CAPABILITY_QUERY: 0x6b,
  CAPABILITY_RESPONSE: 0x6c,
  PIN_STATE_QUERY: 0x6d,
  PIN_STATE_RESPONSE: 0x6e,
  QUERY_FIRMWARE: 0x79,
} as const;

export const PIN_MODE = { INPUT: 0x00, OUTPUT: 0x01, ANALOG: 0x02, PULLUP: 0x0b } as const;

/** A command the device received from the host, decoded (for asserting what went over the wire). */
export type FirmataCommand =
  | { command: 'DIGITAL_MESSAGE'; port: number; value: number }
  | { command: 'SET_DIGITAL_PIN_VALUE'; pin: number; value: Level }
  | { command: 'SET_PIN_MODE'; pin: number; mode: number }
  | { command: 'REPORT_DIGITAL'; port: number; enabled: boolean }
  | { command: 'REPORT_ANALOG'; channel: number; enabled: boolean }
  | { command: 'REPORT_VERSION' }
  | { command: 'SYSTEM_RESET' }
  | { command: 'SYSEX'; id: number; data: number[] };

interface DevicePin {
  digital: boolean;
  analogChannel: number | null;
  mode: number;
  latch: Level;
  external: Level;
  level: Level;
  wiredTo: DevicePin[];
}

const UNO_PINS = 20;
const UNO_FIRST_ANALOG_PIN = 14;
const NO_ANALOG_CHANNEL = 0x7f;

export interface SimFirmataDeviceOptions {
  firmwareName?: string;
}

export class SimFirmataDevice {
  /** Every command received since the port opened, oldest first. */
  readonly received: FirmataCommand[] = [];
  private readonly pins: DevicePin[] = [];
  private readonly reportedPorts = new Set<number>();
  private readonly firmwareName: string;
  private send: ((bytes: Buffer) => void) | null = null;
  private parser = new FirmataParser((command) => this.handle(command));

  constructor(options: SimFirmataDeviceOptions = {}) {
    this.firmwareName = options.firmwareName ?? 'StandardFirmata.ino';
    for (let pin = 0; pin < UNO_PINS; pin++) {
      const digital = pin >= 2;
      const analogChannel = pin >= UNO_FIRST_ANALOG_PIN ? pin - UNO_FIRST_ANALOG_PIN : null;
      this.pins.push({ digital, analogChannel, mode: PIN_MODE.OUTPUT, latch: 0, external: 0, level: 0, wiredTo: [] });
    }
    this.reset();
  }

  // ---- the serial link ----------------------------------------------------------------------------

  /** The host opened the port: the board resets and announces its protocol version and firmware. */
  attach(send: (bytes: Buffer) => void): void {
    this.send = send;
    this.received.length = 0;
    this.parser = new FirmataParser((command) => this.handle(command));
    this.reset();
    this.reportVersion();
    this.reportFirmware();
  }

  detach(): void {
    this.send = null;
  }

  /** Bytes from the host. */
  receive(bytes: Uint8Array): void {
    this.parser.push(bytes);
  }

  // ---- test bench ---------------------------------------------------------------------------------

  /** The electrical level on a pin. */
  level(pin: number): Level {
    return this.pin(pin).level;
  }

  mode(pin: number): number {
    return this.pin(pin).mode;
  }

  /** Drives a pin from outside (a lamp-current sensor, a button); reported if the pin is an input. */
  setInput(pin: number, level: Level): void {
    const target = this.pin(pin);
    target.external = level;
    this.refresh(target);
  }

  /** A wire on the board's header: from's level is driven onto to from outside. */
  wire(from: number, to: number): void {
    const source = this.pin(from);
    source.wiredTo.push(this.pin(to));
    this.refresh(source);
  }

  /** The DIGITAL_MESSAGEs received, as {port, value}. */
  digitalMessages(): { port: number; value: number }[] {
    return this.received.flatMap((c) => (c.command === 'DIGITAL_MESSAGE' ? [{ port: c.port, value: c.value }] : []));
  }

  // ---- protocol -----------------------------------------------------------------------------------

  private handle(command: FirmataCommand): void {
    this.received.push(command);
    switch (command.command) {
      case 'REPORT_VERSION':
        return this.reportVersion();
      case 'SYSTEM_RESET':
        return this.reset();
      case 'SET_PIN_MODE':
        return this.setPinMode(command.pin, command.mode);
      case 'DIGITAL_MESSAGE':
        for (let bit = 0; bit < 8; bit++) {
          const pin = this.pins[command.port * 8 + bit];
          if (!pin?.digital) continue;
          const level = ((command.value >> bit) & 1) as Level;
          // StandardFirmata's backwards-compatible quirk: a 1 for an INPUT pin switches on its pull-up.
          if (pin.mode === PIN_MODE.INPUT && level === 1) pin.mode = PIN_MODE.PULLUP;
          this.setLatch(pin, level);
        }
        return;
      case 'SET_DIGITAL_PIN_VALUE': {
        const pin = this.pins[command.pin];
        if (pin?.digital) this.setLatch(pin, command.value);
        return;
      }
      case 'REPORT_DIGITAL':
        if (!command.enabled) {
          this.reportedPorts.delete(command.port);
          return;
        }
        // StandardFirmata sends the port at once when reporting is switched on (forceSend).
        this.reportedPorts.add(command.port);
        return this.reportPort(command.port);
      case 'REPORT_ANALOG':
        return;
      case 'SYSEX':
        return this.handleSysex(command.id, command.data);
    }
  }

  private handleSysex(id: number, data: number[]): void {
    if (id === FIRMATA.QUERY_FIRMWARE) return this.reportFirmware();
    if (id === FIRMATA.CAPABILITY_QUERY) {
      const body: number[] = [];
      for (const pin of this.pins) {
        if (pin.digital) body.push(PIN_MODE.INPUT, 1, PIN_MODE.OUTPUT, 1, PIN_MODE.PULLUP, 1);
        if (pin.analogChannel !== null) body.push(PIN_MODE.ANALOG, 10);
        body.push(0x7f);
      }
      return this.sysex(FIRMATA.CAPABILITY_RESPONSE, body);
    }
    if (id === FIRMATA.ANALOG_MAPPING_QUERY) {
      return this.sysex(FIRMATA.ANALOG_MAPPING_RESPONSE, this.pins.map((pin) => pin.analogChannel ?? NO_ANALOG_CHANNEL));
    }
    if (id === FIRMATA.PIN_STATE_QUERY && data[0] !== undefined) {
      const pin = this.pins[data[0]];
      if (pin === undefined) return;
      // For an output the state is the level written; for an input, whether the pull-up is on.
      const state = pin.mode === PIN_MODE.OUTPUT ? pin.latch : pin.mode === PIN_MODE.PULLUP ? 1 : 0;
      return this.sysex(FIRMATA.PIN_STATE_RESPONSE, [data[0], pin.mode, state]);
    }
    // Sampling interval and the sysex features a relay card does not use are accepted and ignored.
  }

  private reset(): void {
    this.reportedPorts.clear();
    for (const pin of this.pins) {
      pin.mode = pin.analogChannel !== null ? PIN_MODE.ANALOG : pin.digital ? PIN_MODE.OUTPUT : PIN_MODE.INPUT;
      pin.latch = 0;
      this.refresh(pin);
    }
  }

  private setPinMode(index: number, mode: number): void {
    const pin = this.pins[index];
    if (pin === undefined || !pin.digital) return;
    if (mode === PIN_MODE.ANALOG && pin.analogChannel === null) return;
    pin.mode = mode;
    this.refresh(pin);
  }

  private setLatch(pin: DevicePin, level: Level): void {
    pin.latch = level;
    this.refresh(pin);
  }

  /** Recomputes the pin's level; reports an input's change and passes it along wires. */
  private refresh(pin: DevicePin): void {
    const level = pin.mode === PIN_MODE.OUTPUT ? pin.latch : pin.external;
    if (level === pin.level) return;
    pin.level = level;
    const index = this.pins.indexOf(pin);
    if (isInputMode(pin.mode) && this.reportedPorts.has(index >> 3)) this.reportPort(index >> 3);
    for (const target of pin.wiredTo) {
      target.external = level;
      this.refresh(target);
    }
  }

  /** DIGITAL_MESSAGE with the levels of the port's input pins (outputs read as 0, as StandardFirmata masks them). */
  private reportPort(port: number): void {
    let value = 0;
    for (let bit = 0; bit < 8; bit++) {
      const pin = this.pins[port * 8 + bit];
      if (pin !== undefined && isInputMode(pin.mode) && pin.level === 1) value |= 1 << bit;
    }
    this.write([FIRMATA.DIGITAL_MESSAGE | port, value & 0x7f, (value >> 7) & 0x7f]);
  }

  private reportVersion(): void {
    this.write([FIRMATA.REPORT_VERSION, 2, 5]);
  }

  private reportFirmware(): void {
    const name = [...Buffer.from(this.firmwareName, 'ascii')].flatMap((byte) => [byte & 0x7f, byte >> 7]);
    this.sysex(FIRMATA.QUERY_FIRMWARE, [2, 5, ...name]);
  }

  private sysex(id: number, body: number[]): void {
    this.write([FIRMATA.START_SYSEX, id, ...body, FIRMATA.END_SYSEX]);
  }

  private write(bytes: number[]): void {
    this.send?.(Buffer.from(bytes));
  }

  private pin(index: number): DevicePin {
    const pin = this.pins[index];
    if (pin === undefined) throw new RangeError(`sim firmata: the board has pins 0..${this.pins.length - 1}, not ${index}`);
    return pin;
  }
}

const isInputMode = (mode: number): boolean => mode === PIN_MODE.INPUT || mode === PIN_MODE.PULLUP;

/** Splits the host's byte stream into commands (MIDI-style: a status byte, then 7-bit data bytes). */
class FirmataParser {
  private status: number | null = null;
  private data: number[] = [];

  constructor(private readonly onCommand: (command: FirmataCommand) => void) {}

  push(bytes: Uint8Array): void {
    for (const byte of bytes) this.pushByte(byte);
  }

  private pushByte(byte: number): void {
    if (this.status === FIRMATA.START_SYSEX) {
      if (byte !== FIRMATA.END_SYSEX) {
        this.data.push(byte);
        return;
      }
      const [id = 0, ...data] = this.data;
      this.reset();
      this.onCommand({ command: 'SYSEX', id, data });
      return;
    }
    if (byte >= 0x80) {
      this.status = byte;
      this.data = [];
    } else if (this.status !== null) {
      this.data.push(byte);
    }
    if (this.status !== null && this.data.length === dataLength(this.status)) {
      const command = decode(this.status, this.data);
      this.reset();
      if (command !== null) this.onCommand(command);
    }
  }

  private reset(): void {
    this.status = null;
    this.data = [];
  }
}

/** Data bytes after a status byte; -1 for sysex (until END_SYSEX) and unknown commands (ignored). */
function dataLength(status: number): number {
  if (status === FIRMATA.START_SYSEX) return -1;
  const high = status & 0xf0;
  if (high === FIRMATA.DIGITAL_MESSAGE || high === FIRMATA.ANALOG_MESSAGE) return 2;
  if (high === FIRMATA.REPORT_ANALOG || high === FIRMATA.REPORT_DIGITAL) return 1;
  if (status === FIRMATA.SET_PIN_MODE || status === FIRMATA.SET_DIGITAL_PIN_VALUE) return 2;
  if (status === FIRMATA.REPORT_VERSION || status === FIRMATA.SYSTEM_RESET) return 0;
  return -1;
}

function decode(status: number, data: number[]): FirmataCommand | null {
  const [a = 0, b = 0] = data;
  const high = status & 0xf0;
  if (high === FIRMATA.DIGITAL_MESSAGE) return { command: 'DIGITAL_MESSAGE', port: status & 0x0f, value: a | (b << 7) };
  if (high === FIRMATA.REPORT_DIGITAL) return { command: 'REPORT_DIGITAL', port: status & 0x0f, enabled: a !== 0 };
  if (high === FIRMATA.REPORT_ANALOG) return { command: 'REPORT_ANALOG', channel: status & 0x0f, enabled: a !== 0 };
  if (status === FIRMATA.SET_PIN_MODE) return { command: 'SET_PIN_MODE', pin: a, mode: b };
  if (status === FIRMATA.SET_DIGITAL_PIN_VALUE) return { command: 'SET_DIGITAL_PIN_VALUE', pin: a, value: (b & 1) as Level };
  if (status === FIRMATA.REPORT_VERSION) return { command: 'REPORT_VERSION' };
  if (status === FIRMATA.SYSTEM_RESET) return { command: 'SYSTEM_RESET' };
  return null; // an analog write: a relay card has no use for it
}

/**
 * Puts the device on the far end of serial path `path` of @serialport/binding-mock. Open the returned
 * binding with serialport's SerialPortStream ({ binding, path, baudRate }): what the host writes reaches
 * the device, and what the device sends arrives as serial data.
 */
export function connectSimFirmataDevice(path: string, device: SimFirmataDevice): BindingInterface {
  const MockBinding = SerialPortMock.binding;
  MockBinding.createPort(path, { echo: false, record: false });
  return {
    list: () => MockBinding.list(),
    async open(options) {
      const port = await MockBinding.open(options);
      return new SimFirmataPortBinding(port, device);
    },
  };
}

/** The host's end of the mock port: every write is handed to the device after the mock accepted it. */
class SimFirmataPortBinding implements BindingPortInterface {
  constructor(
    private readonly port: MockPortBinding,
    private readonly device: SimFirmataDevice,
  ) {
    device.attach((bytes) => {
      if (port.isOpen) port.emitData(bytes);
    });
  }

  get openOptions() {
    return this.port.openOptions;
  }

  get isOpen(): boolean {
    return this.port.isOpen;
  }

  async close(): Promise<void> {
    this.device.detach();
    await this.port.close();
  }

  read(buffer: Buffer, offset: number, length: number) {
    return this.port.read(buffer, offset, length);
  }

  async write(buffer: Buffer): Promise<void> {
    await this.port.write(buffer);
    this.device.receive(buffer);
  }

  update(options: UpdateOptions) {
    return this.port.update(options);
  }

  set(options: SetOptions) {
    return this.port.set(options);
  }

  get() {
    return this.port.get();
  }

  getBaudRate() {
    return this.port.getBaudRate();
  }

  flush() {
    return this.port.flush();
  }

  drain() {
    return this.port.drain();
  }
}
