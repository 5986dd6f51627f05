import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closestName, editDistance } from '../../edge/config/suggest.js';

test('edit distance counts insertions, deletions, substitutions and adjacent swaps', () => {
  assert.is(editDistance('minGreen', 'minGreen'), 0);
  assert.is(editDistance('minGren', 'minGreen'), 1);
  assert.is(editDistance('minGreeen', 'minGreen'), 1);
  assert.is(editDistance('minGrean', 'minGreen'), 1);
  assert.is(editDistance('mniGreen', 'minGreen'), 1);
  assert.is(editDistance('', 'abc'), 3);
  assert.is(editDistance('kitten', 'sitting'), 3);
});

test('suggests the closest name, ignoring case', () => {
  assert.is(closestName('mingreen', ['maxGreen', 'minGreen', 'yellow']), 'minGreen');
  assert.is(closestName('yelow', ['maxGreen', 'minGreen', 'yellow']), 'yellow');
});

test('suggests nothing when no name is close', () => {
  assert.is(closestName('location', ['id', 'site', 'name']), undefined);
});

test('suggests nothing when two names are equally close', () => {
  assert.is(closestName('G9', ['G1', 'G2', 'G3']), undefined);
});

test.run();
