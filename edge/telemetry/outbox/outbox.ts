import { join } from 'node:path';
import type { Clock, TimerHandle } from '../../hal/clock.js';
import type { Logger } from '../../log.js';
import { GroupCommit, type FsyncPolicy } from './group-commit.js';
import { OutboxEventHub, droppedNotices, type DropReason, type OutboxEvents } from './outbox-events.js';
import { nodeOutboxFs, type OutboxFile, type OutboxFs } from './outbox-fs.js';
import { OutboxIndex, type IndexEntry } from './outbox-index.js';
import { decodeFrame, encodeData, type ReleaseReason } from './record-codec.js';
import { ReleaseBatch } from './release-batch.js';
import { scanSegment } from './segment-scan.js';

export interface OutboxOptions {
  /** The folder of the segment files; created if missing. */
  dir: string;
  /** A segment is closed and a new one started when the next record would take it past this size. */
  segmentBytes: number;
  /** Bound of the log on disk; when an append would pass it, the oldest segment is dropped whole. */
  maxBytes: number;
  /** Records older than this (by their timestamp) are dropped as expired. */
  maxAgeMs: number;
  fsync: FsyncPolicy;
  /** Bound of the in-memory buffer used while the disk refuses writes (ENOSPC, EROFS). */
  memoryMaxBytes: number;
  clock: Clock;
  log: Logger;
  fs?: OutboxFs;
  /** Period of expiry and, while degraded, of retrying the disk. Default maxAge/10, within 1 s..60 s. */
  maintenanceMs?: number;
  /** Acknowledgements are written at most this long after they arrive (or with the next append). */
  releaseFlushMs?: number;
}

export interface AppendRecord {
  boot: number;
  seq: number;
  /** The MQTT topic (or kind) to publish the payload on. */
  topic: string;
  payload: Uint8Array;
  /** Wall-clock ms; default clock.now(). Age bounds use it. */
  ts?: number;
}

/** Where an appended record is kept once append resolves. */
export type Durability = 'disk' | 'memory';

export interface OutboxRecord {
  boot: number;
  seq: number;
  ts: number;
  topic: string;
  payload: Buffer;
  acked: boolean;
}

export interface RecoveryReport {
  segments: number;
  /** Data records found (pending or already acknowledged, still in the log). */
  records: number;
  pending: number;
  /** Damaged stretches skipped (torn tail, flipped bytes, unreadable segment). */
  corrupt: number;
  damagedBytes: number;
  /** Bytes of a torn tail cut off the newest segment. */
  truncatedBytes: number;
}

export interface OutboxStats {
  mode: Durability;
  diskBytes: number;
  memoryBytes: number;
  segments: number;
  /** Records held (pending, or acknowledged and still in a segment, so range() can replay them). */
  records: number;
  pending: number;
  oldestPendingAgeMs: number | null;
  /** Records dropped since open (full, expired, memory bound, corrupt). */
  dropped: number;
  /** Damaged stretches found since open. */
  corrupt: number;
}

interface Segment {
  readonly id: number;
  readonly path: string;
  bytes: number;
  /** Pending data records in this segment; at 0 (and at the head) the segment can be deleted. */
  live: number;
  writer: OutboxFile | null;
  reader: OutboxFile | null;
}

/** Bytes read at once when a replay reads records back. */
const READ_AHEAD_BYTES = 256 * 1024;
const SEGMENT_NAME = /^(\d{12})\.seg$/;
const segmentFileName = (id: number): string => `${String(id).padStart(12, '0')}.seg`;

/**
 * The durable store-and-forward outbox: an append-only log in segment files, each record checksummed.
 *
 * Acknowledgements are persisted as small release records appended to the same log, not as a separate
 * ack file. An ack file would be rewritten in place on every ack (or grow without end), hammering the
 * same flash pages; release records ride the append stream the card is already writing, coalesce into
 * one range per flush, and vanish when their segment is deleted. They are written without an fsync of
 * their own (with the next append, or after releaseFlushMs): an ack lost to a power cut only means the
 * record is sent again, and receivers de-duplicate by sequence number. The price of keeping acks in the
 * log is that segments are deleted strictly oldest first (a later segment may hold the acks of an
 * earlier one's records), so one unacknowledged record pins the segments behind it until it is
 * acknowledged, expires or is pushed out by maxBytes.
 */
