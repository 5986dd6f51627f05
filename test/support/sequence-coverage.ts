import type { Collector, Received } from './collector.js';

/** Sequenced messages of one node and boot, in arrival order. */
export function sequencedOf(collector: Collector, node: string, boot: number): Received[] {
  return collector.received.filter((entry) => entry.message.node === node && entry.message.boot === boot && typeof entry.message.seq === 'number');
}

/** Numbers in 0..highest not received (after de-duplication), ascending. */
export function missingSeqs(collector: Collector, node: string, boot: number): number[] {
  const seen = new Set(sequencedOf(collector, node, boot).map((entry) => entry.message.seq as number));
  const highest = Math.max(-1, ...seen);
  const missing: number[] = [];
  for (let seq = 0; seq <= highest; seq++) if (!seen.has(seq)) missing.push(seq);
  return missing;
}

export function highestSeq(collector: Collector, node: string, boot: number): number {
  return Math.max(-1, ...sequencedOf(collector, node, boot).map((entry) => entry.message.seq as number));
}

/** Waits until every number 0..highest of the boot has arrived and highest >= atLeast. */
export async function waitForCompleteSequence(collector: Collector, node: string, boot: number, atLeast: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = missingSeqs(collector, node, boot);
    const highest = highestSeq(collector, node, boot);
    if (missing.length === 0 && highest >= atLeast) return;
    if (Date.now() > deadline) {
      throw new Error(`boot ${boot} of ${node}: after ${timeoutMs} ms highest seq ${highest} (wanted >= ${atLeast}), missing ${missing.join(',') || 'none'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
