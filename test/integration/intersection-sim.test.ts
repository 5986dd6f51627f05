import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../edge/broker/embedded-broker.js';
import { EXAMPLE_CONFIG_PATH, loadConfigFile } from '../../edge/config/index.js';
import { createMemoryLogger } from '../../edge/log.js';
import { parseFaultSpecs } from '../../sim/intersection/fault-spec.js';
import { runIntersectionSim, type IntersectionSimReport } from '../../sim/intersection/intersection-sim.js';
import { NodeProcess } from '../support/node-process.js';
import { Collector } from '../support/collector.js';

/** `nutgiao sim`: the whole node on the simulated intersection, with injected lamp and controller faults. */
const test = suite('intersection simulation');
let broker: EmbeddedBroker;

test.before(async () => {
  broker = await startEmbeddedBroker({ port: 0, log: createMemoryLogger() });
});
test.after(async () => {
  await broker.close();
});

async function simulate(durationS: number, faults: string, seed = 7): Promise<IntersectionSimReport> {
  const loaded = await loadConfigFile(EXAMPLE_CONFIG_PATH);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const stateDir = await mkdtemp(join(tmpdir(), 'nutgiao-sim-test-'));
  try {
    return await runIntersectionSim({
      config: loaded.config,
      configHash: loaded.hash,
      seed,
      durationS,
      fast: true,
      faults: parseFaultSpecs(faults, loaded.config.signal.groups),
      stateDir,
      brokerUrl: broker.url,
      log: createMemoryLogger(),
    });
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

test('without faults: phases cycle, no conflict ever lit, no trip, every frame seen, counts near the truth, speeds reported', async () => {
  const central = await Collector.connect(broker.url);
  const report = await simulate(150, '');
  assert.is(report.simulatedS, 150);
  assert.is(report.conflictMsAtLamps, 0);
  assert.is(report.monitorTrips, 0);
  assert.ok(report.cycles >= 1, `cycles ${report.cycles}`);
  assert.ok(report.vehiclesServed > 0);
  const camera = report.vision.cam1!;
  assert.is(camera.framesDropped, 0, 'a fast run waits for vision');
  assert.ok(camera.framesProcessed >= 150 * 15 - 2, `frames ${camera.framesProcessed}`);
  const count = camera.lines.count!;
  assert.ok(count.truth.lr + count.truth.rl > 20, 'traffic crossed the count line');
  // The counting accuracy target is the bench's business; here the node must plainly be counting this scene.
  assert.ok(count.error !== null && count.error < 0.25, `count line error ${count.error}`);
  // The example's calibration and speed pair: a speed.period event per counting period (accuracy against
  // the simulator's truth is test/vision/speed-meter.test.ts's).
  try {
    const speeds = await central.waitFor((entry) => entry.kind === 'event' && entry.message.type === 'speed.period' && ((entry.message.data as any)?.pairs?.approach?.vehicles ?? 0) > 0, 'a speed.period event with vehicles');
    const approach = (speeds.message.data as { camera: string; pairs: Record<string, { vehicles: number; meanKmh: number; p85Kmh: number }> }).pairs.approach!;
    assert.is((speeds.message.data as { camera: string }).camera, 'cam1');
    assert.ok(approach.meanKmh > 5 && approach.meanKmh < 80, `mean ${approach.meanKmh} km/h`);
    assert.ok(approach.p85Kmh >= approach.meanKmh * 0.8, `85th percentile ${approach.p85Kmh} km/h`);
    assert.match(String(speeds.message.message), /camera cam1 speeds over \d+ s: approach: \d+ vehicles, mean [\d.]+ km\/h/);
  } finally {
    await central.close();
  }
});

test('each injected fault trips the monitor within its trip time, and the cabinet goes to flash', async () => {
  // G2 (the camera's approach) is red at 45 s but needs its red only from its next red (~67 s); its green's
  // relay, 1.5 s slow, leaves the head dark at the start of its next green.
  const report = await simulate(130, 'stuck-green:G3@20,lamp-out:G2:red@45,slow-relay:G2:green:1500@75,controller-hang@120');
  assert.is(report.faultsInjected, 4);
  const [stuck, lampOut, slow, hang] = report.faults;
  for (const fault of [stuck, lampOut, slow, hang]) assert.ok(fault!.detected, `${fault!.spec} detected: ${JSON.stringify(fault)}`);
  // Trip times of the example config's monitor: 300 ms (conflict, red fail), heartbeat 1000 ms; polled every 20 ms.
  assert.is(stuck!.detectedAs, 'conflict');
  assert.ok(stuck!.detectionLatencyMs! <= 320, `stuck green latency ${stuck!.detectionLatencyMs}`);
  assert.ok(stuck!.timeToFlashMs! <= 320);
  assert.is(lampOut!.detectedAs, 'red-fail');
  assert.ok(lampOut!.detectionLatencyMs! <= 320, `lamp-out latency ${lampOut!.detectionLatencyMs}`);
  assert.is(slow!.detectedAs, 'red-fail');
  assert.ok(slow!.detectionLatencyMs! <= 320, `slow relay latency ${slow!.detectionLatencyMs}`);
  assert.is(hang!.detectedAs, 'heartbeat-missing');
  assert.ok(hang!.detectionLatencyMs! <= 1020, `hang latency ${hang!.detectionLatencyMs}`);
  for (const fault of [stuck, lampOut, slow, hang]) assert.ok(fault!.timeToFlashMs! <= fault!.detectionLatencyMs! + 20, `${fault!.spec}: relay dropped with the trip`);
  for (const fault of [stuck, lampOut, slow]) assert.ok(fault!.repairedAtS !== null, `${fault!.spec} repaired and reset`);
  // The only lamp conflict is the stuck green's, and only until the relay dropped.
  assert.ok(report.conflictMsAtLamps <= 320, `conflict at lamps ${report.conflictMsAtLamps} ms`);
  assert.is(report.monitorTrips, 4);
});

test('the CLI writes the report; a bad --faults item is a usage error naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nutgiao-sim-cli-'));
  const reportPath = join(dir, 'report.json');
  const run = NodeProcess.spawn(['sim', '--seed', '2', '--duration', '20', '--fast', '--faults', 'stuck-green:G1@10', '--report', reportPath]);
  const { code } = await run.exited;
  assert.is(code, 0, run.stderr.join('\n'));
  const report = JSON.parse(await readFile(reportPath, 'utf8')) as IntersectionSimReport;
  assert.is(report.simulatedS, 20);
  assert.is(report.faults[0]!.spec, 'stuck-on:G1:green@10');
  const bad = NodeProcess.spawn(['sim', '--seed', '2', '--duration', '20', '--faults', 'stuck-green:G9@10']);
  assert.is((await bad.exited).code, 2);
  assert.match(bad.stderr.join('\n'), /--faults item 1 'stuck-green:G9@10': unknown signal group 'G9'/);
  await rm(dir, { recursive: true, force: true });
});

test.run();
