import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StderrTail } from '../../../edge/hal/drivers/stderr-tail.js';

test('keeps the last lines across chunk boundaries, skipping blank lines', () => {
  const tail = new StderrTail(3, 100);
  tail.push('one\ntw');
  tail.push('o\n\nthree\r\nfour\nfi');
  assert.is(tail.text(), 'two\nthree\nfour\nfi');
  tail.clear();
  assert.is(tail.text(), '');
});

test('stays bounded when a process floods stderr with long lines and unterminated output', () => {
  const tail = new StderrTail(5, 50);
  for (let i = 0; i < 10_000; i++) tail.push(`line ${i} ${'x'.repeat(200)}\n`);
  tail.push('y'.repeat(100_000));
  const lines = tail.text().split('\n');
  assert.is(lines.length, 6);
  assert.ok(lines[0]!.startsWith('line 9995 '));
  assert.ok(lines.every((line) => line.length <= 51), 'every line cut to the limit');
});

test.run();
