import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseLineOption, parseZoneOption, pointInPolygon, sideOf } from '../../edge/vision/geometry.js';

test('side(P) sign convention: y points down, so below a left-to-right line is positive', () => {
  assert.ok(sideOf(50, 130, 275, 130, 100, 140) > 0);
  assert.ok(sideOf(50, 130, 275, 130, 100, 120) < 0);
  assert.is(sideOf(50, 130, 275, 130, 100, 130), 0);
});

test('--line parsing: NAME:x1,y1,x2,y2, with errors that say what is wrong', () => {
  assert.equal(parseLineOption('L:50,130,275,130'), { name: 'L', a: { x: 50, y: 130 }, b: { x: 275, y: 130 } });
  assert.equal(parseLineOption('in-1:0.5,1,2.5,3'), { name: 'in-1', a: { x: 0.5, y: 1 }, b: { x: 2.5, y: 3 } });
  assert.match(String(parseLineOption('L:1,2,3')), /expected NAME:x1,y1,x2,y2/);
  assert.match(String(parseLineOption('L:5,5,5,5')), /same/);
});

test('--zone parsing and point-in-polygon', () => {
  const zone = parseZoneOption('Z:0,0;10,0;10,10;0,10');
  assert.ok(typeof zone !== 'string');
  if (typeof zone === 'string') return;
  const xs = zone.points.map((p) => p.x);
  const ys = zone.points.map((p) => p.y);
  assert.ok(pointInPolygon(5, 5, xs, ys, 4));
  assert.not.ok(pointInPolygon(15, 5, xs, ys, 4));
  assert.match(String(parseZoneOption('Z:0,0;1,1')), /at least 3 points/);
  assert.match(String(parseZoneOption('Z:0,0;a,1;2,2')), /not a point/);
});

test.run();
