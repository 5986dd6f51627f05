/**
 * An update on trial, in two files in the releases folder (slots.ts):
 *
 *   trial.json     present while a new release is on trial: where `current` pointed before, where it points
 *                  now, and how many starts the new release has had
 *   outcome.json   why the last trial was rolled back, for the old release to report once it runs again
 *
 * The same pattern as set-config (edge/commands/config-trial.ts), with one difference: the code on trial
 * may itself be broken, so the start counting is done before it runs, by the start guard (start-guard.ts,
 * run by the unit's ExecStartPre= from the installed package). A start that finds a start already counted
 * and not confirmed switches `current` back. The new release confirms itself once healthy, or switches
 * back and exits for a restart when it is not healthy in time.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '../state/atomic-file.js';
import { pointCurrent, readCurrent } from './slots.js';

export interface UpdateTrial {
  starts: number;
  healthyWithinS: number;
  /** `current` before the update (slot name or absolute path): where a rollback points it again. */
  previous: string;
  /** `current` during the trial. */
  next: string;
  version: string;
  fromVersion: string;
}

export interface UpdateOutcome {
  result: 'rolled-back';
  reason: string;
  version: string;
  fromVersion: string;
}

export type UpdateAtStart = { state: 'none' } | { state: 'trying'; trial: UpdateTrial } | { state: 'reverted'; reason: string };

const trialPath = (releasesDir: string) => join(releasesDir, 'trial.json');
const outcomePath = (releasesDir: string) => join(releasesDir, 'outcome.json');


export async function readUpdateTrial(releasesDir: string): Promise<UpdateTrial | null> {
  return readJsonIfExists<UpdateTrial>(trialPath(releasesDir));
}

/** Marks the trial, then switches `current` to the new slot (in that order: see settleUpdateTrialAtStart). */
export async function beginUpdateTrial(releasesDir: string, trial: Omit<UpdateTrial, 'starts' | 'previous'>, installedPackage: string): Promise<UpdateTrial> {
  const previous = (await readCurrent(releasesDir)) ?? installedPackage;
  const marked: UpdateTrial = { ...trial, starts: 0, previous };
  await writeFileAtomic(trialPath(releasesDir), JSON.stringify(marked));
  await pointCurrent(releasesDir, trial.next);
  return marked;
}

/** The start guard: counts this start of a trial, or rolls back a trial whose earlier start never confirmed. */
export async function settleUpdateTrialAtStart(releasesDir: string): Promise<UpdateAtStart> {
  // trial.json is written atomically; one that does not parse was not written by this code: drop it.
  const trial = await readUpdateTrial(releasesDir).catch(async () => {
    await rm(trialPath(releasesDir), { force: true });
    return null;
  });
  if (!trial) return { state: 'none' };
  if ((await readCurrent(releasesDir)) !== trial.next) {
    // Power cut between marking and switching: the old release still runs, nothing to undo.
    await rm(trialPath(releasesDir), { force: true });
    return { state: 'none' };
  }
  if (trial.starts >= 1) {
    const reason = `release ${trial.version} did not come up healthy: it exited, crashed or was killed before confirming (start ${trial.starts + 1}); ${trial.fromVersion} was restored`;
    await revertUpdateTrial(releasesDir, trial, reason);
    return { state: 'reverted', reason };
  }
  const counted = { ...trial, starts: trial.starts + 1 };
  await writeFileAtomic(trialPath(releasesDir), JSON.stringify(counted));
  return { state: 'trying', trial: counted };
}

export async function confirmUpdateTrial(releasesDir: string): Promise<void> {
  await rm(trialPath(releasesDir), { force: true });
}

/** Points `current` back, records why for the old release to report, and ends the trial. */
export async function revertUpdateTrial(releasesDir: string, trial: UpdateTrial, reason: string): Promise<void> {
  await pointCurrent(releasesDir, trial.previous);
  await writeFileAtomic(outcomePath(releasesDir), JSON.stringify({ result: 'rolled-back', reason, version: trial.version, fromVersion: trial.fromVersion } satisfies UpdateOutcome));
  await rm(trialPath(releasesDir), { force: true });
}

/** The outcome of a rolled-back trial, once: reading removes it. */
export async function takeUpdateOutcome(releasesDir: string): Promise<UpdateOutcome | null> {
  const outcome = await readJsonIfExists<UpdateOutcome>(outcomePath(releasesDir)).catch(() => null);
  if (outcome) await rm(outcomePath(releasesDir), { force: true });
  return outcome;
}
