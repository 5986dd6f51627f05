/**
 * The start guard, run before every start of the node by the unit's ExecStartPre= from the installed
 * package (/opt/nutgiao), not from the release on trial, which may be the broken one:
 *
 *   node /opt/nutgiao/dist/edge/update/start-guard.js /var/lib/nutgiao/releases
 *
 * It counts the start of a release on trial, or points `current` back when an earlier start of it never
 * confirmed (update-trial.ts). It always exits 0: a guard that cannot work must not keep the node down.
 */
import { settleUpdateTrialAtStart } from './update-trial.js';

const releasesDir = process.argv[2];
if (!releasesDir) {
  console.error('start-guard: usage: start-guard.js RELEASES_DIR');
} else {
  try {
    const result = await settleUpdateTrialAtStart(releasesDir);
    if (result.state === 'reverted') console.error(`start-guard: rolled back: ${result.reason}`);
    if (result.state === 'trying') console.error(`start-guard: starting release ${result.trial.version} on trial (start ${result.trial.starts}, must be healthy within ${result.trial.healthyWithinS} s)`);
  } catch (error) {
    console.error(`start-guard: cannot settle the update trial in ${releasesDir}: ${(error as Error).message}`);
  }
}
