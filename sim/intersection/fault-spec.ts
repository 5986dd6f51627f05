/**
 * The `--faults` option of `nutgiao sim`: hardware faults to inject at given simulated seconds, written so
 * a technician can name them without reading the config, e.g.
 *   stuck-green:G3@120,lamp-out:G1:red@300,controller-hang@500
 * Each item is `kind[:group[:lamp[:ms]]]@second`.
 */

export const LAMP_FAULT_KINDS = ['stuck-on', 'stuck-off', 'lamp-out', 'ignore-writes', 'slow-relay'] as const;
export type LampFaultKind = (typeof LAMP_FAULT_KINDS)[number];

export type Lamp = 'red' | 'amber' | 'green' | 'dontWalk' | 'walk';

export type FaultSpec =
  | { kind: LampFaultKind; group: string; lamp: Lamp; atS: number; delayMs?: number }
  /** The controller stops running (its timers and heartbeat stop) while the lamps keep their last state. */
  | { kind: 'controller-hang'; atS: number };

/** Shorthands: `stuck-green:G3` = `stuck-on:G3:green`, and so on for every lamp. */
const SHORTHAND = /^(stuck|dead)-(red|amber|yellow|green|walk|dont-walk|dontwalk)$/i;

const LAMP_NAMES: Record<string, Lamp> = {
  red: 'red',
  amber: 'amber',
  yellow: 'amber',
  green: 'green',
  walk: 'walk',
  dontwalk: 'dontWalk',
  'dont-walk': 'dontWalk',
};

const KINDS_HELP = `kinds: ${LAMP_FAULT_KINDS.join(', ')}, controller-hang, or stuck-<lamp> / dead-<lamp> (lamps: red, amber, green, walk, dont-walk)`;

export class FaultSpecError extends Error {}

export interface FaultTargetGroup {
  id: string;
  kind: 'vehicle' | 'pedestrian';
}

const LAMPS_OF: Record<FaultTargetGroup['kind'], readonly Lamp[]> = {
  vehicle: ['red', 'amber', 'green'],
  pedestrian: ['dontWalk', 'walk'],
};

/** Parses the whole option; every item's error names the item and its position. groups are the config's signal groups. */
export function parseFaultSpecs(text: string, groups: readonly FaultTargetGroup[]): FaultSpec[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  const faults = items.map((item, index) => {
    try {
      return parseFaultSpec(item, groups);
    } catch (error) {
      throw new FaultSpecError(`--faults item ${index + 1} '${item}': ${(error as Error).message}`);
    }
  });
  return faults.sort((a, b) => a.atS - b.atS);
}

function parseFaultSpec(item: string, groups: readonly FaultTargetGroup[]): FaultSpec {
  const at = item.lastIndexOf('@');
  if (at < 0) throw new Error('needs @SECOND, the simulated second at which it happens (e.g. stuck-green:G3@120)');
  const atS = Number(item.slice(at + 1));
  if (item.slice(at + 1).trim() === '' || !Number.isFinite(atS) || atS < 0) throw new Error(`'${item.slice(at + 1)}' is not a second >= 0`);
  const [rawKind = '', ...args] = item.slice(0, at).split(':');
  const kind = rawKind.toLowerCase();

  if (kind === 'controller-hang') {
    if (args.length > 0) throw new Error('controller-hang takes no group or lamp');
    return { kind, atS };
  }
  const shorthand = SHORTHAND.exec(kind);
  if (shorthand) {
    if (args.length !== 1) throw new Error(`${kind} takes one signal group: ${kind}:G1@SECOND`);
    const group = findGroup(args[0]!, groups);
    return { kind: shorthand[1] === 'stuck' ? 'stuck-on' : 'stuck-off', group: group.id, lamp: checkLamp(LAMP_NAMES[shorthand[2]!.toLowerCase()]!, group), atS };
  }
  if (!(LAMP_FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown fault kind '${rawKind}' (${KINDS_HELP})`);
  const lampKind = kind as LampFaultKind;
  const expected = lampKind === 'slow-relay' ? 'GROUP:LAMP[:DELAY_MS]' : 'GROUP:LAMP';
  if (args.length < 2 || args.length > (lampKind === 'slow-relay' ? 3 : 2)) throw new Error(`${kind} takes ${expected}, e.g. ${kind}:G1:red@SECOND`);
  const target = findGroup(args[0]!, groups);
  const named = LAMP_NAMES[args[1]!.toLowerCase()];
  if (named === undefined) throw new Error(`unknown lamp '${args[1]}' (red, amber, green, walk, dont-walk)`);
  const group = target.id;
  const lamp = checkLamp(named, target);
  if (lampKind !== 'slow-relay') return { kind: lampKind, group, lamp, atS };
  const delayMs = args[2] === undefined ? 500 : Number(args[2]);
  if (!Number.isInteger(delayMs) || delayMs < 1 || delayMs > 60_000) throw new Error(`slow-relay delay '${args[2]}' must be a whole number of ms from 1 to 60000`);
  return { kind: lampKind, group, lamp, atS, delayMs };
}

function findGroup(id: string, groups: readonly FaultTargetGroup[]): FaultTargetGroup {
  const group = groups.find((candidate) => candidate.id === id);
  if (!group) throw new Error(`unknown signal group '${id}' (groups: ${groups.map((known) => known.id).join(', ')})`);
  return group;
}

function checkLamp(lamp: Lamp, group: FaultTargetGroup): Lamp {
  if (!LAMPS_OF[group.kind].includes(lamp)) throw new Error(`${group.kind} group ${group.id} has no ${lamp} lamp (it has ${LAMPS_OF[group.kind].join(', ')})`);
  return lamp;
}
