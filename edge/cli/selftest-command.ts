import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXAMPLE_CONFIG_PATH, loadConfigFile, resolveSecrets, type Config } from '../config/index.js';
import { outboxDir } from '../config/outbox-schema.js';
import type { GpioBinding } from '../hal/gpio.js';
import { openLogicalOutputs } from '../hal/lines.js';
import { RealClock } from '../hal/real-clock.js';
import { createLogger, type Logger } from '../log.js';
import { openCamera, openGpio, readTls } from '../main.js';
import { BrokerProbe } from '../selftest/broker-probe.js';
import { cameraCheck, type CameraUnderTest } from '../selftest/camera-check.js';
import { configCheck } from '../selftest/config-check.js';
import { diskCheck } from '../selftest/disk-check.js';
import { formatTable } from '../selftest/format-table.js';
import { inputCheck, type WatchedInput } from '../selftest/input-check.js';
import { lampCheck } from '../selftest/lamp-check.js';
import { outboxCheck } from '../selftest/outbox-check.js';
import { row, type SelftestCheck, type SelftestReport } from '../selftest/selftest-check.js';
import { runSelftest } from '../selftest/selftest-runner.js';
import { applySimLampFaults, parseSimLampFaults, SIM_FAULTS_ENV } from '../selftest/sim-fault-hook.js';
import { SignalBoard } from '../signal/signal-board.js';
import { openLampSensor } from '../signal/monitor/open-lamp-sensor.js';
import { nextBootId } from '../state/boot-counter.js';
import { parseNumberOption, UsageError, type CommandIo } from './command.js';

const CHECKS = ['lamps', 'inputs', 'camera', 'broker', 'disk', 'outbox'] as const;
type CheckName = (typeof CHECKS)[number];

export const SELFTEST_HELP = `nutgiao selftest [--config FILE] [--broker URL] [--state-dir DIR] [--watch-inputs SECONDS]
                 [--capture SECONDS] [--skip LIST] [--json]

The commissioning self-test a technician runs at the cabinet with the node stopped
(systemctl stop nutgiao): it needs the GPIO lines the node holds. Checks, in order:

  config   the config is valid (schema and every cross-field safety check)
  lamps    each lamp output driven on and off, one at a time, and read back through the lamp sensor,
           only with the flash-transfer relay held released (the cabinet flashes; no driven lamp faces
           traffic): stuck on, dark when driven (lamp out or output stuck off), crossed wiring.
           Refused without signal.flashRelay, with the relay sensed energised, or when another process
           holds a line (EBUSY: the node is still running)
  inputs   each loop, push button and preempt input: its level, and its changes during --watch-inputs
  camera   a short capture per camera: frames arrive, fps against the config, exposure, focus
  broker   connect, QoS 1 publish, round trip through the node's own event topic, clock skew against
           the central host's retained state (mqtt.waitForHost) when configured
  disk     free space in the state folder against outbox.maxBytes
  outbox   the telemetry log read-only: pending records, damaged records

Prints a table (or --json), publishes the result as a 'selftest.result' event on the node's event
topic when the broker is reachable, and exits 1 when any check fails (warnings pass). Its events
carry a boot id of their own from the state folder's counter, as a node start would.

  --config FILE            node config (default: the example config)
  --broker URL             MQTT broker (default: mqtt.broker of the config)
  --state-dir DIR          state folder (default: state.dir of the config)
  --watch-inputs SECONDS   watch the inputs this long: press each button, drive over each loop (default 0)
  --capture SECONDS        capture length per camera (default 3)
  --skip LIST              checks to leave out, comma-separated: ${CHECKS.join(',')}
  --json                   print the report as one JSON object

Simulated hardware only: ${SIM_FAULTS_ENV}=stuck-on:G1:green,lamp-out:G2:red (kinds stuck-on, stuck-off,
lamp-out, ignore-writes) injects lamp faults, to see how the test reports them.`;

