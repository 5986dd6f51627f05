import type { GpioBinding, PinSpec } from '../hal/gpio.js';
import { LAMP_ORDER } from '../hal/lamp-sensor.js';
import { openLogicalOutputs, type LogicalOutputBank } from '../hal/lines.js';

export type VehicleLamp = 'red' | 'amber' | 'green';
export type PedestrianLamp = 'dontWalk' | 'walk';

export interface SignalGroupOutputs {
  id: string;
  kind: 'vehicle' | 'pedestrian';
  outputs: Record<string, PinSpec>;
}


/** Which lamps of one head are lit: bit i is lamp LAMP_ORDER[kind][i] (the order lamp sensing reads in). */
export type LampMask = number;

export function lampMask(kind: SignalGroupOutputs['kind'], lit: readonly string[]): LampMask {
  let mask = 0;
  for (const lamp of lit) {
    const bit = LAMP_ORDER[kind].indexOf(lamp);
    if (bit < 0) throw new Error(`a ${kind} head has no '${lamp}' lamp`);
    mask |= 1 << bit;
  }
  return mask;
}

interface Head {
  group: SignalGroupOutputs;
  bank: LogicalOutputBank;
  all: number;
}

/**
 * The lamp outputs of every signal head, one output bank per head so a head changes in one masked
 * write. The flash-transfer relay is not here: the conflict monitor owns it, so the controller that
 * drives the lamps can never hold the cabinet out of flash.
 */
export class SignalHeads {
  private constructor(private readonly heads: Map<string, Head>) {}

  static async open(binding: GpioBinding, groups: readonly SignalGroupOutputs[]): Promise<SignalHeads> {
    const heads = new Map<string, Head>();
    const opened: LogicalOutputBank[] = [];
    try {
      for (const group of groups) {
        const pins = LAMP_ORDER[group.kind].map((lamp) => {
          const pin = group.outputs[lamp];
          if (!pin) throw new Error(`signal group ${group.id} has no '${lamp}' output`);
          return pin;
        });
        const bank = await openLogicalOutputs(binding, pins, 0);
        opened.push(bank);
        heads.set(group.id, { group, bank, all: (1 << pins.length) - 1 });
      }
      return new SignalHeads(heads);
    } catch (error) {
      await Promise.allSettled(opened.map((bank) => bank.close()));
      throw error;
    }
  }

  groupIds(): string[] {
    return [...this.heads.keys()];
  }

  kindOf(groupId: string): SignalGroupOutputs['kind'] {
    return this.head(groupId).group.kind;
  }

  /** Lights exactly the lamps in `lit` on one head, in one write. */
  async show(groupId: string, lit: LampMask): Promise<void> {
    const head = this.head(groupId);
    await head.bank.write(head.all, lit & head.all);
  }

  lit(groupId: string): LampMask {
    return this.head(groupId).bank.commanded();
  }

  /** Every lamp off (the monitor releases the relay, so the cabinet flashes). Tries every output. */
  async release(): Promise<void> {
    const writes = [...this.heads.values()].map((head) => head.bank.write(head.all, 0));
    const failures = (await Promise.allSettled(writes)).filter((result) => result.status === 'rejected');
    if (failures.length > 0) throw new AggregateError(failures.map((failure) => (failure as PromiseRejectedResult).reason), 'some outputs did not go safe');
  }

  async close(): Promise<void> {
    const banks = [...this.heads.values()].map((head) => head.bank);
    await Promise.allSettled(banks.map((bank) => bank.close()));
  }

  private head(groupId: string): Head {
    const head = this.heads.get(groupId);
    if (!head) throw new Error(`unknown signal group '${groupId}'`);
    return head;
  }
}
