import type { ResetResult } from '../../signal/monitor/conflict-monitor.js';
import { CommandFailure, type CommandHandler } from '../command-handler.js';

/** monitor-reset: the remote equivalent of the technician's reset; refused by the monitor while the fault is present. */
export function monitorResetHandler(monitor: () => { reset(by: string): Promise<ResetResult> }): CommandHandler {
  return {
    name: 'monitor-reset',
    async run(args) {
      const outcome = await monitor().reset(`remote:${String(args.by)}`);
      if (!outcome.ok) throw new CommandFailure(`monitor not reset: ${outcome.reason}`);
      return { cleared: outcome.cleared };
    },
  };
}
