/**
 * Which lamps of each signal head are actually lit, as measured (current sensing, voltage readback), not
 * as commanded. The conflict monitor reads only this, so it stays independent of the controller that
 * drives the lamps: a dead driver, a welded relay or a burnt-out lamp shows here and nowhere else.
 */

export type SignalGroupKind = 'vehicle' | 'pedestrian';

/**
 * Bit order of a head's lamp mask: bit i is LAMP_ORDER[kind][i]. The same order as
 * edge/signal/signal-heads.ts (which writes the lamps), so a mask means the same on both sides.
 */
export const LAMP_ORDER: Readonly<Record<SignalGroupKind, readonly string[]>> = {
  vehicle: ['red', 'amber', 'green'],
  pedestrian: ['dontWalk', 'walk'],
};

export const RED_BIT = 0b001;
export const AMBER_BIT = 0b010;
export const GREEN_BIT = 0b100;
export const DONT_WALK_BIT = 0b01;
export const WALK_BIT = 0b10;

/** A sensed group: its id and kind (which fixes the meaning of its mask bits). */
export interface SensedGroup {
  readonly id: string;
  readonly kind: SignalGroupKind;
}

export interface LampReading {
  /** Lamps drawing current, per group id: bit i is LAMP_ORDER[kind][i]. */
  readonly lit: Readonly<Record<string, number>>;
  /** The flash-transfer relay: true = energised (the node's outputs reach the lamps); null = not sensed. */
  readonly flashRelayEnergised: boolean | null;
}

export interface LampSensor {
  readonly groups: readonly SensedGroup[];
  /** The lamps as they are now. Synchronous: sensors keep their inputs current from edges or the sim. */
  read(): LampReading;
  close(): Promise<void>;
}

/** The names of the lamps set in a mask, in LAMP_ORDER (for fault records and logs). */
export function litLampNames(kind: SignalGroupKind, mask: number): string[] {
  return LAMP_ORDER[kind].filter((_, bit) => ((mask >>> bit) & 1) === 1);
}
