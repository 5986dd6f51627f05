import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIP_TRUTH } from '../../scripts/bench/context.js';
import { matchFrames, parseFrameTolerance, parseTruthMarkdown, summariseMatch } from '../../scripts/bench/truth.js';

test('exact and near frames match one to one, offsets counted − truth', () => {
  const result = matchFrames([100, 203, 298], [100, 200, 300], 3);
  assert.equal(
    result.matches.map((m) => [m.counted, m.truth, m.offset]),
    [
      [100, 100, 0],
      [203, 200, 3],
      [298, 300, -2],
    ],
  );
  assert.equal(result.missed, []);
  assert.equal(result.extra, []);
});

test('tolerance edges: exactly ±tolerance matches, one frame more does not', () => {
  assert.is(matchFrames([103], [100], 3).matches.length, 1);
  assert.is(matchFrames([97], [100], 3).matches.length, 1);
  const outside = matchFrames([104], [100], 3);
  assert.is(outside.matches.length, 0);
  assert.equal(outside.missed, [100]);
  assert.equal(outside.extra, [104]);
  // A per-truth tolerance: ±3 for frame 262 only.
  const perFrame = (frame: number) => (frame === 262 ? 3 : 2);
  assert.is(matchFrames([265, 103], [262, 100], perFrame).matches.length, 1);
  assert.equal(matchFrames([265, 103], [262, 100], perFrame).extra, [103]);
});

test('extras and misses: duplicates of one crossing leave one extra, far truth frames are missed', () => {
  const result = matchFrames([50, 51, 500], [50, 300], 3);
  assert.is(result.matches.length, 1);
  assert.equal(result.matches[0], { counted: 50, truth: 50, offset: 0 });
  assert.equal(result.extra, [51, 500]);
  assert.equal(result.missed, [300]);
  assert.equal(matchFrames([], [1, 2], 3).missed, [1, 2]);
  assert.equal(matchFrames([1, 2], [], 3).extra, [1, 2]);
});

test('maximum matching, not greedy: a counted frame between two truths does not steal the only partner of another', () => {
  // Greedy nearest-first would pair 103 with 104 (offset 1) and leave 100 and 107 unmatched.
  const result = matchFrames([103, 107], [100, 104], 3);
  assert.equal(
    result.matches.map((m) => [m.counted, m.truth]),
    [
      [103, 100],
      [107, 104],
    ],
  );
  assert.equal(result.missed, []);
  assert.equal(result.extra, []);
});

test('among maximum matchings the smallest total offset wins', () => {
  // Both [10→8, 12→12] (total 2) and [10→12, 12→8] would be crossed; the total-offset optimum is uncrossed.
  const result = matchFrames([12, 10], [8, 12], 4);
  assert.equal(
    result.matches.map((m) => [m.counted, m.truth]),
    [
      [10, 8],
      [12, 12],
    ],
  );
  // One counted frame, two truths: it takes the nearer one.
  assert.equal(matchFrames([101], [99, 102], 3).matches[0], { counted: 101, truth: 102, offset: -1 });
});

test('ties: equidistant truths go to the earlier one, deterministically', () => {
  assert.equal(matchFrames([100], [98, 102], 2).matches[0], { counted: 100, truth: 98, offset: 2 });
  assert.equal(matchFrames([100], [98, 102], 2).missed, [102]);
  // Two equal counted frames against one truth: one match, one extra.
  const twins = matchFrames([100, 100], [100], 2);
  assert.is(twins.matches.length, 1);
  assert.equal(twins.extra, [100]);
});

test('summary: mean, mean |offset| and max |offset|; nulls when nothing matched', () => {
  const summary = summariseMatch(matchFrames([101, 197, 300], [100, 200, 300, 400], 3));
  assert.is(summary.matched, 3);
  assert.is(summary.meanOffset, Math.round(((1 - 3 + 0) / 3) * 100) / 100);
  assert.is(summary.meanAbsOffset, Math.round((4 / 3) * 100) / 100);
  assert.is(summary.maxAbsOffset, 3);
  assert.equal(summary.missed, [400]);
  assert.is(summariseMatch(matchFrames([], [5], 3)).meanOffset, null);
});

test('frame tolerance text: base and listed exceptions', () => {
  assert.equal(parseFrameTolerance('+-2 (+-3 for 262, 1525, 1625)'), { base: 2, exceptions: { 262: 3, 1525: 3, 1625: 3 } });
  assert.equal(parseFrameTolerance('±4'), { base: 4, exceptions: {} });
  assert.equal(parseFrameTolerance(undefined), { base: 2, exceptions: {} });
});

test('truth parser on a small document: the last json block, directions mapped to lr/rl, counts checked', () => {
  const markdown = [
    '# t',
    '```json',
    '{"not": "this one"}',
    '```',
    '## Machine-readable summary',
    '```json',
    '{"clip.avi": {"line": [0, 10, 20, 10], "counts": {"pos_to_neg": 1, "neg_to_pos": 2}, "events": {"pos_to_neg": [7], "neg_to_pos": [30, 5]}}}',
    '```',
  ].join('\n');
  const truth = parseTruthMarkdown(markdown, 'clip.avi');
  assert.equal(truth.line, [0, 10, 20, 10]);
  assert.equal(truth.events, { lr: [5, 30], rl: [7] });
  assert.equal(truth.counts, { lr: 2, rl: 1 });
  assert.is(truth.toleranceOf(5), 2);
  assert.throws(() => parseTruthMarkdown(markdown.replace('"neg_to_pos": 2', '"neg_to_pos": 3'), 'clip.avi'), /disagree/);
  assert.throws(() => parseTruthMarkdown('no block here'), /no ```json block/);
});

// The shared data folder sits next to the checkout; without it this one test is skipped.
(existsSync(CLIP_TRUTH) ? test : test.skip)('truth parser on the real clip: 27 lr events, 0 rl, the line, ±3 for 262/1525/1625', () => {
  const truth = parseTruthMarkdown(readFileSync(CLIP_TRUTH, 'utf8'), 'bgslibrary_video03.avi');
  assert.is(truth.events.lr.length, 27);
  assert.is(truth.events.rl.length, 0);
  assert.equal(truth.counts, { lr: 27, rl: 0 });
  assert.equal(truth.line, [50, 130, 275, 130]);
  assert.is(truth.events.lr[0], 142);
  assert.is(truth.events.lr[26], 1674);
  assert.is(truth.toleranceOf(262), 3);
  assert.is(truth.toleranceOf(1625), 3);
  assert.is(truth.toleranceOf(142), 2);
  // Every truth frame matches itself.
  assert.is(matchFrames(truth.events.lr, truth.events.lr, truth.toleranceOf).matches.length, 27);
});

test.run();
