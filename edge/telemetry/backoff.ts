/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): the delay
 * is uniform in [0, min(max, base·2^attempt)], so a fleet reconnecting after a broker restart spreads out
 * instead of arriving in waves.
 */
export function fullJitterDelayMs(attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
