/**
 * Ground truth of a real clip (the hand-checked .md next to it) and the one-to-one matching of counted
 * crossing frames to truth frames that the realFootage section reports.
 */

export type Direction = 'lr' | 'rl';

export interface ClipTruth {
  clip: string;
  /** A=(x1,y1) → B=(x2,y2) in source pixels. */
  line: [number, number, number, number];
  /** Crossing frames per NutGiao direction (`lr` = side < 0 → side > 0), ascending. */
  events: Record<Direction, number[]>;
  counts: Record<Direction, number>;
  /** Tolerance of each truth frame in frames (the .md's `frame_tolerance`, with its exceptions). */
  toleranceOf(frame: number): number;
  baseTolerance: number;
  toleranceExceptions: Record<number, number>;
}

/**
 * Reads the machine-readable JSON block of a truth .md: the last ```json fenced block, keyed by clip file
 * name. The truth files name directions pos_to_neg / neg_to_pos; in NutGiao's convention neg_to_pos is
 * `lr` and pos_to_neg is `rl` (both are side(P) of the same A→B line).
 */
export function parseTruthMarkdown(markdown: string, clip?: string): ClipTruth {
  const blocks = [...markdown.matchAll(/```json\s*\n([\s\S]*?)```/g)];
  const last = blocks[blocks.length - 1];
  if (last === undefined) throw new Error('truth markdown: no ```json block');
  const document = JSON.parse(last[1]!) as Record<string, RawTruth>;
  const name = clip ?? Object.keys(document)[0];
  if (name === undefined || document[name] === undefined) throw new Error(`truth markdown: no entry for ${clip ?? 'any clip'}`);
  const raw = document[name];
  if (!Array.isArray(raw.line) || raw.line.length !== 4 || !raw.events || !raw.counts) {
    throw new Error(`truth markdown: ${name} lacks line, events or counts`);
  }
  const events = { lr: sortedFrames(raw.events.neg_to_pos), rl: sortedFrames(raw.events.pos_to_neg) };
  const counts = { lr: Number(raw.counts.neg_to_pos), rl: Number(raw.counts.pos_to_neg) };
  if (events.lr.length !== counts.lr || events.rl.length !== counts.rl) {
    throw new Error(`truth markdown: ${name} counts (${counts.lr}/${counts.rl}) disagree with its event lists (${events.lr.length}/${events.rl.length})`);
  }
  const { base, exceptions } = parseFrameTolerance(raw.frame_tolerance);
  return {
    clip: name,
    line: raw.line.map(Number) as [number, number, number, number],
    events,
    counts,
    baseTolerance: base,
    toleranceExceptions: exceptions,
    toleranceOf: (frame) => exceptions[frame] ?? base,
  };
}

interface RawTruth {
  line?: unknown[];
  counts?: { pos_to_neg?: unknown; neg_to_pos?: unknown };
  events?: { pos_to_neg?: unknown; neg_to_pos?: unknown };
  frame_tolerance?: unknown;
}

function sortedFrames(value: unknown): number[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((frame) => Number.isInteger(frame))) throw new Error('truth markdown: an event list is not a list of frame numbers');
  return (value as number[]).slice().sort((a, b) => a - b);
}

/** `"+-2 (+-3 for 262, 1525, 1625)"` → base 2, exceptions {262: 3, 1525: 3, 1625: 3}. Absent → ±2. */
export function parseFrameTolerance(text: unknown): { base: number; exceptions: Record<number, number> } {
  const exceptions: Record<number, number> = {};
  if (typeof text !== 'string') return { base: 2, exceptions };
  const base = /^\s*(?:\+-|±)\s*(\d+)/.exec(text);
  for (const group of text.matchAll(/(?:\+-|±)\s*(\d+)\s+for\s+([\d,\s]+)/g)) {
    for (const frame of group[2]!.split(',')) {
      if (frame.trim() !== '') exceptions[Number(frame)] = Number(group[1]);
    }
  }
  return { base: base ? Number(base[1]) : 2, exceptions };
}

export interface FrameMatch {
  counted: number;
  truth: number;
  /** counted − truth, frames. */
  offset: number;
}

