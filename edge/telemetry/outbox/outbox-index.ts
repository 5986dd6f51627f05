/**
 * The in-memory index of the records the outbox holds, in append order: where each one lives (a segment
 * and offset, or its payload in memory while the disk refuses writes) and whether it is still pending.
 * Payloads of records on disk are not kept here, so the index stays small next to the log.
 */
export type EntryState = 'pending' | 'acked' | 'expired' | 'dropped';

export interface IndexEntry {
  readonly boot: number;
  readonly seq: number;
  readonly ts: number;
  readonly topic: string;
  /** Append order; never reused. */
  readonly ordinal: number;
  state: EntryState;
  /** The segment holding the record, or null while it is held only in memory. */
  segment: number | null;
  offset: number;
  frameBytes: number;
  /** Kept until the record is durable on disk (and while it lives only in memory). */
  payload: Buffer | null;
}

export type NewEntry = Omit<IndexEntry, 'ordinal' | 'state'>;

export class OutboxIndex {
  /** Sorted by ordinal (append order). */
  private entries: IndexEntry[] = [];
  private readonly byBoot = new Map<number, Map<number, IndexEntry>>();
  private readonly topics = new Map<string, string>();
  private nextOrdinal = 0;
  private pendingEntries = 0;

  get size(): number {
    return this.entries.length;
  }

  get pending(): number {
    return this.pendingEntries;
  }

  get(boot: number, seq: number): IndexEntry | undefined {
    return this.byBoot.get(boot)?.get(seq);
  }

  add(fields: NewEntry): IndexEntry {
    // Spelled out rather than spread: one object shape for every entry, and this runs per record at recovery.
    const entry: IndexEntry = {
      boot: fields.boot,
      seq: fields.seq,
      ts: fields.ts,
      topic: this.intern(fields.topic),
      ordinal: this.nextOrdinal++,
      state: 'pending',
      segment: fields.segment,
      offset: fields.offset,
      frameBytes: fields.frameBytes,
      payload: fields.payload,
    };
    this.entries.push(entry);
    let seqs = this.byBoot.get(entry.boot);
    if (seqs === undefined) this.byBoot.set(entry.boot, (seqs = new Map()));
    seqs.set(entry.seq, entry);
    this.pendingEntries++;
    return entry;
  }

  /** Moves a pending entry to a final state; false when it was not pending. */
  settle(entry: IndexEntry, state: Exclude<EntryState, 'pending'>): boolean {
    if (entry.state !== 'pending') return false;
    entry.state = state;
    this.pendingEntries--;
    return true;
  }

  /** The pending entries of boot with fromSeq <= seq <= toSeq, in append order. */
  pendingInRange(boot: number, fromSeq: number, toSeq: number): IndexEntry[] {
    return this.inRange(boot, fromSeq, toSeq).filter((entry) => entry.state === 'pending');
  }

  /** Entries of boot with fromSeq <= seq <= toSeq in any state, in append order. */
  inRange(boot: number, fromSeq: number, toSeq: number): IndexEntry[] {
    const seqs = this.byBoot.get(boot);
    if (seqs === undefined) return [];
    const found: IndexEntry[] = [];
    if (toSeq - fromSeq < seqs.size) {
      for (let seq = fromSeq; seq <= toSeq; seq++) {
        const entry = seqs.get(seq);
        if (entry !== undefined) found.push(entry);
      }
    } else {
      for (const entry of seqs.values()) if (entry.seq >= fromSeq && entry.seq <= toSeq) found.push(entry);
    }
    return found.sort((a, b) => a.ordinal - b.ordinal);
  }

  /** The first entry with ordinal >= from that satisfies accept. */
  next(from: number, accept: (entry: IndexEntry) => boolean): IndexEntry | undefined {
    for (let i = this.firstIndexAtOrAfter(from); i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (accept(entry)) return entry;
    }
    return undefined;
  }

  /** Entries of one segment. */
  inSegment(segment: number): IndexEntry[] {
    return this.entries.filter((entry) => entry.segment === segment);
  }

  /** Forgets the entries of a deleted segment. */
  removeSegment(segment: number): void {
    const kept: IndexEntry[] = [];
    for (const entry of this.entries) {
      if (entry.segment !== segment) {
        kept.push(entry);
        continue;
      }
      if (entry.state === 'pending') this.pendingEntries--;
      const seqs = this.byBoot.get(entry.boot);
      seqs?.delete(entry.seq);
      if (seqs?.size === 0) this.byBoot.delete(entry.boot);
    }
    this.entries = kept;
  }

  /** Forgets one entry (a record held only in memory that was acknowledged or dropped). */
  remove(entry: IndexEntry): void {
    const index = this.firstIndexAtOrAfter(entry.ordinal);
    if (this.entries[index] !== entry) return;
    this.entries.splice(index, 1);
    if (entry.state === 'pending') this.pendingEntries--;
    const seqs = this.byBoot.get(entry.boot);
    seqs?.delete(entry.seq);
    if (seqs?.size === 0) this.byBoot.delete(entry.boot);
  }

  /** A node publishes on a handful of topics: keep one copy of each string, not one per record. */
  private intern(topic: string): string {
    const known = this.topics.get(topic);
    if (known !== undefined) return known;
    this.topics.set(topic, topic);
    return topic;
  }

  private firstIndexAtOrAfter(ordinal: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.ordinal < ordinal) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
