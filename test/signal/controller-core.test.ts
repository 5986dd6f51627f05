/**
 * The phase controller core on the example intersection (ns-left, ns-through + crosswalks P2/P4, ew-left,
 * ew-through + crosswalks P1/P3; the through phases on min recall), ticked every 100 ms on a virtual clock.
 * Startup is 5 s flash + 3 s all red, so the first green (ns-left) starts at 8 s.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ControllerCore } from '../../edge/signal/controller/controller-core.js';
import { CoreRig, exampleSignal } from './controller-rig.js';

const noRecalls = exampleSignal((signal) => {
  for (const phase of signal.phases) phase.recall = 'none';
});

test('startup: flash for flashS, all red for allRedS, then the first phase of the ring', () => {
  const rig = new CoreRig(exampleSignal());
  assert.is(rig.aspect('G1'), 'flashing-amber');
  assert.is(rig.aspect('P1'), 'dark');
  rig.runTo(4900);
  assert.is(rig.aspect('G2'), 'flashing-amber');
  rig.runTo(5000);
  assert.is(rig.aspect('G1'), 'red');
  assert.is(rig.aspect('P1'), 'dont-walk');
  rig.runTo(7900);
  assert.is(rig.aspect('G1'), 'red');
  rig.runTo(8000);
  assert.equal([rig.aspect('G1'), rig.aspect('G5'), rig.aspect('G2'), rig.aspect('P2')], ['green', 'green', 'red', 'dont-walk']);
  assert.equal(rig.ofType('red-monitoring').map((event) => [event.enabled, event.atMs]), [[true, 5000]]);
  rig.assertSafe();
});

test('flashing-red startup when configured', () => {
  const rig = new CoreRig(exampleSignal((signal) => (signal.flashAspect = 'flashing-red')));
  assert.is(rig.aspect('G4'), 'flashing-red');
});

test('actuated without calls: gap-out at minGreen, phases without a call are skipped, recall phases served', () => {
  const rig = new CoreRig(exampleSignal());
  rig.runTo(60_000);
  assert.equal(rig.greens(), [
    ['ns-left', 8000],
    ['ns-through', 18_000], // 8 + 5 min green + 3.5 yellow + 1.5 red
    ['ew-through', 36_000], // ew-left skipped: no call
    ['ns-through', 51_500], // ns-left skipped
  ]);
  assert.equal(rig.ofType('gap-out').map((event) => [event.phase, event.atMs]), [['ns-left', 13_000], ['ns-through', 30_000], ['ew-through', 46_000]]);
  assert.is(rig.aspect('G4'), 'red');
  rig.assertSafe();
});

test('the cycle summary reports green time per phase, gap-outs and the cycle length', () => {
  const rig = new CoreRig(exampleSignal());
  rig.at(1000, () => rig.core.call('ew-left'));
  rig.runTo(80_000);
  const [first] = rig.ofType('cycle');
  assert.ok(first);
  assert.equal(first.summary.phases, ['ns-left', 'ns-through', 'ew-left', 'ew-through']);
  assert.equal(first.summary.greenMs, { 'ns-left': 5000, 'ns-through': 12_000, 'ew-left': 5000, 'ew-through': 10_000 });
  assert.equal(first.summary.callsServed, { 'ew-left': 1 });
  assert.is(first.summary.gapOuts, 4);
  assert.is(first.summary.maxOuts, 0);
  // greens 32 s + yellows 14 s + red clearances 7 s
  assert.is(first.summary.cycleMs, 53_000);
  rig.assertSafe();
});

test('gap-out: each actuation extends the green by passage', () => {
  const rig = new CoreRig(exampleSignal());
  for (let t = 8000; t <= 20_000; t += 2000) rig.at(t, () => rig.core.call('ns-left'));
  rig.runTo(30_000);
  const end = rig.ofType('green-end')[0]!;
  assert.equal([end.phase, end.reason, end.atMs, end.greenMs], ['ns-left', 'gap-out', 22_500, 14_500]);
  rig.assertSafe();
});

test('max-out: a held detector runs the green to maxGreen, and the waiting vehicle calls the phase back', () => {
  const rig = new CoreRig(exampleSignal());
  rig.core.placeCall('ns-left', true, 'loop');
  rig.runTo(90_000);
  const end = rig.ofType('green-end')[0]!;
  assert.equal([end.phase, end.reason, end.atMs, end.greenMs], ['ns-left', 'max-out', 28_000, 20_000]);
  assert.equal(rig.ofType('max-out')[0], { type: 'max-out', atMs: 28_000, phase: 'ns-left' });
  assert.equal(rig.greens().slice(0, 4).map(([phase]) => phase), ['ns-left', 'ns-through', 'ew-through', 'ns-left']);
  rig.assertSafe();
});

test('resting in green: the max timer starts with the first call on another phase', () => {
  const rig = new CoreRig(noRecalls);
  rig.core.placeCall('G1', true, 'zone'); // a group id calls every phase serving it
  rig.at(30_000, () => rig.core.call('ew-left'));
  rig.runTo(60_000);
  const end = rig.ofType('green-end')[0]!;
  assert.equal([end.phase, end.reason, end.atMs], ['ns-left', 'max-out', 50_000]);
  assert.equal(rig.greens()[1], ['ew-left', 55_000]);
  rig.assertSafe();
});

test('max recall holds the green to maxGreen without any call', () => {
  const rig = new CoreRig(exampleSignal((signal) => (signal.phases[1].recall = 'max')));
  rig.runTo(70_000);
  const end = rig.ofType('green-end').find((event) => event.phase === 'ns-through')!;
  assert.equal([end.reason, end.atMs, end.greenMs], ['max-out', 63_000, 45_000]);
  rig.assertSafe();
});

test('pedestrian service: walk, then flashing don\'t walk, and only then the vehicle yellow', () => {
  const rig = new CoreRig(exampleSignal());
  rig.at(1000, () => rig.core.pedCall('P2'));
  rig.runTo(18_000);
  assert.equal([rig.aspect('G2'), rig.aspect('P2'), rig.aspect('P4'), rig.aspect('P1')], ['green', 'walk', 'walk', 'dont-walk']);
  assert.equal(rig.ofType('ped-service'), [{ type: 'ped-service', atMs: 18_000, phase: 'ns-through', groups: ['P2', 'P4'] }]);
  rig.runTo(24_900);
  assert.is(rig.aspect('P2'), 'walk');
  rig.runTo(25_000);
  assert.is(rig.aspect('P2'), 'ped-clear');
  rig.runTo(37_900);
  assert.equal([rig.aspect('P2'), rig.aspect('G2')], ['ped-clear', 'green']);
  rig.runTo(38_000);
  assert.equal([rig.aspect('P2'), rig.aspect('G2')], ['dont-walk', 'green']);
  rig.runTo(38_100);
  // min green (12 s) was long over; the green waited for the pedestrian clearance (7 + 13 s) and ends
  // on the next tick (each commanded aspect holds for at least one tick).
  assert.equal([rig.aspect('P2'), rig.aspect('G2')], ['dont-walk', 'yellow']);
  rig.assertSafe();
});

test('pedestrian recall serves the walk on every green of the phase', () => {
  const rig = new CoreRig(exampleSignal((signal) => (signal.phases[3].recall = 'ped')));
  rig.runTo(150_000);
  const walks = rig.ofType('ped-service').map((event) => event.phase);
  assert.ok(walks.length >= 2 && walks.every((phase) => phase === 'ew-through'), JSON.stringify(walks));
  rig.assertSafe();
});

test('a button pressed while the phase rests in green starts the walk at once', () => {
  const rig = new CoreRig(noRecalls);
  rig.core.call('ns-through');
  rig.runTo(20_000);
  assert.is(rig.aspect('G2'), 'green');
  rig.at(60_000, () => rig.core.pedCall('ns-through'));
  rig.runTo(60_000);
  assert.is(rig.aspect('P2'), 'walk');
  rig.assertSafe();
});

test('preempt cuts a green below its minGreen, never the yellow or red clearance, dwells, then exits', () => {
  const rig = new CoreRig(exampleSignal());
  rig.at(9000, () => rig.setPreempt(true));
  rig.runTo(9000);
  assert.is(rig.aspect('G1'), 'yellow');
  assert.equal(rig.ofType('preempt-start'), [{ type: 'preempt-start', atMs: 9000, phase: 'ns-through' }]);
  rig.runTo(12_400);
  assert.is(rig.aspect('G1'), 'yellow');
  rig.runTo(13_900);
  assert.is(rig.aspect('G1'), 'red');
  assert.is(rig.aspect('G2'), 'red');
  rig.runTo(14_000);
  assert.equal([rig.aspect('G2'), rig.aspect('P2')], ['green', 'dont-walk']);
  assert.is(rig.core.snapshot().preempt, 'dwell');
  rig.at(20_000, () => rig.setPreempt(false));
  // dwell 15 s from 14 s
  rig.runTo(28_900);
  assert.is(rig.aspect('G2'), 'green');
  rig.runTo(29_000);
  assert.is(rig.aspect('G2'), 'yellow');
  rig.runTo(35_000);
  assert.equal(rig.ofType('preempt-end'), [{ type: 'preempt-end', atMs: 35_000, exitPhase: 'ew-through' }]);
  assert.is(rig.aspect('G4'), 'green');
  assert.equal(rig.ofType('green-end')[0]!.reason, 'preempt');
  rig.assertSafe();
});

test('preempt during a walk: the walk ends at once but the pedestrian clearance runs in full', () => {
  const rig = new CoreRig(exampleSignal());
  rig.at(1000, () => rig.core.pedCall('ew-through'));
  rig.runTo(38_000);
  assert.is(rig.aspect('P1'), 'walk'); // ew-through green from 36 s
  rig.at(40_000, () => rig.setPreempt(true));
  rig.runTo(40_000);
  assert.equal([rig.aspect('P1'), rig.aspect('G4')], ['ped-clear', 'green']);
  rig.runTo(55_900);
  assert.is(rig.aspect('P1'), 'ped-clear');
  rig.runTo(56_100);
  assert.equal([rig.aspect('P1'), rig.aspect('G4')], ['dont-walk', 'yellow']);
  rig.assertSafe();
});

test('preempt arriving during a yellow lets the yellow and red clearance finish', () => {
  const rig = new CoreRig(exampleSignal());
  rig.at(13_500, () => rig.setPreempt(true)); // ns-left yellow 13..16.5 s
  rig.runTo(16_400);
  assert.is(rig.aspect('G1'), 'yellow');
  rig.runTo(17_900);
  assert.is(rig.aspect('G2'), 'red');
  rig.runTo(18_000);
  assert.is(rig.aspect('G2'), 'green');
  rig.assertSafe();
});

test('manual: the phase holds; a step during minGreen is queued, later steps go to the next phase in the ring', () => {
  const rig = new CoreRig(exampleSignal());
  rig.at(9000, () => rig.core.setMode('manual'));
  rig.runTo(10_000);
  assert.is(rig.core.step(), 'queued');
  assert.is(rig.core.snapshot().stepPending, true);
  rig.runTo(12_900);
  assert.is(rig.aspect('G1'), 'green');
  rig.runTo(13_000);
  assert.is(rig.aspect('G1'), 'yellow');
  rig.runTo(120_000);
  assert.is(rig.aspect('G2'), 'green'); // held 102 s, far past maxGreen
  assert.is(rig.core.step(), 'accepted');
  rig.runTo(130_000);
  // ew-left has no call, but a technician's step serves the next phase anyway
  assert.equal(rig.greens().map(([phase, atMs]) => [phase, atMs]), [['ns-left', 8000], ['ns-through', 18_000], ['ew-left', 126_100]]);
  assert.equal(rig.ofType('green-end').map((event) => event.reason), ['step', 'step']);
  rig.core.setMode('normal');
  assert.is(rig.core.step(), 'not-manual');
  rig.assertSafe();
});

test('flash mode waits for minGreen and the clearances, and is left through all red', () => {
  const rig = new CoreRig(exampleSignal());
  rig.at(9000, () => rig.core.setMode('flash'));
  rig.runTo(12_900);
  assert.is(rig.aspect('G1'), 'green');
  rig.runTo(16_500);
  assert.is(rig.aspect('G1'), 'red');
  rig.runTo(18_000);
  assert.equal([rig.aspect('G1'), rig.aspect('G2'), rig.aspect('P1')], ['flashing-amber', 'flashing-amber', 'dark']);
  assert.is(rig.core.snapshot().interval, 'flash');
  rig.at(30_000, () => rig.core.setMode('normal'));
  rig.runTo(30_000);
  assert.equal([rig.aspect('G1'), rig.aspect('P1')], ['red', 'dont-walk']);
  rig.runTo(33_000);
  assert.is(rig.aspect('G1'), 'green');
  assert.equal(rig.ofType('mode').map((event) => [event.mode, event.previous]), [['flash', 'normal'], ['normal', 'flash']]);
  assert.equal(rig.ofType('red-monitoring').map((event) => [event.enabled, event.atMs]), [[true, 5000], [false, 18_000], [true, 30_000]]);
  rig.assertSafe();
});

test('all-red mode: every vehicle red and every crosswalk don\'t walk until released', () => {
  const rig = new CoreRig(exampleSignal());
  rig.at(20_000, () => rig.core.setMode('all-red'));
  rig.runTo(60_000);
  const aspects = rig.core.aspects();
  for (const group of rig.signal.groups) assert.is(aspects[group.id], group.kind === 'vehicle' ? 'red' : 'dont-walk', group.id);
  rig.at(60_000, () => rig.core.setMode('normal'));
  rig.runTo(60_100);
  assert.is(rig.aspect('G1'), 'green');
  rig.assertSafe();
});

test('fixed time: every phase in ring order for its maxGreen, with the walk', () => {
  const rig = new CoreRig(exampleSignal((signal) => (signal.mode = 'fixed')));
  rig.runTo(130_000);
  assert.equal(rig.greens(), [
    ['ns-left', 8000],
    ['ns-through', 33_000],
    ['ew-left', 84_000],
    ['ew-through', 103_500],
  ]);
  assert.equal(rig.ofType('green-end').map((event) => [event.reason, event.greenMs]), [['fixed', 20_000], ['fixed', 45_000], ['fixed', 15_000]]);
  assert.equal(rig.ofType('ped-service').map((event) => event.phase), ['ns-through', 'ew-through']);
  rig.assertSafe();
});

test('time-of-day plans switch at the schedule boundary, from the next green', () => {
  // Monday 16:29 in Ho Chi Minh City (UTC+7); the example's peak plan starts at 16:30 on weekdays.
  const signal = exampleSignal((raw) => {
    raw.schedule = [
      { days: ['mon'], start: '09:00', plan: 'off-peak' },
      { days: ['mon'], start: '16:30', plan: 'peak' },
    ];
  });
  const rig = new CoreRig(signal, Date.UTC(2026, 0, 5, 9, 29));
  rig.core.placeCall('ns-through', true, 'loop');
  rig.runTo(150_000);
  assert.equal(rig.ofType('plan').map((event) => [event.plan, event.previous, event.atMs]), [['peak', 'off-peak', 69_000]]);
  const nsThrough = rig.ofType('green-end').filter((event) => event.phase === 'ns-through');
  // maxGreen 45 s in the off-peak (base) timing, 60 s in the peak plan
  assert.equal(nsThrough.map((event) => [event.reason, event.greenMs]), [['max-out', 45_000], ['max-out', 60_000]]);
  assert.is(rig.core.snapshot().plan, 'peak');
  rig.assertSafe();
});

test('a fixed-time night plan takes over at 23:00 and skips no phase', () => {
  const signal = exampleSignal((raw) => (raw.schedule = [{ start: '06:00', plan: 'off-peak' }, { start: '23:00', plan: 'night' }]));
  const rig = new CoreRig(signal, Date.UTC(2026, 0, 5, 15, 59, 30)); // 22:59:30 local
  rig.runTo(200_000);
  const phases = rig.greens().map(([phase]) => phase);
  assert.ok(phases.includes('ew-left'), phases.join(','));
  assert.is(rig.core.snapshot().operation, 'fixed');
  const lengths = rig.ofType('green-end').filter((event) => event.reason === 'fixed').map((event) => [event.phase, event.greenMs]);
  assert.ok(lengths.some(([phase, ms]) => phase === 'ns-through' && ms === 25_000), JSON.stringify(lengths));
  rig.assertSafe();
});

test('snapshot: mode, phase, aspects and the time left on each timer', () => {
  const rig = new CoreRig(exampleSignal());
  rig.at(1000, () => rig.core.pedCall('P2'));
  rig.runTo(20_000);
  const snapshot = rig.core.snapshot();
  assert.equal({ mode: snapshot.mode, interval: snapshot.interval, phase: snapshot.phase, plan: snapshot.plan, preempt: snapshot.preempt }, { mode: 'normal', interval: 'green', phase: 'ns-through', plan: null, preempt: 'idle' });
  assert.equal(snapshot.remaining, { intervalS: null, minGreenS: 10, maxGreenS: 43, gapS: 1, walkS: 5, pedClearanceS: null });
  assert.is(snapshot.aspects.P4, 'walk');
  assert.equal(snapshot.calls, ['ns-through', 'ew-through']);
  rig.runTo(31_000);
  const yellow = rig.core.snapshot();
  assert.is(yellow.remaining.pedClearanceS, 7);
});

test('calls name a phase or a group; unknown names and buttons without a crosswalk are refused', () => {
  const core = new ControllerCore(exampleSignal(), 0, 0);
  assert.throws(() => core.placeCall('G9', true), /unknown phase or group 'G9' \(phases: ns-left, ns-through, ew-left, ew-through; groups: G1/);
  assert.throws(() => core.pedCall('ns-left'), /'ns-left' serves no crosswalk \(phases with walk: ns-through, ew-through\)/);
  core.pedCall('P3');
  assert.ok(core.snapshot().calls.includes('ew-through'));
});

test('a config with conflicting groups in one phase is refused even unvalidated', () => {
  const signal = exampleSignal();
  const broken = { ...signal, phases: signal.phases.map((phase, p) => (p === 0 ? { ...phase, groups: ['G1', 'G2'] } : phase)) };
  assert.throws(() => new ControllerCore(broken, 0, 0), /phase 'ns-left' serves conflicting groups G1 and G2; refusing to run/);
});

test.run();
