import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SelftestCheck } from './selftest-check.js';
import { row } from './selftest-check.js';

export interface DiskCheckOptions {
  stateDir: string;
  /** outbox.maxBytes: the most the telemetry log may take on this disk. */
  outboxMaxBytes: number;
  /** Below this the node cannot keep its state safely, bytes. */
  minFreeBytes?: number;
}

const MiB = 1024 * 1024;

/** Free space where the node keeps its state: enough for the outbox's bound, and never nearly full. */
export function diskCheck(options: DiskCheckOptions): SelftestCheck {
  return {
    name: 'disk',
    async run() {
      const { path, exists } = await existingAncestor(options.stateDir);
      const info = await statfs(path);
      const freeBytes = info.bavail * info.bsize;
      const totalBytes = info.blocks * info.bsize;
      const minFree = options.minFreeBytes ?? 64 * MiB;
      const measured = { freeMiB: Math.floor(freeBytes / MiB), totalMiB: Math.floor(totalBytes / MiB), outboxMaxMiB: Math.floor(options.outboxMaxBytes / MiB) };
      const where = exists ? options.stateDir : `${options.stateDir} (not created yet; measured on ${path})`;
      if (freeBytes < minFree) return [row('disk', 'fail', `only ${measured.freeMiB} MiB free for ${where}: the node needs at least ${Math.floor(minFree / MiB)} MiB; free space or move state.dir`, measured)];
      if (freeBytes < options.outboxMaxBytes) return [row('disk', 'warn', `${measured.freeMiB} MiB free for ${where}, less than outbox.maxBytes (${measured.outboxMaxMiB} MiB): a long outage would fill the disk before the log's bound; lower outbox.maxBytes`, measured)];
      return [row('disk', 'pass', `${measured.freeMiB} MiB free of ${measured.totalMiB} MiB for ${where}`, measured)];
    },
  };
}

async function existingAncestor(path: string): Promise<{ path: string; exists: boolean }> {
  let candidate = path;
  for (;;) {
    try {
      await statfs(candidate);
      return { path: candidate, exists: candidate === path };
    } catch (error) {
      const parent = dirname(candidate);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === candidate) throw error;
      candidate = parent;
    }
  }
}
