import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedBroker } from '../../edge/broker/embedded-broker.js';
import { parseNumberOption, UsageError, type CommandIo } from '../../edge/cli/command.js';
import { EXAMPLE_CONFIG_PATH, formatErrors, loadConfigFile } from '../../edge/config/index.js';
import { createLogger } from '../../edge/log.js';
import { FaultSpecError, parseFaultSpecs } from './fault-spec.js';
import { runIntersectionSim, type IntersectionSimReport } from './intersection-sim.js';

export const SIM_HELP = `nutgiao sim --seed S --duration SECONDS [--fast] [--faults SPEC] [--report FILE.json] [--config FILE] [--broker URL]

Runs the whole node (phase controller, conflict monitor, vision on the simulated cameras, telemetry) on a
simulated intersection under a virtual clock, and reports what happened as JSON.

  --seed S          seeds the camera scenes (the same seed and options give the same traffic)
  --duration S      simulated seconds
  --fast            run the clock as fast as the CPU allows (vision is waited for, no frame is lost);
                    without it the simulation runs in real time
  --faults SPEC     hardware faults at simulated seconds, comma-separated: KIND:GROUP[:LAMP]@SECOND
                    kinds: stuck-on, stuck-off, lamp-out, ignore-writes, slow-relay (…:LAMP:DELAY_MS),
                    stuck-<lamp>/dead-<lamp> shorthands, controller-hang
                    e.g. stuck-green:G3@120,lamp-out:G1:red@300,controller-hang@500
  --report FILE     write the report there (it is printed to stdout as well)
  --config FILE     a config with sim cameras (default: the documented example, a 4-approach intersection
                    with vehicle groups G1…G8 and pedestrian groups P1…P4)
  --broker URL      publish telemetry there (default: an embedded broker on a free port)

The report holds simulated seconds, cycles, conflictMsAtLamps (time two conflicting groups were lit),
each fault injected with its detection latency and time to flash, vehicles served, and each camera's
counts against the scene's ground truth.`;

export async function simCommand(argv: string[], io: CommandIo): Promise<number> {
  // parseArgs errors (ERR_PARSE_ARGS_*) are usage errors to the command runner (edge/cli/main.ts).
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      seed: { type: 'string' },
      duration: { type: 'string' },
      fast: { type: 'boolean', default: false },
      faults: { type: 'string', default: '' },
      report: { type: 'string' },
      config: { type: 'string' },
      broker: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    io.out(SIM_HELP);
    return 0;
  }
  if (values.seed === undefined) throw new UsageError('--seed is required');
  if (values.duration === undefined) throw new UsageError('--duration is required (simulated seconds)');
  const seed = parseNumberOption('--seed', values.seed, { integer: true, min: 0 });
  const durationS = parseNumberOption('--duration', values.duration, { min: 1, max: 10_000_000 });

  const configPath = values.config === undefined ? EXAMPLE_CONFIG_PATH : resolve(io.cwd, values.config);
  const loaded = await loadConfigFile(configPath);
  if (!loaded.ok) {
    io.err(formatErrors(loaded.errors, values.config ?? configPath));
    return 1;
  }
  let faults;
  try {
    faults = parseFaultSpecs(values.faults, loaded.config.signal.groups);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new UsageError(error.message);
    throw error;
  }
  const late = faults.find((fault) => fault.atS >= durationS);
  if (late) throw new UsageError(`--faults: a fault at ${late.atS} s is not inside --duration ${durationS} s`);

  const log = createLogger('sim');
  const stateDir = await mkdtemp(join(tmpdir(), 'nutgiao-sim-'));
  const broker = values.broker === undefined ? await startEmbeddedBroker({ port: 0, log: log.child('broker') }) : null;
  let report: IntersectionSimReport;
  try {
    report = await runIntersectionSim({
      config: loaded.config,
      configHash: loaded.hash,
      seed,
      durationS,
      fast: values.fast === true,
      faults,
      stateDir,
      brokerUrl: values.broker ?? broker!.url,
      log,
      onProgress: (simulatedS) => io.err(`simulated ${simulatedS} s of ${durationS} s`),
    });
  } finally {
    await broker?.close();
    await rm(stateDir, { recursive: true, force: true });
  }
  const json = JSON.stringify(report, null, 2);
  if (values.report !== undefined) await writeFile(resolve(io.cwd, values.report), json + '\n');
  io.out(json);
  return 0;
}
