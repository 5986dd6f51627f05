import { UsageError, type CommandIo } from './command.js';
import { packageVersion } from '../version.js';

const USAGE = `nutgiao — edge runtime for traffic-signal camera nodes

Usage: nutgiao <command> [options]

Commands:
  start                  run a simulated intersection node (example config, embedded broker)
  run --config FILE      run a node from a config file
  config check FILE      validate a config file; prints every error with its path
  sub                    subscribe to telemetry and print each message as one JSON line
  cmd NODE@SITE COMMAND [--args JSON] [--key FILE --key-id ID]
                         send a command (signed with --key) and print the response; cmd keygen --out FILE
  count --video FILE --line NAME:x1,y1,x2,y2
                         count vehicles crossing lines in a video file (vision pipeline)
  sim --seed S --duration SECONDS [--fast] [--faults SPEC] [--report FILE.json]
                         run the whole node on a simulated intersection and report (faults, counts)
  sim render --seed S --seconds N --out FILE.mp4 [--truth FILE.json]
                         render the simulator's intersection approach to a video with ground truth
  selftest [--config FILE] [--watch-inputs SECONDS] [--json]
                         commissioning self-test: lamps, inputs, cameras, broker, disk, outbox
  release --out FILE --key FILE --key-id ID
                         pack this build into a signed release bundle for the update command
  collect --broker URL --db postgres://… [--share GROUP]
                         central collector: MQTT 5 shared subscription → PostgreSQL, acked after commit
  fleet --nodes N --broker URL --duration SECONDS [--rate R] [--churn SPEC]
                         a city of simulated nodes (own link, boot id, outbox each) against a broker
  help [COMMAND]         show help for a command

Options:
  -h, --help             show help
  -v, --version          show the version

Logs go to stderr (NUTGIAO_LOG=debug|info|warn|error|silent); command output goes to stdout.`;

type Command = { run: (argv: string[], io: CommandIo) => Promise<number>; help: string };

// Each command loads only what it needs (MQTT, the broker, the simulator), so help and config checks start fast.
const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => {
    const module = await import('./node-commands.js');
    return { run: module.startCommand, help: module.START_HELP };
  },
  run: async () => {
    const module = await import('./node-commands.js');
    return { run: module.runCommand, help: module.RUN_HELP };
  },
  config: async () => {
    const module = await import('./config-command.js');
    return { run: module.configCommand, help: module.CONFIG_HELP };
  },
  count: async () => {
    const module = await import('./count-command.js');
    return { run: module.countCommand, help: module.COUNT_HELP };
  },
  sim: async () => {
    const [render, intersection] = await Promise.all([import('../../sim/scene/render-command.js'), import('../../sim/intersection/sim-command.js')]);
    const help = `${intersection.SIM_HELP}\n\nnutgiao sim render …\n\n${render.RENDER_HELP}`;
    return {
      help,
      run: async (argv, io) => {
        const [action, ...rest] = argv;
        if (action === '-h' || action === '--help' || action === undefined) {
          io.out(help);
          return action === undefined ? 2 : 0;
        }
        return action === 'render' ? render.renderCommand(rest, io) : intersection.simCommand(argv, io);
      },
    };
  },
  cmd: async () => {
    const module = await import('./cmd-command.js');
    return { run: module.cmdCommand, help: module.CMD_HELP };
  },
  sub: async () => {
    const module = await import('./sub-command.js');
    return { run: module.subCommand, help: module.SUB_HELP };
  },
  release: async () => {
    const module = await import('./release-command.js');
    return { run: module.releaseCommand, help: module.RELEASE_HELP };
  },
  collect: async () => {
    const module = await import('./collect-command.js');
    return { run: module.collectCommand, help: module.COLLECT_HELP };
  },
  fleet: async () => {
    const module = await import('./fleet-command.js');
    return { run: module.fleetCommand, help: module.FLEET_HELP };
  },
  selftest: async () => {
    const module = await import('./selftest-command.js');
    return { run: module.selftestCommand, help: module.SELFTEST_HELP };
  },
};

export function processIo(): CommandIo {
  // A reader that goes away (`nutgiao count … | head`) ends the output, not the process with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    cwd: process.cwd(),
    env: process.env,
    onInterrupt: (handler) => {
      process.once('SIGINT', handler);
      process.once('SIGTERM', handler);
    },
  };
}

export async function main(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    io.out(USAGE);
    return 0;
  }
  if (name === '-v' || name === '--version') {
    io.out(packageVersion());
    return 0;
  }
  if (name === 'help') {
    const load = rest[0] ? COMMANDS[rest[0]] : undefined;
    io.out(load ? (await load()).help : USAGE);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`nutgiao: unknown command '${name}'. Run 'nutgiao --help' for the list.`);
    return 2;
  }
  try {
    return await (await load()).run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`nutgiao ${name}: ${(error as Error).message}`);
      io.err(`Run 'nutgiao help ${name}' for usage.`);
      return 2;
    }
    io.err(`nutgiao ${name}: ${(error as Error).message}`);
    return 1;
  }
}
