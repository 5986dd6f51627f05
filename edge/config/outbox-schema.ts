/**
 * The `outbox` section of the config: the durable store-and-forward log of sequenced telemetry
 * (edge/telemetry/outbox/), and the pace of its replay after a reconnect.
 */
import { Type, type Static } from '@sinclair/typebox';
import { isAbsolute, join, resolve } from 'node:path';
import type { OutboxOptions } from '../telemetry/outbox/outbox.js';

const MiB = 1024 * 1024;

const bytes = (minimum: number, maximum: number, defaultValue: number) => Type.Integer({ minimum, maximum, unit: 'bytes', default: defaultValue });

/** 'always' = an fsync per message; { batchMs } = one fsync per window (group commit). See the outbox README. */
export const FsyncPolicySchema = Type.Union(
  [
    Type.Literal('always'),
    Type.Object({ batchMs: Type.Integer({ minimum: 1, maximum: 10_000, unit: 'ms', default: 100 }) }, { additionalProperties: false }),
  ],
  { allowed: "'always' or { batchMs: 1..10000 }", default: 'always' },
);

export const OutboxSchema = Type.Object(
  {
    /** Absent: `outbox` inside state.dir. Relative paths are relative to the config file. */
    dir: Type.Optional(Type.String({ minLength: 1 })),
    /** Bound of the log on disk; the oldest records are dropped (and reported) beyond it. */
    maxBytes: bytes(1 * MiB, 64 * 1024 * MiB, 256 * MiB),
    /** Records older than this are dropped (and reported). 7 days covers a long weekend without a link. */
    maxAgeH: Type.Number({ minimum: 0.1, maximum: 24 * 90, unit: 'h', default: 24 * 7 }),
    /** Size of one segment file; a segment is deleted whole once all its records are acknowledged. */
    segmentBytes: bytes(64 * 1024, 256 * MiB, 4 * MiB),
    fsync: FsyncPolicySchema,
    /** Bound of the memory buffer used while the disk is full or read-only. */
    memoryMaxBytes: bytes(64 * 1024, 1024 * MiB, 16 * MiB),
    /**
     * Budget of live and backlog messages together after a reconnect: live messages go first, the
     * backlog gets what is left, so a long outage does not starve live data.
     */
    replay: Type.Object(
      {
        messagesPerS: Type.Number({ exclusiveMinimum: 0, maximum: 100_000, unit: 'messages/s', default: 200 }),
        bytesPerS: Type.Optional(Type.Integer({ minimum: 1024, maximum: 1024 * MiB, unit: 'bytes/s' })),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export type OutboxConfig = Static<typeof OutboxSchema>;

/** Cross-field rules of the section, one message per problem, each naming its path and the fix. */
export function checkOutboxConfig(outbox: OutboxConfig, path = 'outbox'): string[] {
  const errors: string[] = [];
  if (outbox.maxBytes < 2 * outbox.segmentBytes) {
    errors.push(`${path}.maxBytes: must be at least twice ${path}.segmentBytes (${2 * outbox.segmentBytes} bytes), so the oldest segment can be dropped while another is written; raise maxBytes or lower segmentBytes`);
  }
  return errors;
}

/** The folder of the log: `dir` resolved against the config file's folder, or `outbox` in the state folder. */
export function outboxDir(outbox: OutboxConfig, stateDir: string, configDir = process.cwd()): string {
  if (outbox.dir === undefined) return join(stateDir, 'outbox');
  return isAbsolute(outbox.dir) ? outbox.dir : resolve(configDir, outbox.dir);
}

/** The Outbox options this section gives (the caller adds clock, log and, in tests, fs). */
export function outboxOptionsFrom(outbox: OutboxConfig, dir: string): Pick<OutboxOptions, 'dir' | 'maxBytes' | 'maxAgeMs' | 'segmentBytes' | 'fsync' | 'memoryMaxBytes'> {
  return {
    dir,
    maxBytes: outbox.maxBytes,
    maxAgeMs: Math.round(outbox.maxAgeH * 3_600_000),
    segmentBytes: outbox.segmentBytes,
    fsync: outbox.fsync === 'always' ? 'always' : { batchMs: outbox.fsync.batchMs },
    memoryMaxBytes: outbox.memoryMaxBytes,
  };
}
