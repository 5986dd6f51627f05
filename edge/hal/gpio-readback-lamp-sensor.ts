import type { Clock } from './clock.js';
import type { GpioBinding, PinSpec } from './gpio.js';
import { LAMP_ORDER, type LampReading, type LampSensor, type SensedGroup, type SignalGroupKind } from './lamp-sensor.js';
import { openDebouncedInput, type DebouncedInput } from './lines.js';

/** One group's readback inputs: a pin per lamp of its kind (red/amber/green or dontWalk/walk). */
export interface ReadbackGroup {
  id: string;
  kind: SignalGroupKind;
  inputs: Readonly<Record<string, PinSpec>>;
}

export interface GpioReadbackOptions {
  /** How long a readback level must hold before it counts (filters a sensing circuit's chatter). */
  debounceMs: number;
  /** An input that reads the flash-transfer relay's contact, when the cabinet wires one. */
  flashRelayInput?: PinSpec;
}

interface ReadbackHead {
  group: SensedGroup;
  /** inputs[i] senses lamp LAMP_ORDER[kind][i]. */
  inputs: DebouncedInput[];
}

/**
 * Lamp sensing through GPIO inputs wired to each lamp's current sensor or load-switch readback: logical 1
 * (after active-low) = the lamp draws current. Levels are kept current from edges by lines.ts, so read()
 * costs nothing and never waits on the binding.
 */
export class GpioReadbackLampSensor implements LampSensor {
  readonly groups: readonly SensedGroup[];

  private constructor(
    private readonly heads: readonly ReadbackHead[],
    private readonly relay: DebouncedInput | null,
  ) {
    this.groups = heads.map((head) => head.group);
  }

  static async open(binding: GpioBinding, clock: Clock, groups: readonly ReadbackGroup[], options: GpioReadbackOptions): Promise<GpioReadbackLampSensor> {
    const opened: DebouncedInput[] = [];
    const open = async (pin: PinSpec) => {
      const input = await openDebouncedInput(binding, pin, clock, { edge: 'both', debounceMs: options.debounceMs });
      opened.push(input);
      return input;
    };
    try {
      const heads: ReadbackHead[] = [];
      for (const group of groups) {
        const inputs: DebouncedInput[] = [];
        for (const lamp of LAMP_ORDER[group.kind]) {
          const pin = group.inputs[lamp];
          if (pin === undefined) throw new Error(`lamp readback for group ${group.id} has no '${lamp}' input`);
          inputs.push(await open(pin));
        }
        heads.push({ group: { id: group.id, kind: group.kind }, inputs });
      }
      const relay = options.flashRelayInput ? await open(options.flashRelayInput) : null;
      return new GpioReadbackLampSensor(heads, relay);
    } catch (error) {
      await Promise.allSettled(opened.map((input) => input.close()));
      throw error;
    }
  }

  read(): LampReading {
    const lit: Record<string, number> = {};
    for (const head of this.heads) {
      let mask = 0;
      head.inputs.forEach((input, bit) => {
        mask |= input.level() << bit;
      });
      lit[head.group.id] = mask;
    }
    return { lit, flashRelayEnergised: this.relay === null ? null : this.relay.level() === 1 };
  }

  async close(): Promise<void> {
    const inputs = this.heads.flatMap((head) => head.inputs);
    if (this.relay) inputs.push(this.relay);
    await Promise.allSettled(inputs.map((input) => input.close()));
  }
}
