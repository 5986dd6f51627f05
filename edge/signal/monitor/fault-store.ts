import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../state/atomic-file.js';
import type { MonitorFaultKind, MonitorFaultRecord } from './monitor-fault.js';

const FILE_NAME = 'monitor-fault.json';

const KINDS: readonly MonitorFaultKind[] = [
  'conflict',
  'red-fail',
  'multiple-indications',
  'short-yellow',
  'short-red-clearance',
  'heartbeat-missing',
  'sensor-error',
  'unreadable-record',
];

export type StoredFault = { state: 'none' } | { state: 'latched'; record: MonitorFaultRecord } | { state: 'unreadable'; reason: string };

/**
 * The latched fault in the state dir, so a restart stays in flash until a technician resets it. Written
 * atomically; a file that exists but cannot be understood counts as latched (it was written for a fault).
 */
export class FaultStore {
  readonly path: string;

  constructor(stateDir: string) {
    this.path = join(stateDir, FILE_NAME);
  }

  async load(): Promise<StoredFault> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'none' };
      return { state: 'unreadable', reason: (error as Error).message };
    }
    try {
      const record = JSON.parse(text) as Partial<MonitorFaultRecord>;
      if (!isRecord(record)) return { state: 'unreadable', reason: 'not a fault record' };
      return { state: 'latched', record };
    } catch (error) {
      return { state: 'unreadable', reason: (error as Error).message };
    }
  }

  save(record: MonitorFaultRecord): Promise<void> {
    return writeFileAtomic(this.path, JSON.stringify(record, null, 2) + '\n');
  }

  clear(): Promise<void> {
    return rm(this.path, { force: true });
  }
}

function isRecord(value: Partial<MonitorFaultRecord> | null): value is MonitorFaultRecord {
  return (
    typeof value === 'object' &&
    value !== null &&
    KINDS.includes(value.kind as MonitorFaultKind) &&
    Array.isArray(value.groups) &&
    typeof value.detail === 'string' &&
    typeof value.firstSeenAt === 'number' &&
    typeof value.trippedAt === 'number' &&
    Array.isArray(value.readings)
  );
}
