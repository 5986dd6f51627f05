import type { CommandHandler } from '../command-handler.js';

export interface SelftestCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** One named probe; resolves to its verdict, or throws (counted as a failed check with the message). */
export type SelftestProbe = { name: string; run: () => Promise<{ ok: boolean; detail: string }> };

/**
 * selftest: runs every probe, each bounded by timeoutMs, and reports them all. The command succeeds when
 * the test ran; `passed` says whether every check did.
 */
export function selftestHandler(probes: () => SelftestProbe[], timeoutMs = 5000): CommandHandler {
  return {
    name: 'selftest',
    async run() {
      const checks: SelftestCheck[] = [];
      for (const probe of probes()) checks.push({ name: probe.name, ...(await bounded(probe, timeoutMs)) });
      return { passed: checks.every((check) => check.ok), checks };
    },
  };
}

async function bounded(probe: SelftestProbe, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  let timer: NodeJS.Timeout | undefined;
  // Real time on purpose: a probe waits on sockets and workers, not on the signal plan's clock.
  const timeout = new Promise<{ ok: boolean; detail: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([probe.run().catch((error: Error) => ({ ok: false, detail: error.message })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
