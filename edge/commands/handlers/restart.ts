import type { CommandHandler } from '../command-handler.js';

/** Exit code asking the process supervisor to start the node again (EX_TEMPFAIL; systemd: RestartForceExitStatus=75). */
export const RESTART_EXIT_CODE = 75;

/** restart: answers first, then stops the node cleanly and exits with RESTART_EXIT_CODE. */
export function restartHandler(stopAndExit: (reason: string, exitCode: number) => void): CommandHandler {
  let reason = 'restart requested';
  return {
    name: 'restart',
    async run(args) {
      reason = typeof args.reason === 'string' && args.reason !== '' ? `restart requested: ${args.reason}` : 'restart requested';
      return { restarting: true, exitCode: RESTART_EXIT_CODE };
    },
    afterResponse() {
      stopAndExit(reason, RESTART_EXIT_CODE);
    },
  };
}