export class Outbox {
  private readonly fs: OutboxFs;
  private readonly hub: OutboxEventHub;
  private readonly index = new OutboxIndex();
  private readonly releases = new ReleaseBatch();
  private readonly segments: Segment[] = [];
  private readonly segmentsById = new Map<number, Segment>();
  private active: Segment | null = null;
  private nextSegmentId = 1;
  private diskBytes = 0;
  private mode: Durability = 'disk';
  /** Records held only in memory, oldest first (a Set keeps insertion order). */
  private readonly memoryHeld = new Set<IndexEntry>();
  private memoryBytes = 0;
  /** Written since the last successful fsync: their payloads stay in memory until it succeeds. */
  private unsynced: IndexEntry[] = [];
  private io: Promise<unknown> = Promise.resolve();
  private lifecycle: 'new' | 'opening' | 'open' | 'closing' | 'closed' = 'new';
  /** False when the folder could not even be listed at open: the log then stays in memory this boot. */
  private recovered = false;
  private droppedTotal = 0;
  private corruptTotal = 0;
  private readonly groupCommit: GroupCommit | null;
  /** The stretch of a segment read last, for the records that follow in a replay. */
  private readAhead: { segment: number; start: number; bytes: Buffer } | null = null;
  private maintenanceTimer: TimerHandle | undefined;
  private releaseTimer: TimerHandle | undefined;

  constructor(private readonly options: OutboxOptions) {
    validateOptions(options);
    this.fs = options.fs ?? nodeOutboxFs;
    this.hub = new OutboxEventHub((event, error) => options.log.error(`outbox ${event} listener failed`, { error: error as Error }));
    const { fsync } = options;
    this.groupCommit = fsync === 'always' ? null : new GroupCommit(options.clock, fsync.batchMs, () => this.inBackground('fsync', () => this.syncActive()));
  }

  on<K extends keyof OutboxEvents>(event: K, listener: (notice: OutboxEvents[K]) => void): () => void {
    return this.hub.on(event, listener);
  }

  /** Reads the log back (skipping damaged records, never failing on them) and starts maintenance. */
  async open(): Promise<RecoveryReport> {
    if (this.lifecycle !== 'new') throw new Error(`outbox ${this.options.dir}: open() may be called once`);
    this.lifecycle = 'opening';
    const report = await this.serial(() => this.recover());
    const { maxAgeMs } = this.options;
    const maintenanceMs = this.options.maintenanceMs ?? Math.min(60_000, Math.max(1000, maxAgeMs / 10));
    this.maintenanceTimer = this.options.clock.setRepeating(() => this.maintain(), maintenanceMs);
    this.lifecycle = 'open';
    this.expire();
    await this.serial(() => this.collectReleased());
    report.pending = this.index.pending;
    return report;
  }

  /**
   * Appends a record; resolves when it is durable under the fsync policy ('disk'), or held in memory
   * because the disk refused it ('memory', announced by a `degraded` event). Rejects only on bad input
   * or when the outbox is not open.
   */
  async append(record: AppendRecord): Promise<Durability> {
    if (this.lifecycle !== 'open') throw new Error(`outbox ${this.options.dir} is ${this.lifecycle === 'new' || this.lifecycle === 'opening' ? 'not open yet' : 'closed'}`);
    if (this.index.get(record.boot, record.seq) !== undefined) {
      throw new RangeError(`outbox already holds boot ${record.boot} seq ${record.seq}: sequence numbers must not repeat within a boot`);
    }
    // A copy: publishers hand out views of a reused encoder buffer.
    const payload = Buffer.from(record.payload);
    const ts = Math.round(record.ts ?? this.options.clock.now());
    const frame = encodeData({ boot: record.boot, seq: record.seq, ts, topic: record.topic, payload });
    const entry = this.index.add({ boot: record.boot, seq: record.seq, ts, topic: record.topic, segment: null, offset: 0, frameBytes: frame.length, payload });
    const written = await this.serial(() => this.writeData(entry, frame));
    if (!written) return 'memory';
    if (this.groupCommit === null) await this.serial(() => this.syncActive());
    else await this.groupCommit.wait();
    return entry.segment === null ? 'memory' : 'disk';
  }

