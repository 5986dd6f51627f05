/** The durable store-and-forward outbox: see README.md in this folder. */
export { Outbox, type AppendRecord, type Durability, type OutboxOptions, type OutboxRecord, type OutboxStats, type RecoveryReport } from './outbox.js';
export type { FsyncPolicy } from './group-commit.js';
export type { CorruptNotice, DegradedNotice, DropReason, DroppedNotice, OutboxEvents, RestoredNotice } from './outbox-events.js';
export { nodeOutboxFs, type OutboxFile, type OutboxFs } from './outbox-fs.js';
export { ReplayPacer, type ReplayBudget } from './replay-pacer.js';
