// Development aid: the pipeline on each simulator preset against the scene's ground truth, with the
// failures by kind. Usage: npx tsx scripts/dev-sim-accuracy.ts [PRESET|odd|even] [--seconds S]
//   [--seed-offset N[,N…]] (each preset's seed shifted: held-out scenes) [--list] (every unpaired crossing, in time order)
// Environment: NO_LANES=1 (no lane dividers), NO_SIGNAL=1 (no signal feed to the background model),
// EFFECTS='{"shadows":false,"noise":0}' (scene effects overridden: what each costs),
// PIPELINE='{"tracker":{…},"counter":{…},"queueSplitter":{…},"motion":{…},"motionBackend":"ts"}' (settings to try;
// "motionBackend":"ts" measures with the TypeScript motion stage, whose mask is the WASM kernel's, while the kernel is being rebuilt).
import { parseArgs } from 'node:util';
import { errorOf, newQueueTally, runSimulatorPreset, summariseQueues, tallyByKind, zoneVolumeErrorOf, type FailureKinds, type KindTally } from './bench/sections/simulator.js';
import { SCENE_PRESETS } from '../sim/scene/presets.js';
import { addCounts } from './bench/stats.js';

const { values, positionals } = parseArgs({
  options: { seconds: { type: 'string' }, 'seed-offset': { type: 'string', default: '0' }, list: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const offsets = values['seed-offset'].split(',').map(Number);
const only = positionals[0];
const totals = { odd: { error: 0, truth: 0 }, even: { error: 0, truth: 0 } };
const kinds: FailureKinds = { missedAlone: 0, missedTouching: 0, double: 0, spurious: 0 };
const byKind: Record<string, KindTally> = {};
const zoneTotals = { absError: 0, volume: 0, truth: 0 };
const queues = newQueueTally();
let wrongCounted = 0;
let wrongTruth = 0;
for (const offset of offsets) for (const [name, basePreset] of Object.entries(SCENE_PRESETS)) {
  const preset = { ...basePreset, seed: basePreset.seed + offset, ...(process.env.EFFECTS ? { effects: { ...basePreset.effects, ...JSON.parse(process.env.EFFECTS) } } : {}) };
  const seconds = values.seconds !== undefined ? Number(values.seconds) : (preset.durationSeconds ?? 120);
  const parity = preset.seed % 2 === 1 ? 'odd' : 'even';
  if (only !== undefined && only !== name && only !== parity) continue;
  const pipeline = process.env.PIPELINE ? JSON.parse(process.env.PIPELINE) : undefined;
  const result = runSimulatorPreset(name, preset, { seconds, laneDividers: !process.env.NO_LANES, signalFeed: !process.env.NO_SIGNAL, pipeline });
  const error = errorOf(result);
  totals[parity].error += error.absError;
  totals[parity].truth += error.truth;
  const parts: string[] = [];
  for (const [line, r] of Object.entries(result.lines)) {
    for (const d of ['lr', 'rl'] as const) {
      const f = r.failures[d];
      addCounts(kinds, f);
      if (r.truth[d] === 0 && r.counted[d] === 0) continue;
      const notes = Object.entries(f).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(' ');
      parts.push(`${line} ${d} ${r.counted[d]}/${r.truth[d]}${notes ? ` (${notes})` : ''}`);
    }
  }
  if (result.stopLineWrongDirection) {
    wrongCounted += result.stopLineWrongDirection.counted;
    wrongTruth += result.stopLineWrongDirection.truth;
  }
  tallyByKind(result.crossings, byKind);
  const zoneError = zoneVolumeErrorOf(result);
  addCounts(zoneTotals, zoneError);
  addCounts(queues, result.queues);
  if (values.list) {
    for (const c of result.crossings) {
      if (c.outcome === 'matched' && !process.env.LIST_ALL) continue;
      const who = c.source === 'truth' ? `vehicle ${c.id} ${c.kind}` : `track ${c.id}${c.within ? ` in ${c.within}` : ''}`;
      console.log(`  ${String(c.frame).padStart(5)} ${c.line} ${c.direction} ${c.outcome.padEnd(14)} ${who} at ${c.x.toFixed(0)},${c.y.toFixed(0)}`);
    }
  }
  console.log(`${name.padEnd(24)} seed ${preset.seed} err ${((100 * error.absError) / Math.max(1, error.truth)).toFixed(1).padStart(5)} % | ${parts.join(' | ')} | zones ${Object.entries(result.zones).map(([zone, v]) => `${zone} ${v.volume}/${v.truth}`).join(' ')} | ${(result.pipelineMs / result.frames).toFixed(2)} ms/f`);
}
const all = { error: totals.odd.error + totals.even.error, truth: totals.odd.truth + totals.even.truth };
const pct = (t: { error: number; truth: number }) => (t.truth === 0 ? '-' : `${((100 * t.error) / t.truth).toFixed(1)} %`);
console.log(`overall |error| ${all.error} of ${all.truth} = ${pct(all)} (odd seeds ${pct(totals.odd)}, even seeds ${pct(totals.even)}); stop-line wrong direction ${wrongCounted} counted / ${wrongTruth} true`);
console.log(`failures: ${JSON.stringify(kinds)}`);
console.log(`by vehicle kind (truth crossings, missed, counts inside one of that kind): ${Object.entries(byKind).map(([kind, t]) => `${kind} ${t.truth}/${t.missed}/${t.countsInside}`).join(', ')}`);
console.log(`queue-zone volume: ${zoneTotals.volume} counted / ${zoneTotals.truth} true, |error| ${zoneTotals.absError} = ${pct({ error: zoneTotals.absError, truth: zoneTotals.truth })}`);
console.log(`queue length: ${JSON.stringify(summariseQueues(queues))}`);