  /** The broker acknowledged boot/seq: it is no longer pending. False when it was not pending. */
  markAcked(boot: number, seq: number): boolean {
    const entry = this.index.get(boot, seq);
    if (entry === undefined || !this.settle(entry, 'acked')) return false;
    this.releases.add('acked', boot, seq);
    this.scheduleReleaseFlush();
    return true;
  }

  /** The pending records, oldest first; records acknowledged or dropped meanwhile are skipped. */
  async *pending(): AsyncGenerator<OutboxRecord> {
    let from = 0;
    for (;;) {
      const entry = this.index.next(from, (candidate) => candidate.state === 'pending');
      if (entry === undefined) return;
      from = entry.ordinal + 1;
      const record = await this.load(entry);
      if (record !== null && entry.state === 'pending') yield record;
    }
  }

  /** Records of one boot with fromSeq <= seq <= toSeq that the log still holds, acknowledged or not. */
  async *range(boot: number, fromSeq: number, toSeq: number): AsyncGenerator<OutboxRecord> {
    for (const entry of this.index.inRange(boot, fromSeq, toSeq)) {
      if (entry.state !== 'pending' && entry.state !== 'acked') continue;
      const record = await this.load(entry);
      if (record !== null) yield record;
    }
  }

  stats(): OutboxStats {
    const oldest = this.index.next(0, (entry) => entry.state === 'pending');
    return {
      mode: this.mode,
      diskBytes: this.diskBytes,
      memoryBytes: this.memoryBytes,
      segments: this.segments.length,
      records: this.index.size,
      pending: this.index.pending,
      oldestPendingAgeMs: oldest === undefined ? null : Math.max(0, this.options.clock.now() - oldest.ts),
      dropped: this.droppedTotal,
      corrupt: this.corruptTotal,
    };
  }

  /** Commits what is written, writes outstanding acks with an fsync, and closes the files. */
  async close(): Promise<void> {
    if (this.lifecycle !== 'open') return;
    this.lifecycle = 'closing';
    this.options.clock.clearTimer(this.maintenanceTimer);
    this.options.clock.clearTimer(this.releaseTimer);
    this.releaseTimer = undefined;
    await this.groupCommit?.flush();
    await this.serial(async () => {
      // One last try to put a memory buffer on disk; what stays only in memory ends with the process.
      await this.restore();
      if (this.memoryHeld.size > 0) {
        for (const notice of droppedNotices('memory-full', [...this.memoryHeld])) {
          this.options.log.warn('outbox: closing with records held only in memory; they are lost', { ...notice, reason: 'closed while degraded' });
        }
      }
      await this.writeReleases();
      await this.syncActive();
      for (const segment of this.segments) await this.closeFiles(segment);
    });
    this.active = null;
    this.lifecycle = 'closed';
  }

