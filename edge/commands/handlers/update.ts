import type { UpdateConfig } from '../../config/update-schema.js';
import { CommandFailure, type CommandHandler } from '../command-handler.js';
import { installRelease, type InstalledRelease } from '../../update/install-release.js';
import { RESTART_EXIT_CODE } from './restart.js';

export interface UpdateContext {
  settings: UpdateConfig;
  /** state.dir/releases: the A/B slots and the `current` pointer (edge/update/slots.ts). */
  releasesDir: string;
  /** The package this process runs from. */
  packageRoot: string;
  version: string;
  stopAndExit: (reason: string, exitCode: number) => void;
  /** Publishes why an update was refused (the answer says it too). */
  refused: (reason: string, url: string) => void;
}

/**
 * update: downloads a signed release bundle, verifies it, installs it in the inactive slot, switches to it
 * and restarts; the new release is rolled back if it does not come up healthy (edge/update/). Anything
 * wrong before the switch leaves the running release untouched and is the answer's error.
 */
export function updateHandler(context: UpdateContext): CommandHandler {
  let installed: InstalledRelease | null = null;
  let busy = false;
  return {
    name: 'update',
    async run(args) {
      if (busy) throw new CommandFailure('an update is already being installed: wait for its answer');
      const url = String(args.url);
      busy = true;
      try {
        installed = await installRelease({ ...context, url });
      } catch (error) {
        const reason = (error as Error).message;
        context.refused(reason, url);
        throw new CommandFailure(`update refused, ${context.version} keeps running: ${reason}`);
      } finally {
        busy = false;
      }
      return { restarting: true, exitCode: RESTART_EXIT_CODE, version: installed.version, fromVersion: context.version, slot: installed.slot, healthyWithinS: context.settings.healthyWithinS };
    },
    afterResponse() {
      if (installed) context.stopAndExit(`updating to release ${installed.version}`, RESTART_EXIT_CODE);
    },
  };
}
