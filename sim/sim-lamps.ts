import { GpioError, type Level, type PinSpec } from '../edge/hal/gpio.js';
import { LAMP_ORDER, type LampReading, type LampSensor, type SensedGroup, type SignalGroupKind } from '../edge/hal/lamp-sensor.js';
import type { SimGpioBinding } from './sim-gpio.js';

/** A signal group's lamps as wired to the node's outputs (the shape of config signal.groups[]). */
export interface SimLampGroup {
  id: string;
  kind: SignalGroupKind;
  outputs: Readonly<Record<string, PinSpec>>;
}

/** Ways a lamp circuit fails, injected per lamp. */
export type SimLampFault =
  /** The output is stuck asserted (shorted load switch): the lamp is lit whatever is written. */
  | { kind: 'stuck-on' }
  /** The output is stuck released (open load switch): the lamp stays dark. */
  | { kind: 'stuck-off' }
  /** The lamp is burnt out: its output is driven but no current flows. */
  | { kind: 'lamp-out' }
  /** The output ignores writes (dead driver behind a healthy controller). */
  | { kind: 'ignore-writes' }
  /** The output's relay switches delayMs after the write. */
  | { kind: 'slow'; delayMs: number };

interface SimLamp {
  pin: PinSpec;
  burntOut: boolean;
}

interface SimHead {
  group: SensedGroup;
  lamps: SimLamp[];
}

/**
 * The simulator's lamps with current sensing, attached to a SimGpioBinding's output pins: a lamp draws
 * current while its output is asserted (electrical level after active-low) and it is not burnt out.
 * Current is sensed on the node's side of the flash-transfer relay, so a stuck output stays visible while
 * the cabinet flashes (the monitor needs that to refuse a reset while the fault is still there).
 *
 * Output faults go through SimGpioBinding's pin faults (stuck level, ignore-writes, slow), so the pin and
 * the lamp agree; a burnt-out lamp is the one fault the pin cannot show, and lives here.
 */
export class SimLamps implements LampSensor {
  readonly groups: readonly SensedGroup[];
  private readonly heads: Map<string, SimHead>;
  private readFailure: GpioError | null = null;

  constructor(
    private readonly gpio: SimGpioBinding,
    groups: readonly SimLampGroup[],
    private readonly flashRelay?: PinSpec,
  ) {
    this.heads = new Map();
    for (const group of groups) {
      const lamps = LAMP_ORDER[group.kind].map((lamp) => {
        const pin = group.outputs[lamp];
        if (pin === undefined) throw new Error(`sim lamps: group ${group.id} has no '${lamp}' output`);
        return { pin, burntOut: false };
      });
      if (this.heads.has(group.id)) throw new Error(`sim lamps: group ${group.id} is listed twice`);
      this.heads.set(group.id, { group: { id: group.id, kind: group.kind }, lamps });
    }
    this.groups = [...this.heads.values()].map((head) => head.group);
  }

  read(): LampReading {
    if (this.readFailure) throw this.readFailure;
    const lit: Record<string, number> = {};
    for (const head of this.heads.values()) {
      let mask = 0;
      head.lamps.forEach((lamp, bit) => {
        if (this.drawsCurrent(lamp)) mask |= 1 << bit;
      });
      lit[head.group.id] = mask;
    }
    return { lit, flashRelayEnergised: this.flashRelay === undefined ? null : this.asserted(this.flashRelay) };
  }

  /** Whether one lamp draws current now. */
  isLit(groupId: string, lamp: string): boolean {
    return this.drawsCurrent(this.lamp(groupId, lamp));
  }

  injectFault(groupId: string, lampName: string, fault: SimLampFault): void {
    const lamp = this.lamp(groupId, lampName);
    const { chip, line } = lamp.pin;
    const assertedLevel: Level = lamp.pin.activeLow === true ? 0 : 1;
    switch (fault.kind) {
      case 'lamp-out':
        lamp.burntOut = true;
        return;
      case 'stuck-on':
        return this.gpio.injectFault(chip, line, { kind: 'stuck', level: assertedLevel });
      case 'stuck-off':
        return this.gpio.injectFault(chip, line, { kind: 'stuck', level: assertedLevel === 1 ? 0 : 1 });
      case 'ignore-writes':
        return this.gpio.injectFault(chip, line, { kind: 'ignore-writes' });
      case 'slow':
        return this.gpio.injectFault(chip, line, { kind: 'slow', delayMs: fault.delayMs });
    }
  }

  /** Replaces the lamp and clears its output's fault: the lamp follows its output again at once. */
  clearFault(groupId: string, lampName: string): void {
    const lamp = this.lamp(groupId, lampName);
    lamp.burntOut = false;
    this.gpio.clearFault(lamp.pin.chip, lamp.pin.line);
  }

  /** The current-sensing board stops answering: read() throws GpioError(code) until restoreReads(). */
  failReads(code: GpioError['code'] = 'EIO'): void {
    this.readFailure = new GpioError(code, `sim lamps: current sensing does not answer (injected ${code})`);
  }

  restoreReads(): void {
    this.readFailure = null;
  }

  async close(): Promise<void> {
    // The lamps own no lines: the outputs belong to whoever opened them.
  }

  private drawsCurrent(lamp: SimLamp): boolean {
    return !lamp.burntOut && this.asserted(lamp.pin);
  }

  private asserted(pin: PinSpec): boolean {
    return (this.gpio.outputLevel(pin.chip, pin.line) ^ (pin.activeLow === true ? 1 : 0)) === 1;
  }

  private lamp(groupId: string, lampName: string): SimLamp {
    const head = this.heads.get(groupId);
    if (head === undefined) throw new Error(`sim lamps: unknown group '${groupId}'`);
    const bit = LAMP_ORDER[head.group.kind].indexOf(lampName);
    if (bit < 0) throw new Error(`sim lamps: a ${head.group.kind} head has no '${lampName}' lamp (lamps: ${LAMP_ORDER[head.group.kind].join(', ')})`);
    return head.lamps[bit]!;
  }
}
