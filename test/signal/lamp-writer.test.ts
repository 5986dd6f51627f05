import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Flasher } from '../../edge/signal/controller/flasher.js';
import { lampsFor, writeLamps } from '../../edge/signal/controller/lamp-writer.js';
import { lampMask, SignalHeads } from '../../edge/signal/signal-heads.js';
import { SimGpioBinding } from '../../sim/sim-gpio.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

test('each aspect lights its lamp; flashing aspects only while the flasher is on', () => {
  const vehicle = (lit: string[]) => lampMask('vehicle', lit);
  assert.equal(
    (['red', 'yellow', 'green', 'flashing-amber', 'flashing-red', 'dark'] as const).map((aspect) => [lampsFor('vehicle', aspect, true), lampsFor('vehicle', aspect, false)]),
    [
      [vehicle(['red']), vehicle(['red'])],
      [vehicle(['amber']), vehicle(['amber'])],
      [vehicle(['green']), vehicle(['green'])],
      [vehicle(['amber']), 0],
      [vehicle(['red']), 0],
      [0, 0],
    ],
  );
  const pedestrian = (lit: string[]) => lampMask('pedestrian', lit);
  assert.equal(
    (['dont-walk', 'walk', 'ped-clear', 'dark'] as const).map((aspect) => [lampsFor('pedestrian', aspect, true), lampsFor('pedestrian', aspect, false)]),
    [
      [pedestrian(['dontWalk']), pedestrian(['dontWalk'])],
      [pedestrian(['walk']), pedestrian(['walk'])],
      [pedestrian(['dontWalk']), 0],
      [0, 0],
    ],
  );
  assert.throws(() => lampsFor('pedestrian', 'green', true), /a pedestrian head cannot show 'green'/);
});

test('the flasher is on for the first half of each period', () => {
  const flasher = new Flasher(500);
  assert.equal([0, 499, 500, 999, 1000].map((t) => flasher.isOn(t)), [true, true, false, false, true]);
  assert.throws(() => new Flasher(0), /halfPeriodMs must be > 0/);
});

test('writeLamps turns every lamp off on every head before it turns any on', async () => {
  const clock = new VirtualClock();
  const gpio = new SimGpioBinding({ clock });
  const pins = (base: number) => ({ red: { chip: 'gpiochip0', line: base }, amber: { chip: 'gpiochip0', line: base + 1 }, green: { chip: 'gpiochip0', line: base + 2 } });
  // Written in this order: A goes green (an on), B goes red from green (an off).
  const heads = await SignalHeads.open(gpio, [
    { id: 'A', kind: 'vehicle', outputs: pins(0) },
    { id: 'B', kind: 'vehicle', outputs: pins(3) },
  ]);
  await writeLamps(heads, new Map([['A', lampMask('vehicle', ['red'])], ['B', lampMask('vehicle', ['green'])]]));
  const changes: Array<[number, number]> = [];
  gpio.onOutputChange((batch) => changes.push(...batch.map((change): [number, number] => [change.line, change.level])));
  await writeLamps(heads, new Map([['A', lampMask('vehicle', ['green'])], ['B', lampMask('vehicle', ['red'])]]));
  assert.equal(changes, [
    [0, 0], // A red off
    [5, 0], // B green off
    [2, 1], // A green on
    [3, 1], // B red on
  ]);
});

test.run();
