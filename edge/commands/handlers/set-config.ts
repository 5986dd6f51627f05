import { validateConfig, type Config } from '../../config/index.js';
import { CommandFailure, type CommandHandler } from '../command-handler.js';
import { beginConfigTrial } from '../config-trial.js';
import { RESTART_EXIT_CODE } from './restart.js';

/** At most this many validation errors are listed in the answer (all of them are in the node's log). */
const ERRORS_SHOWN = 10;

/**
 * set-config: validated as a config file is, then written as a trial (config-trial.ts) and applied by a
 * restart; the node goes back to the previous config if the new one does not come up healthy.
 */
export function setConfigHandler(running: Config, configPath: string | null, trialS: number, stopAndExit: (reason: string, exitCode: number) => void): CommandHandler {
  return {
    name: 'set-config',
    async run(args) {
      if (configPath === null) throw new CommandFailure('set-config is not available: this node was not started from a writable config file (nutgiao run --config FILE)');
      const result = validateConfig(args.config);
      if (!result.ok) {
        const shown = result.errors.slice(0, ERRORS_SHOWN).map((error) => `config.${error}`);
        const more = result.errors.length > ERRORS_SHOWN ? `; and ${result.errors.length - ERRORS_SHOWN} more` : '';
        throw new CommandFailure(`args.config is not a valid config (${result.errors.length} errors): ${shown.join('; ')}${more}`);
      }
      if (result.config.node.id !== running.node.id || result.config.node.site !== running.node.site) {
        throw new CommandFailure(`args.config.node: id and site must stay ${running.node.id}@${running.node.site} (they are this node's topics); move a node by editing its file on site`);
      }
      try {
        await beginConfigTrial(configPath, args.config, trialS);
      } catch (error) {
        throw new CommandFailure(`cannot write the new config beside ${configPath}: ${(error as Error).message}`);
      }
      return { restarting: true, exitCode: RESTART_EXIT_CODE, trialS };
    },
    afterResponse() {
      stopAndExit('config changed by set-config', RESTART_EXIT_CODE);
    },
  };
}
