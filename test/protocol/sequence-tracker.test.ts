import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SEQUENCE_WINDOW, SequenceTracker } from '../../protocol/sequence-tracker.js';

test('first message from a node, then the next in order', () => {
  const tracker = new SequenceTracker();
  assert.equal(tracker.observe('n1', 4, 10), { status: 'first' });
  assert.equal(tracker.observe('n1', 4, 11), { status: 'next' });
  assert.equal(tracker.observe('n1', 4, 12), { status: 'next' });
});

test('a jump forward is a gap with the exact missing range', () => {
  const tracker = new SequenceTracker();
  tracker.observe('n1', 1, 0);
  assert.equal(tracker.observe('n1', 1, 5), { status: 'gap', missing: { from: 1, to: 4 } });
  assert.equal(tracker.observe('n1', 1, 7), { status: 'gap', missing: { from: 6, to: 6 } });
  assert.equal(tracker.observe('n1', 1, 8), { status: 'next' });
});

test('a repeat of a received seq is a duplicate; a missing one arriving later is late', () => {
  const tracker = new SequenceTracker();
  tracker.observe('n1', 1, 0);
  tracker.observe('n1', 1, 1);
  tracker.observe('n1', 1, 4);
  assert.equal(tracker.observe('n1', 1, 4), { status: 'duplicate' });
  assert.equal(tracker.observe('n1', 1, 1), { status: 'duplicate' });
  assert.equal(tracker.observe('n1', 1, 2), { status: 'late' });
  assert.equal(tracker.observe('n1', 1, 2), { status: 'duplicate' }, 'a late message seen twice is then a duplicate');
  assert.equal(tracker.observe('n1', 1, 5), { status: 'next' });
});

test('seq numbers older than the window are late', () => {
  const tracker = new SequenceTracker();
  tracker.observe('n1', 1, 0);
  tracker.observe('n1', 1, SEQUENCE_WINDOW + 10);
  assert.equal(tracker.observe('n1', 1, 0), { status: 'late' });
  assert.equal(tracker.observe('n1', 1, SEQUENCE_WINDOW + 10), { status: 'duplicate' });
});

test('the window slides: a slot reused by a newer seq does not count as received', () => {
  const tracker = new SequenceTracker();
  for (let seq = 0; seq <= 5; seq++) tracker.observe('n1', 1, seq);
  tracker.observe('n1', 1, SEQUENCE_WINDOW + 10);
  // SEQUENCE_WINDOW + 3 shares a slot with 3, which was received; it was not.
  assert.equal(tracker.observe('n1', 1, SEQUENCE_WINDOW + 3), { status: 'late' });
});

test('a new boot id is a restart that reports the previous boot', () => {
  const tracker = new SequenceTracker();
  tracker.observe('n1', 7, 40);
  assert.equal(tracker.observe('n1', 8, 0), { status: 'restart', previousBoot: 7 });
  assert.equal(tracker.observe('n1', 8, 1), { status: 'next' });
  assert.equal(tracker.observe('n1', 8, 0), { status: 'duplicate' }, 'the old boot’s history is gone');
});

test('a restart whose first seen seq is not 0 reports the start of the new boot as missing', () => {
  const tracker = new SequenceTracker();
  tracker.observe('n1', 7, 40);
  assert.equal(tracker.observe('n1', 8, 3), { status: 'restart', previousBoot: 7, missing: { from: 0, to: 2 } });
});

test('a lower boot id is reported as a restart too, with the previous boot', () => {
  const tracker = new SequenceTracker();
  tracker.observe('n1', 1_764_201_600, 9);
  assert.equal(tracker.observe('n1', 0, 0), { status: 'restart', previousBoot: 1_764_201_600 });
});

test('nodes are tracked independently', () => {
  const tracker = new SequenceTracker();
  tracker.observe('n1', 1, 0);
  assert.equal(tracker.observe('n2', 1, 5), { status: 'first' });
  assert.equal(tracker.observe('n1', 1, 1), { status: 'next' });
  assert.equal(tracker.observe('n2', 1, 6), { status: 'next' });
});

test('memory is bounded: the least recently heard node is forgotten first', () => {
  const tracker = new SequenceTracker({ maxNodes: 2 });
  tracker.observe('a', 1, 0);
  tracker.observe('b', 1, 0);
  tracker.observe('a', 1, 1);
  tracker.observe('c', 1, 0);
  assert.is(tracker.size, 2);
  assert.equal(tracker.observe('a', 1, 2), { status: 'next' }, 'a was heard recently and kept');
  assert.equal(tracker.observe('b', 1, 1), { status: 'first' }, 'b was forgotten');
});

test('forget drops a node', () => {
  const tracker = new SequenceTracker();
  tracker.observe('n1', 1, 0);
  tracker.forget('n1');
  assert.equal(tracker.observe('n1', 1, 1), { status: 'first' });
});

test.run();
