import { confirmHealthyOrRevert } from '../commands/trial-after-restart.js';
import { RESTART_EXIT_CODE } from '../commands/handlers/restart.js';
import type { Logger } from '../log.js';
import { readCurrent, runsFromCurrent } from './slots.js';
import { confirmUpdateTrial, readUpdateTrial, revertUpdateTrial, takeUpdateOutcome } from './update-trial.js';

export interface UpdateSupervisionParts {
  releasesDir: string;
  packageRoot: string;
  /** Healthy: the node started its signal, cameras and commands, and its link to the broker is up. */
  healthy: () => boolean;
  event: (type: string, severity: 'info' | 'error', message: string, data: Record<string, unknown>) => void;
  stopAndExit: (reason: string, exitCode: number) => void;
  log: Logger;
}

/**
 * At each start: reports an update an earlier start rolled back (update.rolled-back), and when this process
 * is the release on trial, confirms it once healthy (update.applied) or switches back and restarts.
 */
export async function superviseUpdateTrial(parts: UpdateSupervisionParts): Promise<void> {
  const { releasesDir, log } = parts;
  try {
    const outcome = await takeUpdateOutcome(releasesDir);
    if (outcome) {
      log.error(`update to ${outcome.version} was rolled back: ${outcome.reason}`);
      parts.event('update.rolled-back', 'error', `update to ${outcome.version} rolled back: ${outcome.reason}`, { version: outcome.version, fromVersion: outcome.fromVersion, reason: outcome.reason });
    }
    const trial = await readUpdateTrial(releasesDir);
    if (!trial || (await readCurrent(releasesDir)) !== trial.next || !(await runsFromCurrent(releasesDir, parts.packageRoot))) return;
    const reason = `release ${trial.version} did not reach the broker within ${trial.healthyWithinS} s: ${trial.fromVersion} was restored`;
    const result = await confirmHealthyOrRevert({
      withinS: trial.healthyWithinS,
      healthy: parts.healthy,
      confirm: () => confirmUpdateTrial(releasesDir),
      revert: () => revertUpdateTrial(releasesDir, trial, reason),
    });
    if (result === 'confirmed') {
      log.info(`update to ${trial.version} confirmed`);
      parts.event('update.applied', 'info', `updated from ${trial.fromVersion} to ${trial.version}: the new release came up healthy`, { version: trial.version, fromVersion: trial.fromVersion });
      return;
    }
    log.error(reason);
    parts.stopAndExit('update trial failed', RESTART_EXIT_CODE);
  } catch (error) {
    log.error('update trial supervision failed', { error: error as Error });
  }
}
