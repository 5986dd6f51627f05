import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFaultSpecs, type FaultTargetGroup } from '../../../sim/intersection/fault-spec.js';

const GROUPS: FaultTargetGroup[] = [
  { id: 'G1', kind: 'vehicle' },
  { id: 'G3', kind: 'vehicle' },
  { id: 'P1', kind: 'pedestrian' },
];

test('the issue example parses, sorted by time', () => {
  assert.equal(parseFaultSpecs('controller-hang@500,stuck-green:G3@120,lamp-out:G1:red@300', GROUPS), [
    { kind: 'stuck-on', group: 'G3', lamp: 'green', atS: 120 },
    { kind: 'lamp-out', group: 'G1', lamp: 'red', atS: 300 },
    { kind: 'controller-hang', atS: 500 },
  ]);
});

test('every lamp fault kind, aliases and the slow relay delay', () => {
  assert.equal(parseFaultSpecs('stuck-off:G1:yellow@1, ignore-writes:P1:dont-walk@2,slow-relay:G3:green:750@2.5,slow-relay:G1:red@3,dead-red:G1@4', GROUPS), [
    { kind: 'stuck-off', group: 'G1', lamp: 'amber', atS: 1 },
    { kind: 'ignore-writes', group: 'P1', lamp: 'dontWalk', atS: 2 },
    { kind: 'slow-relay', group: 'G3', lamp: 'green', atS: 2.5, delayMs: 750 },
    { kind: 'slow-relay', group: 'G1', lamp: 'red', atS: 3, delayMs: 500 },
    { kind: 'stuck-off', group: 'G1', lamp: 'red', atS: 4 },
  ]);
  assert.equal(parseFaultSpecs('', GROUPS), []);
});

test('errors name the item and say what is expected', () => {
  const cases: Array<[string, RegExp]> = [
    ['stuck-green:G3', /item 1 'stuck-green:G3': needs @SECOND/],
    ['stuck-green:G9@5', /unknown signal group 'G9' \(groups: G1, G3, P1\)/],
    ['melt:G1:red@5', /unknown fault kind 'melt' \(kinds: stuck-on/],
    ['lamp-out:G1:blue@5', /unknown lamp 'blue'/],
    ['lamp-out:G1@5', /lamp-out takes GROUP:LAMP/],
    ['lamp-out:P1:green@5', /pedestrian group P1 has no green lamp \(it has dontWalk, walk\)/],
    ['stuck-walk:G1@5', /vehicle group G1 has no walk lamp/],
    ['controller-hang:G1@5', /controller-hang takes no group/],
    ['stuck-green:G1@-3', /'-3' is not a second >= 0/],
    ['stuck-green:G1@', /'' is not a second/],
    ['slow-relay:G1:red:0@5', /delay '0' must be a whole number of ms/],
    ['stuck-green:G1@1,lamp-out:G1@2', /item 2 'lamp-out:G1@2'/],
  ];
  for (const [text, expected] of cases) assert.throws(() => parseFaultSpecs(text, GROUPS), expected, text);
});

test.run();