export async function selftestCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      broker: { type: 'string' },
      'state-dir': { type: 'string' },
      'watch-inputs': { type: 'string', default: '0' },
      capture: { type: 'string', default: '3' },
      skip: { type: 'string', default: '' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(SELFTEST_HELP);
    return 0;
  }
  const watchMs = parseNumberOption('--watch-inputs', values['watch-inputs'], { min: 0, max: 600 }) * 1000;
  const captureMs = parseNumberOption('--capture', values.capture, { min: 0.5, max: 60 }) * 1000;
  const skipped = parseSkip(values.skip);
  const simFaults = parseSimLampFaults(io.env[SIM_FAULTS_ENV]);
  const log = createLogger('edge:selftest');

  const configPath = values.config ?? EXAMPLE_CONFIG_PATH;
  const loaded = await loadConfigFile(resolve(io.cwd, configPath));
  const validity = configCheck(() => (loaded.ok ? { ok: true, hash: loaded.hash } : loaded));
  if (!loaded.ok) return finish(await runSelftest([validity]), null, values.json, io);
  const { config } = loaded;
  const stateDir = values['state-dir'] ? resolve(io.cwd, values['state-dir']) : config.state.dir;
  const clock = new RealClock();

  let gpio: GpioBinding | null = null;
  let gpioProblem: string | null = null;
  if (!(skipped.has('lamps') && skipped.has('inputs') && skipped.has('camera'))) {
    try {
      gpio = await openGpio(config.hardware.gpio, clock);
    } catch (error) {
      gpioProblem = `cannot open GPIO driver '${config.hardware.gpio.driver}': ${(error as Error).message}`;
    }
  }
  if (simFaults.length > 0 && config.hardware.gpio.driver !== 'sim') throw new UsageError(`${SIM_FAULTS_ENV}: lamp faults can only be injected on the simulated GPIO driver (this config uses '${config.hardware.gpio.driver}')`);

  const broker = skipped.has('broker') ? null : await brokerProbe(config, values.broker, stateDir, io, log);
  const probe = broker instanceof BrokerProbe ? broker : null;
  const checks: SelftestCheck[] = [validity];
  const gpioMissing = (name: string): SelftestCheck => ({ name, run: async () => [row(name, 'fail', gpioProblem ?? 'GPIO not opened')] });
  if (!skipped.has('lamps')) {
    checks.push(
      gpio === null
        ? gpioMissing('lamps')
        : lampCheck({
            gpio,
            groups: config.signal.groups,
            flashRelay: config.signal.flashRelay,
            settleMs: config.monitor.sensor === 'sim' ? 2 : config.monitor.readbackDebounceMs + 30,
            openSensor: async () => {
              const sensor = await openLampSensor(config, gpio!, clock);
              applySimLampFaults(sensor, simFaults);
              return sensor;
            },
          }),
    );
  }
  if (!skipped.has('inputs')) {
    const onWatchStart = (ms: number) => io.err(`watching the inputs for ${ms / 1000} s: press each push button and occupy each loop now`);
    const inputs = watchedInputs(config);
    if (gpio !== null) idleSimulatedInputs(gpio, inputs);
    checks.push(gpio === null ? gpioMissing('inputs') : inputCheck({ gpio, clock, inputs, watchMs, onWatchStart }));
  }
  if (!skipped.has('camera')) checks.push(cameraCheck({ cameras: camerasUnderTest(config, gpio, clock, log), captureMs }));
  if (broker !== null) checks.push(broker instanceof BrokerProbe ? broker.check() : { name: 'broker', run: async () => [row('broker', 'fail', broker.problem)] });
  if (!skipped.has('disk')) checks.push(diskCheck({ stateDir, outboxMaxBytes: config.outbox.maxBytes }));
  if (!skipped.has('outbox')) checks.push(outboxCheck(outboxDir(config.outbox, stateDir)));

  try {
    const report = await runSelftest(checks);
    const published = probe ? await probe.publishResult(report).catch((error: Error) => (log.warn('cannot publish the self-test result', { error }), false)) : false;
    return finish(report, published ? `${config.mqtt.prefix}/${config.node.site}/${config.node.id}/event` : null, values.json, io);
  } finally {
    await probe?.close();
    await gpio?.close().catch(() => undefined);
  }
}