export interface MatchResult {
  matches: FrameMatch[];
  /** Truth frames no counted crossing was matched to. */
  missed: number[];
  /** Counted frames matched to no truth frame. */
  extra: number[];
}

/**
 * An optimal one-to-one matching of counted frames to truth frames: as many pairs as possible with
 * |counted − truth| ≤ tolerance(truth), and among those the smallest total |offset|. On a line an optimal
 * matching never crosses (swapping two crossed pairs keeps both within tolerance and does not increase
 * the sum), so a dynamic programme over both sorted lists finds it exactly. Ties (equal count and equal
 * total offset) are broken deterministically: the earlier counted frame takes the earlier truth frame.
 */
export function matchFrames(countedFrames: readonly number[], truthFrames: readonly number[], tolerance: number | ((truthFrame: number) => number)): MatchResult {
  const counted = countedFrames.slice().sort((a, b) => a - b);
  const truth = truthFrames.slice().sort((a, b) => a - b);
  const tol = typeof tolerance === 'number' ? () => tolerance : tolerance;
  const n = counted.length;
  const m = truth.length;
  // best[i][j]: optimum over counted[i..] and truth[j..], as (pairs, total |offset|).
  const pairs = new Int32Array((n + 1) * (m + 1));
  const cost = new Float64Array((n + 1) * (m + 1));
  const choice = new Uint8Array((n + 1) * (m + 1)); // 0 skip counted, 1 skip truth, 2 match
  const at = (i: number, j: number) => i * (m + 1) + j;
  const better = (p1: number, c1: number, p2: number, c2: number) => p1 > p2 || (p1 === p2 && c1 < c2);
  for (let i = n; i >= 0; i--) {
    for (let j = m; j >= 0; j--) {
      if (i === n || j === m) continue; // zero pairs, zero cost
      const k = at(i, j);
      let bestPairs = pairs[at(i + 1, j)]!;
      let bestCost = cost[at(i + 1, j)]!;
      let bestChoice = 0;
      // Matching first, then skipping truth, keeps the earliest pairing on ties.
      const offset = counted[i]! - truth[j]!;
      if (Math.abs(offset) <= tol(truth[j]!)) {
        const p = pairs[at(i + 1, j + 1)]! + 1;
        const c = cost[at(i + 1, j + 1)]! + Math.abs(offset);
        if (!better(bestPairs, bestCost, p, c)) {
          bestPairs = p;
          bestCost = c;
          bestChoice = 2;
        }
      }
      const skipTruthPairs = pairs[at(i, j + 1)]!;
      const skipTruthCost = cost[at(i, j + 1)]!;
      if (better(skipTruthPairs, skipTruthCost, bestPairs, bestCost)) {
        bestPairs = skipTruthPairs;
        bestCost = skipTruthCost;
        bestChoice = 1;
      }
      pairs[k] = bestPairs;
      cost[k] = bestCost;
      choice[k] = bestChoice;
    }
  }
  const matches: FrameMatch[] = [];
  const matchedCounted = new Set<number>();
  const matchedTruth = new Set<number>();
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const c = choice[at(i, j)]!;
    if (c === 2) {
      matches.push({ counted: counted[i]!, truth: truth[j]!, offset: counted[i]! - truth[j]! });
      matchedCounted.add(i++);
      matchedTruth.add(j++);
    } else if (c === 1) j++;
    else i++;
  }
  return {
    matches,
    missed: truth.filter((_, k) => !matchedTruth.has(k)),
    extra: counted.filter((_, k) => !matchedCounted.has(k)),
  };
}

/** The numbers the report shows for one matching. */
export function summariseMatch(result: MatchResult): { matched: number; missed: number[]; extra: number[]; meanOffset: number | null; meanAbsOffset: number | null; maxAbsOffset: number | null } {
  const offsets = result.matches.map((match) => match.offset);
  const count = offsets.length;
  return {
    matched: count,
    missed: result.missed,
    extra: result.extra,
    meanOffset: count === 0 ? null : round(offsets.reduce((s, v) => s + v, 0) / count, 2),
    meanAbsOffset: count === 0 ? null : round(offsets.reduce((s, v) => s + Math.abs(v), 0) / count, 2),
    maxAbsOffset: count === 0 ? null : Math.max(...offsets.map(Math.abs)),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
