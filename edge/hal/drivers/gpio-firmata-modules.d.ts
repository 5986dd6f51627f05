/**
 * The parts of firmata-io (firmata.js 2.3) and johnny-five 2.1 the firmata driver uses; neither package
 * ships types. Checked against their sources: lib/firmata.js and lib/board.js.
 */

declare module 'firmata-io' {
  import type { EventEmitter } from 'node:events';

  namespace bindTransport {
    interface FirmataPin {
      supportedModes: number[];
      mode?: number;
      value: number;
      analogChannel: number;
    }

    class Firmata extends EventEmitter {
      /** transport: a serial stream (serialport's SerialPortStream) emitting open/data/close/error. */
      constructor(transport: object, options?: { reportVersionTimeout?: number }, callback?: (error?: Error) => void);
      readonly MODES: { INPUT: number; OUTPUT: number; ANALOG: number; PULLUP: number };
      readonly pins: FirmataPin[];
      /** firmata.js's copy of each 8-pin port: output levels written, input levels reported. */
      readonly ports: number[];
      readonly isReady: boolean;
      readonly reportVersionTimeoutId: NodeJS.Timeout | undefined;
      pinMode(pin: number, mode: number): void;
      /** Sets the pin's bit in firmata.js's copy of its port; returns the port. */
      updateDigitalPort(pin: number, value: number): number;
      /** Sends one DIGITAL_MESSAGE with firmata.js's copy of the port. */
      writeDigitalPort(port: number): void;
      reportDigitalPin(pin: number, value: 0 | 1): void;
      queryPinState(pin: number, callback: () => void): void;
    }
  }

  /** Binds a default transport class; the driver always passes an open-able stream instead. */
  function bindTransport(transport: unknown): typeof bindTransport.Firmata;
  export = bindTransport;
}

declare module 'johnny-five' {
  import type { EventEmitter } from 'node:events';

  namespace five {
    class Board extends EventEmitter {
      constructor(options: { io: object; repl?: boolean; debug?: boolean; sigint?: boolean; timeout?: number });
      readonly isReady: boolean;
      /** johnny-five's own connect timeout, cleared when the board is ready. */
      timer: NodeJS.Timeout | null;
    }
  }
  export = five;
}
