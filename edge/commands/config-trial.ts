/**
 * set-config as a trial the process supervisor can always undo, in three files beside the config file:
 *
 *   FILE.prev        the config that ran before the change (kept afterwards for a manual rollback)
 *   FILE.trial.json  present while a new config is on trial: how many starts it has had, the time it has
 *   FILE             the new config (JSON, which YAML readers also accept)
 *
 * The node exits after writing them; the supervisor starts it again into the new config. The first start
 * counts itself in the marker; if that start confirms (the link to the broker is up within trialS) the
 * marker goes. Any start that finds a start already counted and not confirmed (the new config crashed,
 * failed to load, hung until the watchdog killed it, or the node could not reach the broker) puts FILE.prev
 * back before reading the config. Writes are atomic and ordered (prev, marker, config), so a power cut at
 * any point leaves either the old config or a trial that resolves as above.
 */
import { readFile, rm } from 'node:fs/promises';
import { readJsonIfExists, writeFileAtomic } from '../state/atomic-file.js';

export interface TrialMarker {
  starts: number;
  trialS: number;
}

export type TrialAtStartup = { state: 'none' } | { state: 'trying'; trialS: number } | { state: 'reverted'; reason: string };

const paths = (configPath: string) => ({ previous: `${configPath}.prev`, marker: `${configPath}.trial.json`, outcome: `${configPath}.trial-outcome.json` });


/** Keeps the running config as FILE.prev, marks the trial, writes the new config. */
export async function beginConfigTrial(configPath: string, newConfig: unknown, trialS: number): Promise<void> {
  const { previous, marker } = paths(configPath);
  await writeFileAtomic(previous, await readFile(configPath));
  await writeFileAtomic(marker, JSON.stringify({ starts: 0, trialS } satisfies TrialMarker));
  await writeFileAtomic(configPath, JSON.stringify(newConfig, null, 2) + '\n');
}

/** Runs before the config is read: counts this start of a trial, or reverts a trial that never confirmed. */
export async function settleConfigTrialAtStartup(configPath: string): Promise<TrialAtStartup> {
  const { previous, marker, outcome } = paths(configPath);
  const trial = await readJsonIfExists<TrialMarker>(marker).catch(() => ({ starts: 1, trialS: 0 }) as TrialMarker);
  if (!trial) return { state: 'none' };
  if (trial.starts >= 1) {
    const reason = 'the new config did not come up healthy (no confirmed start): the previous config was restored';
    await restorePrevious(configPath, previous, marker, outcome, reason);
    return { state: 'reverted', reason };
  }
  await writeFileAtomic(marker, JSON.stringify({ ...trial, starts: trial.starts + 1 } satisfies TrialMarker));
  return { state: 'trying', trialS: trial.trialS };
}

/** The running node's view: a trial to confirm, and the outcome of one an earlier start reverted. */
export async function pendingTrial(configPath: string): Promise<{ trial: TrialMarker | null; reverted: string | null }> {
  const { marker, outcome } = paths(configPath);
  const trial = await readJsonIfExists<TrialMarker>(marker);
  const note = await readJsonIfExists<{ reason: string }>(outcome);
  if (note) await rm(outcome, { force: true });
  return { trial, reverted: note?.reason ?? null };
}

export async function confirmConfigTrial(configPath: string): Promise<void> {
  await rm(paths(configPath).marker, { force: true });
}

/** Puts the previous config back now (the running node then exits to start with it). */
export async function revertConfigTrial(configPath: string, reason: string): Promise<void> {
  const { previous, marker, outcome } = paths(configPath);
  await restorePrevious(configPath, previous, marker, outcome, reason);
}

async function restorePrevious(configPath: string, previous: string, marker: string, outcome: string, reason: string): Promise<void> {
  await writeFileAtomic(configPath, await readFile(previous));
  await writeFileAtomic(outcome, JSON.stringify({ reason }));
  await rm(marker, { force: true });
}
