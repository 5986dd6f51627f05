import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scanSegment } from '../telemetry/outbox/segment-scan.js';
import type { SelftestCheck } from './selftest-check.js';
import { row } from './selftest-check.js';

const SEGMENT_NAME = /^\d{12}\.seg$/;

/**
 * Outbox health, read-only: the segments are read and scanned, never opened through the Outbox (which
 * cuts a torn tail and writes), so a running node's log is not touched. Pending = data records no
 * release record covers; corrupt = damaged stretches recovery will skip and report.
 */
export function outboxCheck(dir: string): SelftestCheck {
  return {
    name: 'outbox',
    async run() {
      let names: string[];
      try {
        names = (await readdir(dir)).filter((name) => SEGMENT_NAME.test(name)).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [row('outbox', 'pass', `empty: ${dir} does not exist yet (created at the node's first start)`, { segments: 0, pending: 0, corrupt: 0 })];
        return [row('outbox', 'fail', `cannot list ${dir}: ${(error as Error).message} (the node's user must own it)`)];
      }
      const released = new Map<number, [number, number][]>();
      const data: { boot: number; seq: number; ts: number }[] = [];
      let corrupt = 0;
      let corruptBytes = 0;
      let tornTail = 0;
      let bytes = 0;
      for (const name of names) {
        const contents = await readFile(join(dir, name));
        bytes += contents.length;
        const scan = scanSegment(contents);
        for (const { record } of scan.records) {
          if (record.type === 'data') data.push({ boot: record.boot, seq: record.seq, ts: record.ts });
          else released.set(record.boot, [...(released.get(record.boot) ?? []), [record.fromSeq, record.toSeq]]);
        }
        for (const damage of scan.damage) {
          // A torn last record is what a power cut leaves; the node cuts it off at its next start.
          if (damage.atTail && name === names.at(-1)) tornTail++;
          else corrupt++;
          corruptBytes += damage.bytes;
        }
      }
      const pending = data.filter((entry) => !(released.get(entry.boot) ?? []).some(([from, to]) => entry.seq >= from && entry.seq <= to));
      const oldest = pending.reduce((min, entry) => Math.min(min, entry.ts), Number.POSITIVE_INFINITY);
      const oldestAgeS = Number.isFinite(oldest) ? Math.round((Date.now() - oldest) / 1000) : null;
      const measured = { segments: names.length, bytes, records: data.length, pending: pending.length, oldestPendingAgeS: oldestAgeS, corrupt, corruptBytes, tornTail };
      const backlog = pending.length === 0 ? 'nothing pending' : `${pending.length} records pending, the oldest ${formatAge(oldestAgeS ?? 0)} old`;
      if (corrupt > 0) return [row('outbox', 'warn', `${corrupt} damaged stretches (${corruptBytes} bytes) in ${names.length} segments: the node skips and reports them (telemetry.corrupt) at start; ${backlog}; check the SD card`, measured)];
      return [row('outbox', 'pass', `${names.length} segments, ${backlog}${tornTail > 0 ? ', a torn last record (a power cut) to be cut at start' : ''}`, measured)];
    },
  };
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
