import { lampMask, type LampMask, type SignalHeads } from '../signal-heads.js';
import type { Aspect, GroupKind } from './aspects.js';

const LIT = {
  vehicle: {
    red: lampMask('vehicle', ['red']),
    amber: lampMask('vehicle', ['amber']),
    green: lampMask('vehicle', ['green']),
  },
  pedestrian: {
    dontWalk: lampMask('pedestrian', ['dontWalk']),
    walk: lampMask('pedestrian', ['walk']),
  },
} as const;

/** The lamps an aspect lights on a head of this kind; flashing aspects light only while the flasher is on. */
export function lampsFor(kind: GroupKind, aspect: Aspect, flashOn: boolean): LampMask {
  if (kind === 'vehicle') {
    switch (aspect) {
      case 'red':
        return LIT.vehicle.red;
      case 'yellow':
        return LIT.vehicle.amber;
      case 'green':
        return LIT.vehicle.green;
      case 'flashing-amber':
        return flashOn ? LIT.vehicle.amber : 0;
      case 'flashing-red':
        return flashOn ? LIT.vehicle.red : 0;
      case 'dark':
        return 0;
      default:
        throw new Error(`a vehicle head cannot show '${aspect}'`);
    }
  }
  switch (aspect) {
    case 'dont-walk':
      return LIT.pedestrian.dontWalk;
    case 'walk':
      return LIT.pedestrian.walk;
    case 'ped-clear':
      return flashOn ? LIT.pedestrian.dontWalk : 0;
    case 'dark':
      return 0;
    default:
      throw new Error(`a pedestrian head cannot show '${aspect}'`);
  }
}

/**
 * Writes new lamp masks to the heads in two rounds: first every lamp going off (on every head), then
 * every lamp coming on. So within one transition no green or walk is ever lit while the one it replaces
 * still is, whatever order the heads are written in.
 */
export async function writeLamps(heads: SignalHeads, next: ReadonlyMap<string, LampMask>): Promise<void> {
  const offs: Array<Promise<void>> = [];
  for (const [id, mask] of next) {
    const lit = heads.lit(id);
    if ((lit & ~mask) !== 0) offs.push(heads.show(id, lit & mask));
  }
  await Promise.all(offs);
  const ons: Array<Promise<void>> = [];
  for (const [id, mask] of next) {
    if (heads.lit(id) !== mask) ons.push(heads.show(id, mask));
  }
  await Promise.all(ons);
}
