/**
 * The second half of a change applied by a restart (set-config's config, update's release): the new start
 * has withinS seconds to become healthy; then the change is confirmed, else reverted, and the caller
 * restarts into what ran before. Real time, not the node's clock: it bounds how long a person or the
 * fleet waits for a node, not a step of the signal plan.
 */
export interface TrialAfterRestart {
  withinS: number;
  healthy: () => boolean;
  confirm: () => Promise<void>;
  revert: () => Promise<void>;
  pollMs?: number;
}

export async function confirmHealthyOrRevert(trial: TrialAfterRestart): Promise<'confirmed' | 'reverted'> {
  const deadline = Date.now() + trial.withinS * 1000;
  while (!trial.healthy() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, trial.pollMs ?? 200));
  if (trial.healthy()) {
    await trial.confirm();
    return 'confirmed';
  }
  await trial.revert();
  return 'reverted';
}
