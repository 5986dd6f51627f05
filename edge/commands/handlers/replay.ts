import { CommandFailure, type CommandHandler } from '../command-handler.js';

/** What the durable outbox (DurableTelemetry) offers the replay command: how many records of the range it found and sent. */
export interface ReplaySource {
  replayRange(boot: number, fromSeq: number, toSeq: number): Promise<number>;
}

/** replay: the range again from the durable log; without one the node says so. */
export function replayHandler(source: () => ReplaySource | null): CommandHandler {
  return {
    name: 'replay',
    async run(args) {
      const { boot, fromSeq, toSeq } = args as { boot: number; fromSeq: number; toSeq: number };
      if (toSeq < fromSeq) throw new CommandFailure(`args.toSeq: ${toSeq} is below fromSeq ${fromSeq}; give fromSeq <= toSeq`);
      const log = source();
      if (!log) throw new CommandFailure('replay not available: this node runs without the durable outbox');
      const found = await log.replayRange(boot, fromSeq, toSeq);
      return { requested: toSeq - fromSeq + 1, found };
    },
  };
}
