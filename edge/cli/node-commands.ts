import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXAMPLE_CONFIG_PATH, formatErrors, loadConfigFile } from '../config/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../broker/embedded-broker.js';
import { createLogger } from '../log.js';
import { composeNode, CompositionError } from '../main.js';
import { settleConfigTrialAtStartup } from '../commands/config-trial.js';
import { forgetBrokerUrl, recordBrokerUrl } from './broker-url-file.js';
import { UsageError, type CommandIo } from './command.js';

export const START_HELP = `nutgiao start [--config FILE] [--broker URL] [--broker-port N] [--state-dir DIR]

Runs a simulated intersection node: the real runtime on simulated hardware (virtual GPIO, simulated
camera), with the example 4-approach intersection unless --config is given. Without a broker (from
--broker or the config) it starts an embedded MQTT broker on 127.0.0.1 (port 1884, or a free one if that
is taken) and records its URL in var/broker.url so 'nutgiao sub' run from the same folder finds it.
Prints a one-line summary every few seconds; Ctrl-C stops cleanly (lamps safe, death message sent).

  --config FILE     node config (default: the example config shipped in edge/config/example.yaml)
  --broker URL      MQTT broker, e.g. mqtt://127.0.0.1:1883 (default: config, else embedded)
  --broker-port N   port for the embedded broker (default 1884)
  --state-dir DIR   boot counter and other state (default: ./var, or state.dir of a given config)`;

export const RUN_HELP = `nutgiao run --config FILE [--broker URL] [--state-dir DIR]

Runs a node from a config file, as on a cabinet computer. The broker comes from --broker or mqtt.broker in
the config; a config error stops it before anything is driven (run 'nutgiao config check FILE' first).`;

interface NodeCommandOptions {
  configPath: string;
  brokerUrl: string | undefined;
  stateDir: string | undefined;
  allowEmbeddedBroker: boolean;
  brokerPort: number;
}

export async function startCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      broker: { type: 'string' },
      'broker-port': { type: 'string', default: '1884' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(START_HELP);
    return 0;
  }
  const brokerPort = Number(values['broker-port']);
  if (!Number.isInteger(brokerPort) || brokerPort < 0 || brokerPort > 65535) throw new UsageError('--broker-port: must be a port number 0..65535 (0 = any free port)');
  return runNode(
    {
      configPath: values.config ?? EXAMPLE_CONFIG_PATH,
      brokerUrl: values.broker,
      // The shipped example keeps its state where the command runs, not inside the package.
      stateDir: values['state-dir'] ?? (values.config ? undefined : 'var'),
      allowEmbeddedBroker: true,
      brokerPort,
    },
    io,
  );
}

export async function runCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      broker: { type: 'string' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(RUN_HELP);
    return 0;
  }
  if (!values.config) throw new UsageError('--config FILE is required');
  return runNode({ configPath: values.config, brokerUrl: values.broker, stateDir: values['state-dir'], allowEmbeddedBroker: false, brokerPort: 0 }, io);
}

async function runNode(options: NodeCommandOptions, io: CommandIo): Promise<number> {
  const log = createLogger('edge');
  // A config that set-config put on trial and that never came up healthy is rolled back before it is read.
  const configFile = resolve(io.cwd, options.configPath);
  const trial = await settleConfigTrialAtStartup(configFile);
  if (trial.state === 'reverted') io.err(`${options.configPath}: ${trial.reason}`);
  const loaded = await loadConfigFile(configFile);
  if (!loaded.ok) {
    io.err(formatErrors(loaded.errors, options.configPath));
    return 1;
  }
  const { config } = loaded;
  const stateDir = options.stateDir ? absolute(io.cwd, options.stateDir) : config.state.dir;
  let broker: EmbeddedBroker | null = null;
  let brokerUrl = options.brokerUrl ?? config.mqtt.broker;
  if (!brokerUrl) {
    if (!options.allowEmbeddedBroker) {
      io.err(`${options.configPath}: mqtt.broker: not set. A node run from a config needs a broker: set mqtt.broker, pass --broker URL, or use 'nutgiao start' for a self-contained simulated node.`);
      return 1;
    }
    broker = await startEmbeddedBroker({ port: options.brokerPort, log: log.child('broker') });
    brokerUrl = broker.url;
    await recordBrokerUrl(io.cwd, brokerUrl);
  }

  let node;
  try {
    // The shipped example is never rewritten by set-config.
    const configPath = configFile === resolve(EXAMPLE_CONFIG_PATH) ? {} : { configPath: configFile };
    node = await composeNode({ config, configHash: loaded.hash, stateDir, brokerUrl, log, summary: io.out, ...configPath });
  } catch (error) {
    if (error instanceof CompositionError) io.err(formatErrors(error.errors, options.configPath));
    else io.err(`cannot start: ${(error as Error).message}`);
    await broker?.close();
    return 1;
  }

  const interrupted = new Promise<string>((resolveStop) => io.onInterrupt(() => resolveStop('stopped by operator')));
  await node.start();
  const base = `${config.mqtt.prefix}/${config.node.site}/${config.node.id}`;
  io.out(`NutGiao node ${config.node.id}@${config.node.site} (boot ${node.bootId()}) publishing to ${brokerUrl}${broker ? ' (embedded broker, MQTT 3.1.1)' : ''}`);
  io.out(`  topics: ${base}/{state,health,event,counts,signal}`);
  io.out(`  watch:  npx nutgiao sub --broker ${brokerUrl}`);
  io.out(`  stop:   Ctrl-C`);
  const reason = await interrupted;
  io.out(`stopping: ${reason}`);
  await node.stop(reason);
  if (broker) {
    await broker.close();
    await forgetBrokerUrl(io.cwd);
  }
  return 0;
}

function absolute(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}
