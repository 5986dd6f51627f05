// Development aid: every missed and every false safety event on the simulator presets, with frame
// numbers, the tracks near the vehicle and the flagged track's recent path, optionally with crops.
// Usage: npx tsx scripts/dev-safety.ts [PRESET …] [--seed-offset N[,N…]] [--kind red-light|wrong-way|illegal-stop]
//        [--crops DIR] [--quiet]
// --dump F1,F2,… writes each of those frames beside its foreground mask, with the tracks, to the --crops DIR.
// --history FILE appends one JSON line per raised event: its label, and its track's rows from 3 s before to 1 s after.
// --seed-offset shifts every preset's seed (held-out scenes: tune on one offset, verify on others).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evidenceJpeg } from '../edge/vision/evidence.js';
import type { SafetyEvent, SafetyEventKind } from '../edge/vision/safety-monitor.js';
import { runSafetyScene, SAFETY_KINDS, safetyPresets, scoreSafetyRun, summariseSafety, type SafetyTotals } from './bench/sections/safety.js';

const { values, positionals } = parseArgs({
  options: { history: { type: 'string' }, dump: { type: 'string' }, 'seed-offset': { type: 'string', default: '0' }, kind: { type: 'string' }, crops: { type: 'string' }, quiet: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const offsets = values['seed-offset'].split(',').map(Number);
const onlyKind = values.kind as SafetyEventKind | undefined;
if (onlyKind !== undefined && !SAFETY_KINDS.includes(onlyKind)) throw new Error(`--kind: one of ${SAFETY_KINDS.join(', ')}`);
if (values.crops) mkdirSync(values.crops, { recursive: true });

/** Per frame: active tracks (id, cx, cy, w, h, vx, vy in source px and px/s, hits, observed, singly). */
type TrackRow = [number, number, number, number, number, number, number, number, number, number];
/** Per frame: vehicle boxes (id, x0, y0, x1, y1). */
type BoxRow = [number, number, number, number, number];

const dumpFrames = new Set((values.dump ?? '').split(',').filter((f) => f !== '').map(Number));
const totals = Object.fromEntries(SAFETY_KINDS.map((kind) => [kind, { truth: 0, detected: 0, matched: 0 }])) as Record<SafetyEventKind, SafetyTotals>;
for (const offset of offsets) {
  for (const [name, preset] of safetyPresets(offset)) {
    if (positionals.length > 0 && !positionals.includes(name.replace(/\+\d+$/, ''))) continue;
    const tracksAt: TrackRow[][] = [];
    const boxesAt: BoxRow[][] = [];
    const signalAt: string[] = [];
    let truthSeen = 0;
    const raised: SafetyEvent[] = [];
    const crossings: Array<{ line: string; direction: number; trackId: number; frame: number; x: number; y: number }> = [];
    const onCrossing = (line: string, direction: number, trackId: number, frame: number, x: number, y: number) => crossings.push({ line, direction, trackId, frame, x, y });
    const run = runSafetyScene(preset, { onCrossing, onFrame: ({ index, frame, scene, pipeline, monitor }) => {
      if (index === 0 && values.crops) monitor.onEvent((event) => raised.push(event));
      const f = pipeline.factor;
      const tr = pipeline.tracker;
      const rows: TrackRow[] = [];
      for (let t = 0; t < tr.capacity; t++) {
        if (!tr.isActive(t)) continue;
        rows.push([tr.id[t]!, tr.cx[t]! * f, tr.cy[t]! * f, tr.w[t]! * f, tr.h[t]! * f, tr.vx[t]! * f * 1000, tr.vy[t]! * f * 1000, tr.hits[t]!, tr.observed[t]!, tr.singly[t]!]);
      }
      tracksAt[index] = rows;
      boxesAt[index] = scene.boxes().map((b) => [b.vehicleId, b.x0, b.y0, b.x1, b.y1]);
      signalAt[index] = scene.signalState();
      if (values.crops && dumpFrames.has(index)) {
        writeFileSync(join(values.crops, `${name}_dump_f${index}.jpg`), dumpJpeg(frame, pipeline.motion.mask, scene.width, scene.height, pipeline.factor, rows));
      }
      if (values.crops) {
        const truth = scene.truth().safety;
        for (; truthSeen < truth.length; truthSeen++) {
          const event = truth[truthSeen]!;
          const box = boxesAt[index]!.find((row) => row[0] === event.vehicleId);
          if (box) writeFileSync(join(values.crops, `${name}_${event.kind}_truth_f${event.frame}_v${event.vehicleId}.jpg`), framedJpeg(frame, scene.width, scene.height, { x: box[1], y: box[2], w: box[3] - box[1] + 1, h: box[4] - box[2] + 1 }));
        }
        for (const event of raised.splice(0)) {
          writeFileSync(join(values.crops, `${name}_${event.kind}_det_f${event.frame}_t${event.trackId}.jpg`), framedJpeg(frame, scene.width, scene.height, event.box));
        }
      }
    } });
    const scored = scoreSafetyRun(run);
    const lines: string[] = [];
    for (const kind of SAFETY_KINDS) {
      const r = scored[kind];
      totals[kind].truth += r.truth.length;
      totals[kind].detected += r.detections.length;
      totals[kind].matched += r.pairs.length;
      if (onlyKind !== undefined && kind !== onlyKind) continue;
      for (const [i, j] of r.pairs) {
        const d = r.detections[j]!.event;
        lines.push(`  ok    ${kind} truth f${r.truth[i]!.frame} v${r.truth[i]!.vehicleId} <- det f${d.frame} track ${d.trackId} box ${d.box.w.toFixed(0)}×${d.box.h.toFixed(0)} (${d.frame - r.truth[i]!.frame >= 0 ? '+' : ''}${d.frame - r.truth[i]!.frame}) ${features(d.trackId, d.frame)}`);
      }
      for (const i of r.missed) {
        const event = r.truth[i]!;
        lines.push(`  MISS  ${kind} truth f${event.frame} v${event.vehicleId} signal ${signalAt[event.frame]} ${describeVehicle(event.vehicleId, event.frame)}`);
        // Crossings near the missed event: of the stop line for a runner, of the other lines otherwise.
        const near = crossings.filter((c) => (kind === 'red-light' ? c.line === 'stop' : c.line !== 'stop') && Math.abs(c.frame - event.frame) <= 30);
        lines.push(`        ${kind === 'red-light' ? 'stop-line' : 'count-line'} crossings within 2 s: ${near.map((c) => `f${c.frame} #${c.trackId} ${c.direction === 0 ? 'lr' : 'rl'} at ${c.x.toFixed(0)},${c.y.toFixed(0)} ${features(c.trackId, c.frame)}`).join('; ') || 'none'}`);
        if (!values.quiet) for (const line of tracksNearVehicle(event.vehicleId, event.frame)) lines.push(`        ${line}`);
      }
      for (const j of r.extra) {
        const { event, vehicleIds } = r.detections[j]!;
        const box = event.box;
        const near = r.truth.filter((t) => Math.abs(t.frame - event.frame) < 200).map((t) => `f${t.frame} v${t.vehicleId}`);
        lines.push(
          `  FALSE ${kind} det f${event.frame} track ${event.trackId} box ${box.x.toFixed(0)},${box.y.toFixed(0)} ${box.w.toFixed(0)}×${box.h.toFixed(0)} vehicles [${vehicleIds.join(',')}]` +
            `${event.redForMs !== undefined ? ` red for ${(event.redForMs / 1000).toFixed(1)} s` : ''}${near.length ? ` (truth nearby: ${near.join(' ')})` : ''} ${features(event.trackId, event.frame)}`,
        );
        if (!values.quiet) for (const line of trackPath(event.trackId, event.frame)) lines.push(`        ${line}`);
      }
    }
    if (values.history) {
      for (const kind of SAFETY_KINDS) {
        const r = scored[kind];
        const matched = new Set(r.pairs.map(([, j]) => j));
        r.detections.forEach(({ event }, j) => {
          const rows: Array<TrackRow | null> = [];
          for (let k = event.frame - 45; k <= event.frame + 15; k++) rows.push(tracksAt[k]?.find((tr) => tr[0] === event.trackId) ?? null);
          appendFileSync(values.history!, `${JSON.stringify({ preset: name, kind, ok: matched.has(j), frame: event.frame, trackId: event.trackId, signal: signalAt.slice(event.frame - 45, event.frame + 16), rows })}\n`);
        });
      }
    }
    const counts = SAFETY_KINDS.map((kind) => `${kind} ${scored[kind].pairs.length}/${scored[kind].truth.length} of ${scored[kind].detections.length}`).join(' | ');
    console.log(`${name.padEnd(30)} seed ${preset.seed} | ${counts}`);
    for (const line of lines) console.log(line);

    function describeVehicle(id: number, frame: number): string {
      const box = boxesAt[frame]?.find((row) => row[0] === id);
      return box ? `box ${box[1]},${box[2]}-${box[3]},${box[4]}` : '(not visible)';
    }

    /** Tracks overlapping the vehicle's box, sampled around the frame. */
    function tracksNearVehicle(id: number, frame: number): string[] {
      const out: string[] = [];
      for (let k = frame - 30; k <= frame + 30; k += 6) {
        const box = boxesAt[k]?.find((row) => row[0] === id);
        if (!box) continue;
        const over = (tracksAt[k] ?? []).filter((tr) => tr[1] + tr[3] / 2 >= box[1] && tr[1] - tr[3] / 2 <= box[3] && tr[2] + tr[4] / 2 >= box[2] && tr[2] - tr[4] / 2 <= box[4]);
        out.push(`f${k} v box ${box[1]},${box[2]}-${box[3]},${box[4]}: ${over.map(formatTrack).join('; ') || 'no track'}`);
      }
      return out;
    }

    /** How the track was seen over the second before the frame: frames alone, span and speed of those sightings. */
    function features(trackId: number, frame: number): string {
      let singly = 0;
      let observed = 0;
      let first: TrackRow | null = null;
      let firstAt = 0;
      let last: TrackRow | null = null;
      let lastAt = 0;
      let age = 0;
      for (let k = frame - 400; k <= frame; k++) if ((tracksAt[k] ?? []).some((tr) => tr[0] === trackId)) { age = frame - k; break; }
      for (let k = frame - 14; k <= frame; k++) {
        const row = tracksAt[k]?.find((tr) => tr[0] === trackId);
        if (!row) continue;
        if (row[8]) observed++;
        if (row[8] && row[9]) {
          singly++;
          if (!first) { first = row; firstAt = k; }
          last = row; lastAt = k;
        }
      }
      const speed = first && last && lastAt > firstAt ? `${(Math.hypot(last[1] - first[1], last[2] - first[2]) / ((lastAt - firstAt) / 15)).toFixed(0)} px/s dy ${(last[2] - first[2]).toFixed(0)}` : '-';
      return `[age ${age} obs ${observed}/15 alone ${singly}/15 alone-speed ${speed}]`;
    }

    /** The flagged track's path before the event. */
    function trackPath(trackId: number, frame: number): string[] {
      const out: string[] = [];
      for (let k = Math.max(0, frame - 60); k <= frame; k += 6) {
        const row = tracksAt[k]?.find((tr) => tr[0] === trackId);
        if (row) out.push(`f${k} ${signalAt[k]} ${formatTrack(row)}`);
      }
      return out;
    }
  }
}
const summary = summariseSafety(totals);
console.log(`overall precision ${summary.precision} recall ${summary.recall}`);
for (const kind of SAFETY_KINDS) console.log(`  ${kind}: ${JSON.stringify(summary.perKind[kind])}`);

function formatTrack(tr: TrackRow): string {
  return `#${tr[0]} c ${tr[1].toFixed(0)},${tr[2].toFixed(0)} ${tr[3].toFixed(0)}×${tr[4].toFixed(0)} v ${tr[5].toFixed(0)},${tr[6].toFixed(0)} h${tr[7]}${tr[8] ? '' : ' coast'}${tr[9] ? '' : ' merged'}`;
}

/** The whole frame with the box outlined in white (the event crop is too small to see the context). */
function framedJpeg(frame: Uint8Array, width: number, height: number, box: { x: number; y: number; w: number; h: number }): Buffer {
  const copy = frame.slice();
  const x0 = Math.max(0, Math.round(box.x));
  const y0 = Math.max(0, Math.round(box.y));
  const x1 = Math.min(width - 1, Math.round(box.x + box.w));
  const y1 = Math.min(height - 1, Math.round(box.y + box.h));
  for (let x = x0; x <= x1; x++) copy[y0 * width + x] = copy[y1 * width + x] = 255;
  for (let y = y0; y <= y1; y++) copy[y * width + x0] = copy[y * width + x1] = 255;
  return evidenceJpeg(copy, width, height, { x: 0, y: 0, w: width, h: height }, { marginFraction: 0, maxSide: Math.max(width, height), quality: 90 });
}

/** Frame and mask side by side; tracks outlined (white when seen alone, gray otherwise) with their ids' last digit as a tick. */
function dumpJpeg(frame: Uint8Array, mask: Uint8Array, width: number, height: number, factor: number, rows: TrackRow[]): Buffer {
  const out = new Uint8Array(width * 2 * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      out[y * 2 * width + x] = frame[y * width + x]!;
      const mx = Math.floor(x / factor);
      const my = Math.floor(y / factor);
      out[y * 2 * width + width + x] = mask[my * Math.floor(width / factor) + mx] ? 160 : 0;
    }
  }
  for (const tr of rows) {
    const value = tr[9] ? 255 : 90;
    for (const offset of [0, width]) {
      const x0 = Math.max(0, Math.round(tr[1] - tr[3] / 2)) + offset;
      const x1 = Math.min(width - 1, Math.round(tr[1] + tr[3] / 2)) + offset;
      const y0 = Math.max(0, Math.round(tr[2] - tr[4] / 2));
      const y1 = Math.min(height - 1, Math.round(tr[2] + tr[4] / 2));
      for (let x = x0; x <= x1; x++) out[y0 * 2 * width + x] = out[y1 * 2 * width + x] = value;
      for (let y = y0; y <= y1; y++) out[y * 2 * width + x0] = out[y * 2 * width + x1] = value;
    }
  }
  return evidenceJpeg(out, width * 2, height, { x: 0, y: 0, w: width * 2, h: height }, { marginFraction: 0, maxSide: width * 2, quality: 90 });
}
