/**
 * Random valid intersections for the controller's property checks: groups of both kinds, a random
 * conflict matrix, phases built only from mutually non-conflicting groups (some groups served by two
 * phases), random timings within the schema's ranges, plans with a schedule, and often a preempt.
 * Every config goes through validateConfig, so the controller only ever sees configs a node would accept.
 */
import { validateConfig, type Config } from '../../edge/config/index.js';
import { RECALL_MODES } from '../../edge/config/schema.js';
import { WEEK_DAYS } from '../../edge/config/signal-schema-parts.js';

type Random = () => number;

const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
/** Seconds in half-second steps, as a commissioning engineer writes them. */
const halfSeconds = (random: Random, min: number, max: number) => min + int(random, 0, Math.round((max - min) * 2)) / 2;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function shuffle<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Builds the signal section of a random valid config; throws if validation disagrees (a generator bug). */
export function randomSignalConfig(random: Random): Config['signal'] {
  let line = 0;
  const pin = () => ({ line: line++ });
  const groupCount = int(random, 2, 8);
  const groups = Array.from({ length: groupCount }, (_, i) => {
    const pedestrian = i > 0 && random() < 0.3;
    return pedestrian
      ? { id: `P${i}`, kind: 'pedestrian', outputs: { dontWalk: pin(), walk: pin() } }
      : { id: `G${i}`, kind: 'vehicle', outputs: { red: pin(), amber: pin(), green: pin() } };
  });
  const ids = groups.map((group) => group.id);
  const conflicts: Array<[string, string]> = [];
  const conflicting = new Set<string>();
  ids.forEach((a, i) =>
    ids.slice(i + 1).forEach((b) => {
      const bothPedestrian = a.startsWith('P') && b.startsWith('P');
      if (!bothPedestrian && random() < 0.55) {
        conflicts.push([a, b]);
        conflicting.add(`${a} ${b}`).add(`${b} ${a}`);
      }
    }),
  );
  const compatible = (members: readonly string[], id: string) => members.every((other) => other !== id && !conflicting.has(`${other} ${id}`));

  const memberSets: string[][] = [];
  for (const id of shuffle(random, ids)) {
    const home = random() < 0.3 ? undefined : memberSets.find((members) => compatible(members, id));
    if (home) home.push(id);
    else memberSets.push([id]);
  }
  // Some groups also run in a second phase, when they conflict with nothing there.
  for (const members of memberSets) {
    for (const id of ids) if (random() < 0.15 && compatible(members, id)) members.push(id);
  }

  const phases = memberSets.map((members, p) => {
    const minGreen = halfSeconds(random, 5, 20);
    const hasPedestrian = members.some((id) => id.startsWith('P'));
    return {
      id: `ph${p}`,
      groups: members,
      minGreen,
      maxGreen: Math.max(10, minGreen + halfSeconds(random, 0, 40)),
      passage: halfSeconds(random, 0, 5),
      yellow: halfSeconds(random, 3, 6),
      redClearance: halfSeconds(random, 0, 3),
      ...(hasPedestrian ? { walk: halfSeconds(random, 4, 10), pedClearance: halfSeconds(random, 3, 15) } : {}),
      recall: pick(random, RECALL_MODES),
    };
  });
  const phaseIds = phases.map((phase) => phase.id);

  const plans = Array.from({ length: int(random, 0, 3) }, (_, p) => ({
    id: `plan${p}`,
    ...(random() < 0.5 ? { mode: pick(random, ['actuated', 'fixed'] as const) } : {}),
    timings: shuffle(random, phaseIds)
      .slice(0, int(random, 0, phaseIds.length))
      .map((phase) => {
        const minGreen = halfSeconds(random, 5, 25);
        return { phase, minGreen, maxGreen: Math.max(10, minGreen + halfSeconds(random, 0, 30)), passage: halfSeconds(random, 0, 5), recall: pick(random, RECALL_MODES) };
      }),
  }));
  const startSlots = new Set<string>();
  const schedule = plans.length === 0 ? [] : Array.from({ length: int(random, 1, 6) }, () => {
    const start = `${String(int(random, 0, 23)).padStart(2, '0')}:${String(int(random, 0, 59)).padStart(2, '0')}`;
    return { days: shuffle(random, WEEK_DAYS).slice(0, int(random, 1, 7)), start, plan: pick(random, plans).id };
  }).filter((entry) => {
    // Two entries starting on the same day and minute are rejected by validation; keep the first.
    const slots = entry.days.map((day) => `${day} ${entry.start}`);
    if (slots.some((slot) => startSlots.has(slot))) return false;
    slots.forEach((slot) => startSlots.add(slot));
    return true;
  });

  const signal = {
    groups,
    conflicts,
    phases,
    ring: shuffle(random, phaseIds),
    mode: pick(random, ['actuated', 'actuated', 'fixed'] as const),
    flashAspect: pick(random, ['flashing-amber', 'flashing-red'] as const),
    startup: { flashS: halfSeconds(random, 0, 10), allRedS: halfSeconds(random, 1, 5) },
    plans,
    schedule,
    ...(random() < 0.7 ? { preempt: { input: pin(), phase: pick(random, phaseIds), dwellS: halfSeconds(random, 5, 30), exitPhase: pick(random, phaseIds) } } : {}),
  };
  const result = validateConfig({ node: { id: 'random', site: 'bench' }, signal });
  if (!result.ok) throw new Error(`randomSignalConfig produced an invalid config:\n${result.errors.join('\n')}\n${JSON.stringify(signal)}`);
  return result.config.signal;
}