  /** Runs file operations one at a time, in call order: appends, fsyncs, deletions and reads never interleave. */
  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.io.then(operation, operation);
    this.io = run.catch(() => undefined);
    return run;
  }

  /** A serial operation started by a timer: nobody awaits it, so a failure is logged, never left unhandled. */
  private inBackground(what: string, operation: () => Promise<void>): Promise<void> {
    return this.serial(operation).catch((error: unknown) => this.options.log.error(`outbox: ${what} failed`, { error: error as Error }));
  }

  private async recover(): Promise<RecoveryReport> {
    const report: RecoveryReport = { segments: 0, records: 0, pending: 0, corrupt: 0, damagedBytes: 0, truncatedBytes: 0 };
    const { dir, log } = this.options;
    let ids: number[];
    try {
      await this.fs.mkdirp(dir);
      ids = (await this.fs.readdir(dir))
        .map((name) => SEGMENT_NAME.exec(name)?.[1])
        .filter((digits): digits is string => digits !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
    } catch (error) {
      await this.degrade(error);
      return report;
    }
    this.recovered = true;
    this.nextSegmentId = (ids[ids.length - 1] ?? 0) + 1;
    for (const [position, id] of ids.entries()) {
      const name = segmentFileName(id);
      const path = join(dir, name);
      let bytes: Buffer;
      try {
        bytes = await this.fs.readFile(path);
      } catch (error) {
        // Its records are lost to this boot; the file stays for a later look rather than being deleted.
        this.reportCorrupt(report, { segment: name, offset: 0, bytes: 0, reason: `unreadable: ${errorCode(error)}`, atTail: false });
        continue;
      }
      if (bytes.length === 0) {
        // Created just before a power cut: nothing to keep.
        await this.fs.unlink(path).catch(() => undefined);
        continue;
      }
      const scan = scanSegment(bytes);
      let size = bytes.length;
      for (const damaged of scan.damage) this.reportCorrupt(report, { segment: name, ...damaged });
      const tail = scan.damage[scan.damage.length - 1];
      if (position === ids.length - 1 && tail?.atTail) {
        try {
          await this.fs.truncate(path, scan.validEnd);
          size = scan.validEnd;
          report.truncatedBytes += tail.bytes;
        } catch (error) {
          log.warn('cannot cut the torn tail off the newest outbox segment; it will be reported again', { segment: name, error: error as Error });
        }
      }
      const segment: Segment = { id, path, bytes: size, live: 0, writer: null, reader: null };
      this.addSegment(segment);
      for (const { record, offset, frameBytes } of scan.records) {
        if (record.type === 'data') {
          // A record rewritten after a failed fsync may exist twice; the first copy wins.
          if (this.index.get(record.boot, record.seq) !== undefined) continue;
          this.index.add({ boot: record.boot, seq: record.seq, ts: record.ts, topic: record.topic, segment: id, offset, frameBytes, payload: null });
          segment.live++;
          report.records++;
        } else {
          for (const entry of this.index.inRange(record.boot, record.fromSeq, record.toSeq)) this.settle(entry, record.reason);
        }
      }
    }
    report.segments = this.segments.length;
    report.pending = this.index.pending;
    if (report.corrupt > 0) log.warn('outbox recovered with damaged records skipped', { ...report });
    return report;
  }

  private reportCorrupt(report: RecoveryReport, notice: OutboxEvents['corrupt']): void {
    report.corrupt++;
    report.damagedBytes += notice.bytes;
    this.corruptTotal++;
    this.options.log.warn('outbox: damaged record skipped', { ...notice });
    this.hub.emit('corrupt', notice);
  }

  /** Writes one data record (and any waiting acks); false when it went to memory instead. */
  private async writeData(entry: IndexEntry, frame: Buffer): Promise<boolean> {
    if (this.mode === 'memory') {
      this.keepInMemory(entry);
      return false;
    }
    try {
      await this.makeRoom(frame.length);
      const segment = await this.activeSegment(frame.length);
      // Waiting acks go after the record: one of them may be this record's own (acked before it was written).
      const { ranges, frames: releaseFrames } = this.releases.take();
      const bytes = releaseFrames.length === 0 ? frame : Buffer.concat([frame, releaseFrames]);
      try {
        await segment.writer!.write(bytes, segment.bytes);
      } catch (error) {
        this.releases.putBack(ranges);
        throw error;
      }
      entry.segment = segment.id;
      entry.offset = segment.bytes;
      segment.bytes += bytes.length;
      this.diskBytes += bytes.length;
      if (entry.state === 'pending') segment.live++;
      this.unsynced.push(entry);
      return true;
    } catch (error) {
      await this.degrade(error);
      this.keepInMemory(entry);
      return false;
    }
  }

  /** fsync of the segment being written; on failure the records written since the last fsync move to memory. */
  private async syncActive(): Promise<void> {
    const segment = this.active;
    if (this.mode === 'memory' || segment === null || segment.writer === null) return;
    try {
      await segment.writer.sync();
    } catch (error) {
      await this.degrade(error);
      return;
    }
    for (const entry of this.unsynced) if (entry.segment !== null) entry.payload = null;
    this.unsynced = [];
  }

  /** Drops the oldest segments (their pending records reported) until `incoming` more bytes fit in maxBytes. */
  private async makeRoom(incoming: number): Promise<void> {
    while (this.diskBytes + incoming > this.options.maxBytes) {
      const head = this.segments[0];
      if (head === undefined || head === this.active) return;
      await this.deleteSegment(head, 'full');
    }
  }

  private async activeSegment(incoming: number): Promise<Segment> {
    const current = this.active;
    if (current !== null && current.bytes > 0 && current.bytes + incoming > this.options.segmentBytes) {
      // Synced before closing: the policy's promise covers records that landed in this segment.
      await current.writer!.sync();
      await current.writer!.close();
      current.writer = null;
      this.active = null;
    }
    if (this.active === null) {
      const id = this.nextSegmentId++;
      const path = join(this.options.dir, segmentFileName(id));
      const writer = await this.fs.create(path);
      try {
        await this.fs.syncDir(this.options.dir);
      } catch (error) {
        await writer.close().catch(() => undefined);
        throw error;
      }
      const segment: Segment = { id, path, bytes: 0, live: 0, writer, reader: null };
      this.addSegment(segment);
      this.active = segment;
    }
    return this.active;
  }

  private addSegment(segment: Segment): void {
    this.segments.push(segment);
    this.segmentsById.set(segment.id, segment);
    this.diskBytes += segment.bytes;
  }

  /**
   * Deletes the oldest segment. With a reason its pending records are dropped and reported; without one
   * it must hold no pending record.
   */
  private async deleteSegment(segment: Segment, reason: DropReason | null): Promise<void> {
    await this.closeFiles(segment);
    await this.fs.unlink(segment.path);
    if (this.readAhead?.segment === segment.id) this.readAhead = null;
    const lost = reason === null ? [] : this.index.inSegment(segment.id).filter((entry) => entry.state === 'pending');
    for (const entry of lost) this.settle(entry, 'dropped');
    this.segments.shift();
    this.segmentsById.delete(segment.id);
    this.diskBytes -= segment.bytes;
    this.index.removeSegment(segment.id);
    if (reason !== null) this.reportDropped(reason, lost);
  }

  /** Deletes segments from the oldest on while every record in them is acknowledged or expired. */
  private async collectReleased(): Promise<void> {
    for (;;) {
      const head = this.segments[0];
      if (head === undefined || head === this.active || head.live > 0) return;
      try {
        await this.deleteSegment(head, null);
      } catch (error) {
        this.options.log.warn('cannot delete an acknowledged outbox segment; retrying later', { segment: head.path, error: error as Error });
        return;
      }
    }
  }

  private async closeFiles(segment: Segment): Promise<void> {
    const files = [segment.writer, segment.reader];
    segment.writer = null;
    segment.reader = null;
    for (const file of files) await file?.close().catch(() => undefined);
  }

  private settle(entry: IndexEntry, state: ReleaseReason | 'dropped'): boolean {
    if (!this.index.settle(entry, state)) return false;
    if (this.memoryHeld.delete(entry)) {
      // Nothing of it is on disk, so nothing is left to replay: forget it.
      this.memoryBytes -= entry.frameBytes;
      this.index.remove(entry);
    } else if (entry.segment !== null) this.segmentsById.get(entry.segment)!.live--;
    entry.payload = null;
    return true;
  }

  private keepInMemory(entry: IndexEntry): void {
    if (entry.state !== 'pending' || this.memoryHeld.has(entry)) return;
    this.memoryHeld.add(entry);
    this.memoryBytes += entry.frameBytes;
    const lost: IndexEntry[] = [];
    for (const oldest of this.memoryHeld) {
      if (this.memoryBytes <= this.options.memoryMaxBytes) break;
      this.settle(oldest, 'dropped');
      lost.push(oldest);
    }
    this.reportDropped('memory-full', lost);
  }

  /** The disk refused an operation: keep going in memory, say so once. */
  private async degrade(error: unknown): Promise<void> {
    // Only what the filesystem reports (an errno code) is the disk's fault; anything else is a bug.
    if (!isSystemError(error)) throw error;
    if (this.mode === 'memory') return;
    this.mode = 'memory';
    const code = errorCode(error);
    const message = error instanceof Error ? error.message : String(error);
    // Records written since the last good fsync may not be on disk: keep them in memory too.
    for (const entry of this.unsynced) {
      if (entry.state !== 'pending' || entry.segment === null) continue;
      this.segmentsById.get(entry.segment)!.live--;
      entry.segment = null;
      this.keepInMemory(entry);
    }
    this.unsynced = [];
    const segment = this.active;
    this.active = null;
    if (segment !== null) await this.closeFiles(segment);
    this.options.log.warn('outbox: the disk refuses writes; holding records in memory (bounded) until it works again', { code, message, memoryMaxBytes: this.options.memoryMaxBytes });
    this.hub.emit('degraded', { code, message });
  }

  /** While degraded: tries to write the memory buffer to a fresh segment; back to disk if that works. */
  private async restore(): Promise<void> {
    if (this.mode !== 'memory' || !this.recovered) return;
    const entries = [...this.memoryHeld];
    const frames = entries.map((entry) => encodeData({ ...entry, payload: entry.payload! }));
    const total = frames.reduce((sum, frame) => sum + frame.length, 0);
    const { ranges, frames: releaseFrames } = this.releases.take();
    let created: Segment | null = null;
    try {
      await this.makeRoom(total + releaseFrames.length);
      const id = this.nextSegmentId++;
      const path = join(this.options.dir, segmentFileName(id));
      const writer = await this.fs.create(path);
      created = { id, path, bytes: 0, live: 0, writer, reader: null };
      await this.fs.syncDir(this.options.dir);
      await writer.write(Buffer.concat([...frames, releaseFrames]), 0);
      await writer.sync();
    } catch (error) {
      this.releases.putBack(ranges);
      if (created !== null) {
        await this.closeFiles(created);
        await this.fs.unlink(created.path).catch(() => undefined);
      }
      this.options.log.debug('outbox: disk still refuses writes', { code: errorCode(error) });
      return;
    }
    let offset = 0;
    entries.forEach((entry, i) => {
      this.memoryHeld.delete(entry);
      this.memoryBytes -= entry.frameBytes;
      entry.segment = created!.id;
      entry.offset = offset;
      entry.payload = null;
      offset += frames[i]!.length;
      created!.live++;
    });
    created.bytes = offset + releaseFrames.length;
    this.addSegment(created);
    this.active = created;
    this.mode = 'disk';
    this.options.log.info('outbox: the disk accepts writes again; memory buffer written back', { records: entries.length });
    this.hub.emit('restored', { records: entries.length });
  }

  private maintain(): void {
    if (this.lifecycle !== 'open') return;
    this.expire();
    if (this.mode === 'memory') void this.inBackground('restore', () => this.restore());
  }

  /** Drops pending records older than maxAge (oldest first, stopping at the first younger one). */
  private expire(): void {
    const cutoff = this.options.clock.now() - this.options.maxAgeMs;
    const expired: IndexEntry[] = [];
    for (let entry = this.index.next(0, isPending); entry !== undefined && entry.ts < cutoff; entry = this.index.next(entry.ordinal + 1, isPending)) {
      this.settle(entry, 'expired');
      this.releases.add('expired', entry.boot, entry.seq);
      expired.push(entry);
    }
    if (expired.length === 0) return;
    this.reportDropped('expired', expired);
    this.scheduleReleaseFlush();
  }

  private scheduleReleaseFlush(): void {
    if (this.releaseTimer !== undefined || this.lifecycle !== 'open') return;
    this.releaseTimer = this.options.clock.setTimer(() => {
      this.releaseTimer = undefined;
      void this.inBackground('writing acknowledgements', async () => {
        await this.writeReleases();
        await this.collectReleased();
      });
    }, this.options.releaseFlushMs ?? 1000);
  }

  /** Writes waiting acks and expiries to the active segment, without an fsync of their own. */
  private async writeReleases(): Promise<void> {
    if (this.mode === 'memory' || this.releases.size === 0) return;
    const { ranges, frames } = this.releases.take();
    try {
      await this.makeRoom(frames.length);
      const segment = await this.activeSegment(frames.length);
      await segment.writer!.write(frames, segment.bytes);
      segment.bytes += frames.length;
      this.diskBytes += frames.length;
    } catch (error) {
      this.releases.putBack(ranges);
      await this.degrade(error);
    }
  }

  private async load(entry: IndexEntry): Promise<OutboxRecord | null> {
    const held = entry.payload;
    if (held !== null) return toRecord(entry, held);
    const cached = this.fromReadAhead(entry);
    if (cached !== null) return this.decodeLoaded(entry, cached);
    return this.serial(async () => {
      const segment = entry.segment === null ? undefined : this.segmentsById.get(entry.segment);
      if (segment === undefined || entry.payload !== null) return entry.payload === null ? null : toRecord(entry, entry.payload);
      try {
        const file = segment.writer ?? (segment.reader ??= await this.fs.openForReading(segment.path));
        // Replay reads records in order: one read of the next stretch serves the records after this one too.
        const window = Buffer.allocUnsafe(Math.max(entry.frameBytes, Math.min(READ_AHEAD_BYTES, segment.bytes - entry.offset)));
        const read = await file.read(window, entry.offset);
        this.readAhead = { segment: segment.id, start: entry.offset, bytes: window.subarray(0, read) };
        return this.decodeLoaded(entry, this.fromReadAhead(entry) ?? window.subarray(0, read));
      } catch (error) {
        return this.dropDamaged(entry, `unreadable: ${errorCode(error)}`);
      }
    });
  }

  private fromReadAhead(entry: IndexEntry): Buffer | null {
    const cache = this.readAhead;
    if (cache === null || cache.segment !== entry.segment || entry.offset < cache.start) return null;
    const from = entry.offset - cache.start;
    return from + entry.frameBytes <= cache.bytes.length ? cache.bytes.subarray(from, from + entry.frameBytes) : null;
  }

  private decodeLoaded(entry: IndexEntry, bytes: Buffer): OutboxRecord | null {
    const decoded = decodeFrame(bytes, 0);
    if (decoded.kind === 'record' && decoded.record.type === 'data' && decoded.record.boot === entry.boot && decoded.record.seq === entry.seq) {
      // A copy, so a caller holding one payload does not pin the whole read-ahead window.
      return toRecord(entry, Buffer.from(decoded.record.payload));
    }
    return this.dropDamaged(entry, decoded.kind === 'corrupt' ? decoded.reason : decoded.kind === 'short' ? 'cut short' : 'a different record');
  }

  /** Damaged since it was written (bit rot): reported as lost rather than sent as garbage or stalling the replay. */
  private dropDamaged(entry: IndexEntry, problem: string): null {
    this.options.log.warn('outbox: record damaged on disk, dropped', { boot: entry.boot, seq: entry.seq, segment: entry.segment, problem });
    this.corruptTotal++;
    if (this.settle(entry, 'dropped')) this.reportDropped('corrupt', [entry]);
    return null;
  }

  private reportDropped(reason: DropReason, entries: readonly IndexEntry[]): void {
    if (entries.length === 0) return;
    this.droppedTotal += entries.length;
    for (const notice of droppedNotices(reason, entries)) {
      this.options.log.warn('outbox: records dropped', { ...notice });
      this.hub.emit('dropped', notice);
    }
  }
}

