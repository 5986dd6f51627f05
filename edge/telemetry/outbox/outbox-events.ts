/** What the outbox reports: loss is never silent, and neither is a fall back to memory. */

/** Why records left the outbox without being acknowledged. */
export type DropReason =
  /** The log reached maxBytes: its oldest segment was deleted. */
  | 'full'
  /** Older than maxAge. */
  | 'expired'
  /** Degraded to memory and the memory bound was reached. */
  | 'memory-full'
  /** The record's bytes no longer check out when read back for sending. */
  | 'corrupt';

/**
 * Records of one boot that were lost: `count` of them between fromSeq and toSeq inclusive. Numbers in
 * that range that are not counted had already been acknowledged, so a receiver that lacks a number in
 * the range knows it is lost rather than late.
 */
export interface DroppedNotice {
  reason: DropReason;
  boot: number;
  fromSeq: number;
  toSeq: number;
  count: number;
}

/** A damaged stretch of a segment found when the outbox opened (a torn write after power loss, bit rot). */
export interface CorruptNotice {
  segment: string;
  offset: number;
  bytes: number;
  reason: string;
  /** A damaged tail of the newest segment is the torn last write; it is cut off so it is reported once. */
  atTail: boolean;
}

/** The disk refused a write (ENOSPC, EROFS, EIO...): records are held in a bounded memory buffer. */
export interface DegradedNotice {
  code: string;
  message: string;
}

/** Writing works again: the memory buffer went back to disk. */
export interface RestoredNotice {
  records: number;
}

export interface OutboxEvents {
  dropped: DroppedNotice;
  corrupt: CorruptNotice;
  degraded: DegradedNotice;
  restored: RestoredNotice;
}

type Listener<T> = (event: T) => void;

/**
 * A typed listener registry. Not node's EventEmitter: an event named 'error' must not throw when nobody
 * listens, and a listener that throws must not break the log.
 */
export class OutboxEventHub {
  private readonly listeners: { [K in keyof OutboxEvents]: Array<Listener<OutboxEvents[K]>> } = { dropped: [], corrupt: [], degraded: [], restored: [] };

  constructor(private readonly onListenerError: (event: string, error: unknown) => void) {}

  on<K extends keyof OutboxEvents>(event: K, listener: Listener<OutboxEvents[K]>): () => void {
    const list = this.listeners[event] as Array<Listener<OutboxEvents[K]>>;
    list.push(listener);
    return () => {
      const index = list.indexOf(listener);
      if (index >= 0) list.splice(index, 1);
    };
  }

  emit<K extends keyof OutboxEvents>(event: K, payload: OutboxEvents[K]): void {
    for (const listener of [...(this.listeners[event] as Array<Listener<OutboxEvents[K]>>)]) {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(event, error);
      }
    }
  }
}

/** One notice per boot for records dropped together (in append order). */
export function droppedNotices(reason: DropReason, records: ReadonlyArray<{ boot: number; seq: number }>): DroppedNotice[] {
  const byBoot = new Map<number, DroppedNotice>();
  for (const { boot, seq } of records) {
    const notice = byBoot.get(boot);
    if (notice === undefined) {
      byBoot.set(boot, { reason, boot, fromSeq: seq, toSeq: seq, count: 1 });
      continue;
    }
    notice.fromSeq = Math.min(notice.fromSeq, seq);
    notice.toSeq = Math.max(notice.toSeq, seq);
    notice.count++;
  }
  return [...byBoot.values()];
}