function finish(report: SelftestReport, publishedOn: string | null, json: boolean, io: CommandIo): number {
  if (json) io.out(JSON.stringify({ ...report, published: publishedOn !== null }));
  else {
    io.out(formatTable(report));
    io.out(publishedOn === null ? 'result not published (no broker connection)' : `result published as selftest.result on ${publishedOn}`);
  }
  return report.passed ? 0 : 1;
}

function parseSkip(text: string): Set<CheckName> {
  const names = text.split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) if (!(CHECKS as readonly string[]).includes(name)) throw new UsageError(`--skip: unknown check '${name}' (checks: ${CHECKS.join(', ')}; config always runs)`);
  return new Set(names as CheckName[]);
}

function watchedInputs(config: Config): WatchedInput[] {
  const inputs: WatchedInput[] = config.signal.detectors.map((detector) => ({ id: detector.id, kind: detector.kind, pin: detector.input, debounceMs: detector.debounceMs }));
  const preempt = config.signal.preempt;
  if (preempt) inputs.push({ id: 'preempt', kind: 'preempt', pin: preempt.input, debounceMs: preempt.debounceMs });
  return inputs;
}

/**
 * The simulated cabinet's pull-ups: a simulated line floats at 0, which an active-low button reads as
 * pressed; real wiring holds it high until pressed. Real drivers are left alone.
 */
function idleSimulatedInputs(gpio: GpioBinding, inputs: readonly WatchedInput[]): void {
  const bench = gpio as GpioBinding & { setInput?: (chip: string, line: number, level: 0 | 1) => void };
  if (gpio.name !== 'sim' || typeof bench.setInput !== 'function') return;
  for (const { pin } of inputs) if (pin.activeLow === true) bench.setInput(pin.chip, pin.line, 1);
}

/** Each configured camera opened through the node's own factories; a camera behind a power relay is powered for its capture. */
function camerasUnderTest(config: Config, gpio: GpioBinding | null, clock: RealClock, log: Logger): CameraUnderTest[] {
  const board = new SignalBoard();
  return config.cameras.map((camera) => {
    const relayPin = camera.health?.powerRelay;
    return {
      id: camera.id,
      configuredFps: camera.source.fps,
      darkBelow: camera.health?.darkBelow ?? 20,
      open: () => openCamera(camera, clock, log, board),
      ...(relayPin && gpio
        ? {
            powerOn: async () => {
              const relay = await openLogicalOutputs(gpio, [relayPin], 1);
              // Let go after the capture: the node owns the relay again when it starts.
              return () => relay.close();
            },
          }
        : {}),
    };
  });
}

/** The broker probe, or why there can be none (reported as the broker row). */
async function brokerProbe(config: Config, brokerOption: string | undefined, stateDir: string, io: CommandIo, log: Logger): Promise<BrokerProbe | { problem: string }> {
  const url = brokerOption ?? config.mqtt.broker;
  if (url === undefined) return { problem: 'no broker: set mqtt.broker in the config or pass --broker URL' };
  const secrets = resolveSecrets(config, io.env);
  if (!secrets.ok) return { problem: secrets.errors.join('; ') };
  let tls: ReturnType<typeof readTls>;
  let boot: number;
  try {
    tls = readTls(config);
    // The self-test's events are a session of the node's identity: a boot id of their own keeps (node, boot, seq) unique.
    boot = await nextBootId(stateDir, log);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'EACCES' || code === 'EPERM' ? ` (run as the node's user, e.g. sudo -u nutgiao nutgiao selftest …)` : '';
    return { problem: `${(error as Error).message}${hint}` };
  }
  return new BrokerProbe({
    url,
    prefix: config.mqtt.prefix,
    site: config.node.site,
    node: config.node.id,
    boot,
    protocol: config.mqtt.protocol,
    connectOptions: {
      connectTimeout: config.mqtt.connectTimeoutS * 1000,
      ...(config.mqtt.username === undefined ? {} : { username: config.mqtt.username }),
      ...(secrets.mqttPassword === undefined ? {} : { password: secrets.mqttPassword }),
      ...(tls ? { ...tls } : {}),
    },
    ...(config.mqtt.waitForHost ? { hostStateTopic: config.mqtt.waitForHost.topic } : {}),
  });
}