const isPending = (entry: IndexEntry): boolean => entry.state === 'pending';

function toRecord(entry: IndexEntry, payload: Buffer): OutboxRecord {
  return { boot: entry.boot, seq: entry.seq, ts: entry.ts, topic: entry.topic, payload, acked: entry.state === 'acked' };
}

function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'EIO';
}

function validateOptions(options: OutboxOptions): void {
  const integerAtLeast = (value: number, field: string, minimum: number, why = '') => {
    if (!Number.isSafeInteger(value) || value < minimum) throw new RangeError(`outbox.${field} must be an integer >= ${minimum}${why}, got ${value}`);
  };
  integerAtLeast(options.segmentBytes, 'segmentBytes', 4096);
  integerAtLeast(options.maxBytes, 'maxBytes', 2 * options.segmentBytes, ' (twice segmentBytes, so the oldest segment can be dropped while another is written)');
  integerAtLeast(options.memoryMaxBytes, 'memoryMaxBytes', 1024);
  if (!(options.maxAgeMs > 0)) throw new RangeError(`outbox.maxAgeMs must be > 0, got ${options.maxAgeMs}`);
  if (options.fsync !== 'always' && !(Number.isFinite(options.fsync.batchMs) && options.fsync.batchMs > 0)) {
    throw new RangeError(`outbox.fsync.batchMs must be > 0, got ${options.fsync.batchMs} (or use fsync: 'always')`);
  }
}
