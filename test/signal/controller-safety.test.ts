/**
 * Property tests: whatever the intersection, the traffic, the buttons, the preempts and the operator do,
 * the controller never gives conflicting groups right of way together and never shortens a yellow, a red
 * clearance, a minimum green, a walk (except under preempt) or a pedestrian clearance. The SafetyObserver
 * judges from the config and the commanded aspects alone; its own tests show it catches each violation.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CONTROLLER_MODES } from '../../edge/signal/controller/controller-events.js';
import { SafetyObserver } from '../../edge/signal/controller/safety-observer.js';
import { runControllerSafety, type ControllerSafetyRun } from '../../scripts/bench/controller-safety-run.js';
import { CoreRig, exampleSignal } from './controller-rig.js';

test('random valid intersections under random traffic, preempts, modes and manual steps: no violation', () => {
  const activity: Record<string, number> = {};
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const run = runControllerSafety({ seed, seconds: 3600 });
      for (const [key, count] of Object.entries(run.activity)) activity[key] = (activity[key] ?? 0) + count;
      if (run.totalViolations > 0) throw new Error(`seed ${seed}: ${JSON.stringify(run.violations)}\n${run.first.map((v) => `${v.atMs} ${v.kind}: ${v.message}`).join('\n')}`);
    }),
    { numRuns: 60, seed: 20261127 },
  );
  // The property is only worth something if everything it covers actually happened.
  for (const key of ['greens', 'gapOuts', 'maxOuts', 'pedServices', 'preempts', 'modeChanges', 'manualSteps', 'planChanges', 'cycles']) {
    assert.ok((activity[key] ?? 0) > 10, `${key}: ${activity[key]}`);
  }
});

type Command =
  | { kind: 'presence'; phase: number; on: boolean }
  | { kind: 'call'; phase: number }
  | { kind: 'button'; crosswalk: number }
  | { kind: 'preempt'; on: boolean }
  | { kind: 'mode'; mode: number }
  | { kind: 'step' };

const commandArbitrary: fc.Arbitrary<{ afterMs: number; command: Command }> = fc.record({
  afterMs: fc.integer({ min: 0, max: 30_000 }),
  command: fc.oneof(
    fc.record({ kind: fc.constant('presence' as const), phase: fc.nat(3), on: fc.boolean() }),
    fc.record({ kind: fc.constant('call' as const), phase: fc.nat(3) }),
    fc.record({ kind: fc.constant('button' as const), crosswalk: fc.nat(3) }),
    fc.record({ kind: fc.constant('preempt' as const), on: fc.boolean() }),
    fc.record({ kind: fc.constant('mode' as const), mode: fc.nat(CONTROLLER_MODES.length - 1) }),
    fc.constant({ kind: 'step' as const }),
  ),
});

test('the example intersection under any command sequence (shrinkable): no violation', () => {
  const signal = exampleSignal();
  const phases = signal.phases.map((phase) => phase.id);
  const crosswalks = ['P1', 'P2', 'P3', 'P4'];
  fc.assert(
    fc.property(fc.array(commandArbitrary, { maxLength: 60 }), (commands) => {
      const rig = new CoreRig(signal);
      let at = 0;
      for (const { afterMs, command } of commands) {
        at += afterMs;
        rig.runTo(at);
        if (command.kind === 'presence') rig.core.placeCall(phases[command.phase]!, command.on, 'loop');
        else if (command.kind === 'call') rig.core.call(phases[command.phase]!);
        else if (command.kind === 'button') rig.core.pedCall(crosswalks[command.crosswalk]!);
        else if (command.kind === 'preempt') rig.setPreempt(command.on);
        else if (command.kind === 'mode') rig.core.setMode(CONTROLLER_MODES[command.mode]!);
        else rig.core.step();
      }
      rig.runTo(at + 120_000);
      assert.equal(rig.observer.first, []);
    }),
    { numRuns: 150, seed: 4 },
  );
});

test('the safety run reports the same counts for the same seed', () => {
  const strip = (run: ControllerSafetyRun) => ({ ...run, first: run.first.length });
  assert.equal(strip(runControllerSafety({ seed: 7, seconds: 600 })), strip(runControllerSafety({ seed: 7, seconds: 600 })));
});

// --- the observer catches what it must -------------------------------------------------------------

const signal = exampleSignal(); // G1..G8 vehicle, P1..P4; G1 conflicts with G2, G3, G4, G7, G8, P1, P2
const allStop = () => Object.fromEntries(signal.groups.map((group) => [group.id, group.kind === 'vehicle' ? 'red' : 'dont-walk'])) as Record<string, string>;

function observe(steps: Array<[number, Record<string, string>, boolean?]>): SafetyObserver {
  const observer = new SafetyObserver(signal);
  for (const [atMs, changes, preempt] of steps) observer.observe(atMs, { ...allStop(), ...changes } as never, preempt ?? false);
  return observer;
}

const kinds = (observer: SafetyObserver) => observer.first.map((violation) => violation.kind);

test('observer: conflicting greens', () => {
  assert.equal(kinds(observe([[0, {}], [1000, { G1: 'green', G2: 'green' }]])), ['conflict']);
});

test('observer: a conflicting walk during a yellow', () => {
  assert.equal(kinds(observe([[0, {}], [1000, { G1: 'yellow', P1: 'walk' }]])), ['conflict']);
});

test('observer: a short yellow, and green straight to red', () => {
  // ns-left: yellow 3.5 s
  assert.equal(kinds(observe([[0, {}], [1000, { G1: 'green' }], [20_000, { G1: 'yellow' }], [22_000, {}]])), ['yellow']);
  assert.equal(kinds(observe([[0, {}], [1000, { G1: 'green' }], [20_000, {}]])), ['sequence']);
});

test('observer: a conflicting green before the red clearance ran', () => {
  // G1 clears at 23.5 s with 1.5 s red clearance; G2 green at 24 s is too early
  const early = observe([[0, {}], [1000, { G1: 'green' }], [20_000, { G1: 'yellow' }], [23_500, {}], [24_000, { G2: 'green' }]]);
  assert.equal(kinds(early), ['red-clearance']);
  const onTime = observe([[0, {}], [1000, { G1: 'green' }], [20_000, { G1: 'yellow' }], [23_500, {}], [25_000, { G2: 'green' }]]);
  assert.equal(kinds(onTime), []);
});

test('observer: a short green, unless a preempt was asserted during it', () => {
  // ns-left minGreen 5 s
  assert.equal(kinds(observe([[0, {}], [1000, { G1: 'green' }], [3000, { G1: 'yellow' }], [7000, {}]])), ['min-green']);
  assert.equal(kinds(observe([[0, {}], [1000, { G1: 'green' }], [2000, { G1: 'green' }, true], [3000, { G1: 'yellow' }, true], [7000, {}, true]])), []);
});

test('observer: a short pedestrian clearance, and walk straight to don\'t walk', () => {
  // ns-through: walk 7 s, pedestrian clearance 13 s
  assert.equal(kinds(observe([[0, {}], [1000, { P2: 'walk', G2: 'green' }], [8000, { P2: 'ped-clear', G2: 'green' }], [10_000, { G2: 'green' }]])), ['ped-clearance']);
  assert.equal(kinds(observe([[0, {}], [1000, { P2: 'walk', G2: 'green' }], [8000, { G2: 'green' }]])), ['sequence']);
  assert.equal(kinds(observe([[0, {}], [1000, { P2: 'walk', G2: 'green' }], [3000, { P2: 'ped-clear', G2: 'green' }]])), ['walk']);
});

test.run();
