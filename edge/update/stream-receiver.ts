/**
 * The node's end of a release bundle streamed over MQTT (the `update` command's `stream`): chunks are
 * written at their offset into a temporary file in the update folder, in any order, duplicates ignored;
 * once all are there the file's size and SHA-256 must match the signed descriptor before the bytes go
 * on to the same verification and install as a downloaded bundle (install-release.ts).
 *
 * Chunks carry no signature, so only a transfer announced by a signed update command that is still
 * running takes any; every other chunk is refused and reported. When no new chunk arrives for the
 * configured time the transfer stops with the missing chunks named, and the received ones are kept:
 * the same stream in a new update command resumes it, and only the missing chunks need sending again.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { UpdateStream } from '../../protocol/commands.js';
import type { Clock, TimerHandle } from '../hal/clock.js';

/** Why a stream could not deliver the bundle; the message is what the update command answers. */
export class StreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamError';
  }
}

/** Inclusive [first, last] chunk index ranges. */
export type ChunkRanges = Array<[number, number]>;

export interface StreamOpened {
  transferId: string;
  chunks: number;
  /** What the central side has to publish: everything for a new transfer, the gaps for a resumed one. */
  missing: ChunkRanges;
  missingCount: number;
  resumed: boolean;
}

export interface ChunkRefusal {
  transferId: string;
  index: number;
  bytes: number;
  reason: string;
  /** Refusals folded into this report since the previous one (reports are at most one a second). */
  alsoRefused: number;
}

export interface StreamReceiverOptions {
  /** Where the partial bundle is written (state.dir/releases/incoming); emptied when a new transfer starts. */
  dir: string;
  /** update.maxBundleMiB in bytes. */
  maxBytes: number;
  /** update.streamChunkTimeoutS in ms. */
  chunkTimeoutMs: number;
  clock: Clock;
  /** The transfer takes chunks from now on (published as update.stream-open). */
  opened: (opened: StreamOpened) => void;
  /** A chunk that was not taken (published as update.chunk-refused). */
  refused: (refusal: ChunkRefusal) => void;
}

const MISSING = 0;
const WRITING = 1;
const WRITTEN = 2;
const REFUSAL_REPORT_INTERVAL_MS = 1000;
/** An update.stream-open event lists at most this many ranges; the rest are asked for in a later round. */
const MAX_ANNOUNCED_RANGES = 1000;

interface Transfer {
  stream: UpdateStream;
  path: string;
  file: FileHandle;
  /** Per chunk: MISSING, WRITING or WRITTEN. */
  chunkState: Uint8Array;
  written: number;
  timer: TimerHandle | undefined;
  resolve: (bundle: Buffer) => void;
  reject: (error: StreamError) => void;
}

export class UpdateStreamReceiver {
  private active: Transfer | null = null;
  /** Stopped with chunks missing, kept so that a resend only needs those. */
  private suspended: Omit<Transfer, 'file' | 'timer' | 'resolve' | 'reject'> | null = null;
  private lastRefusalReport = -Infinity;
  private unreportedRefusals = 0;

  constructor(private readonly options: StreamReceiverOptions) {}

  /** Takes the chunks of `stream` until all are there (resolves with the bundle's bytes) or it fails. */
  async receive(stream: UpdateStream): Promise<Buffer> {
    const { options } = this;
    if (this.active) throw new StreamError(`transfer ${this.active.stream.transferId} is still being received`);
    if (stream.size > options.maxBytes) throw new StreamError(`stream.size: ${stream.size} bytes is more than update.maxBundleMiB allows (${options.maxBytes} bytes)`);
    const expectedChunks = Math.ceil(stream.size / stream.chunkSize);
    if (stream.chunks !== expectedChunks) {
      throw new StreamError(`stream.chunks: ${stream.chunks} does not fit ${stream.size} bytes in chunks of ${stream.chunkSize} (that makes ${expectedChunks})`);
    }
    const kept = this.suspended;
    this.suspended = null;
    const resumed = kept !== null && sameStream(kept.stream, stream);
    let transfer: Omit<Transfer, 'file' | 'timer' | 'resolve' | 'reject'>;
    let file: FileHandle;
    if (resumed) {
      transfer = kept;
      file = await open(kept.path, 'r+');
    } else {
      // Whatever an earlier transfer left (a stopped one, a power cut) goes: one partial bundle at most.
      await rm(options.dir, { recursive: true, force: true });
      await mkdir(options.dir, { recursive: true });
      const path = join(options.dir, `${stream.transferId}.part`);
      transfer = { stream, path, chunkState: new Uint8Array(stream.chunks), written: 0 };
      file = await open(path, 'w+');
    }
    return new Promise<Buffer>((resolve, reject) => {
      const active: Transfer = { ...transfer, file, timer: undefined, resolve, reject };
      this.active = active;
      this.armTimeout(active);
      const missing = missingRanges(active.chunkState);
      options.opened({ transferId: stream.transferId, chunks: stream.chunks, missing: missing.slice(0, MAX_ANNOUNCED_RANGES), missingCount: stream.chunks - active.written, resumed });
      if (active.written === stream.chunks) void this.finish(active);
    });
  }

  /** One chunk off the wire; never throws (a chunk comes from outside). */
  chunk(transferId: string, index: number, data: Uint8Array): void {
    const transfer = this.active;
    if (!transfer || transfer.stream.transferId !== transferId) {
      const reason = transfer
        ? `transfer ${transferId} is not the one in progress (${transfer.stream.transferId})`
        : this.suspended?.stream.transferId === transferId
          ? `transfer ${transferId} is not in progress: it stopped incomplete, a new signed update command with the same stream resumes it`
          : `no update command in progress announced transfer ${transferId}`;
      this.refuse({ transferId, index, bytes: data.length, reason });
      return;
    }
    const { stream, chunkState } = transfer;
    if (index >= stream.chunks) {
      this.refuse({ transferId, index, bytes: data.length, reason: `chunk ${index} is beyond the last one (${stream.chunks - 1})` });
      return;
    }
    const expectedBytes = index < stream.chunks - 1 ? stream.chunkSize : stream.size - (stream.chunks - 1) * stream.chunkSize;
    if (data.length !== expectedBytes) {
      this.refuse({ transferId, index, bytes: data.length, reason: `chunk ${index} is ${data.length} bytes, expected ${expectedBytes}` });
      return;
    }
    if (chunkState[index] !== MISSING) return; // a duplicate (a QoS 1 redelivery or a resend): already have it
    chunkState[index] = WRITING;
    transfer.file.write(data, 0, data.length, index * stream.chunkSize).then(
      () => {
        if (this.active !== transfer) return;
        chunkState[index] = WRITTEN;
        transfer.written++;
        this.armTimeout(transfer);
        if (transfer.written === stream.chunks) void this.finish(transfer);
      },
      (error: Error) => {
        if (this.active === transfer) void this.fail(transfer, new StreamError(`transfer ${transferId}: writing chunk ${index} failed: ${error.message}`));
      },
    );
  }

  /** The transfer in progress and how many of its chunks are written, or null. */
  progress(): { transferId: string; written: number; chunks: number } | null {
    const transfer = this.active;
    return transfer ? { transferId: transfer.stream.transferId, written: transfer.written, chunks: transfer.stream.chunks } : null;
  }

  private armTimeout(transfer: Transfer): void {
    const { clock, chunkTimeoutMs } = this.options;
    clock.clearTimer(transfer.timer);
    transfer.timer = clock.setTimer(() => void this.suspend(transfer), chunkTimeoutMs);
  }

  private async suspend(transfer: Transfer): Promise<void> {
    if (this.active !== transfer) return;
    this.active = null;
    const { stream, chunkState } = transfer;
    // A write still under way when the time ran out counts as missing: asking again is harmless.
    for (let index = 0; index < chunkState.length; index++) if (chunkState[index] === WRITING) chunkState[index] = MISSING;
    await transfer.file.close().catch(() => undefined);
    this.suspended = { stream, path: transfer.path, chunkState, written: transfer.written };
    const missing = missingRanges(chunkState);
    transfer.reject(
      new StreamError(
        `stream ${stream.transferId} incomplete: no new chunk for ${this.options.chunkTimeoutMs / 1000} s (update.streamChunkTimeoutS), ` +
          `missing chunks ${describeRanges(missing)} of 0-${stream.chunks - 1} (${stream.chunks - transfer.written} in all): ` +
          'send the update command again with the same stream and publish them',
      ),
    );
  }

  private async finish(transfer: Transfer): Promise<void> {
    const { stream } = transfer;
    this.options.clock.clearTimer(transfer.timer);
    this.active = null;
    let outcome: Buffer | StreamError;
    try {
      await transfer.file.close();
      const bundle = await readFile(transfer.path);
      const actual = createHash('sha256').update(bundle).digest('hex');
      if (bundle.length !== stream.size) outcome = new StreamError(`stream ${stream.transferId}: ${bundle.length} bytes received, the update command says ${stream.size}`);
      else if (actual !== stream.sha256) {
        outcome = new StreamError(`stream ${stream.transferId}: the bytes received hash to sha256 ${actual}, the update command says ${stream.sha256} (chunks altered on the way, or a wrong descriptor)`);
      } else outcome = bundle;
    } catch (error) {
      outcome = new StreamError(`stream ${stream.transferId}: ${(error as Error).message}`);
    }
    // Gone before the answer: the bytes go on in memory, as a download's do.
    await rm(transfer.path, { force: true });
    if (outcome instanceof StreamError) transfer.reject(outcome);
    else transfer.resolve(outcome);
  }

  private async fail(transfer: Transfer, error: StreamError): Promise<void> {
    this.options.clock.clearTimer(transfer.timer);
    this.active = null;
    await transfer.file.close().catch(() => undefined);
    await rm(transfer.path, { force: true });
    transfer.reject(error);
  }

  /** Reported at most once a second, so a flood of stray chunks cannot flood the event log. */
  private refuse(refusal: Omit<ChunkRefusal, 'alsoRefused'>): void {
    const now = this.options.clock.monotonic();
    if (now - this.lastRefusalReport < REFUSAL_REPORT_INTERVAL_MS) {
      this.unreportedRefusals++;
      return;
    }
    this.lastRefusalReport = now;
    const alsoRefused = this.unreportedRefusals;
    this.unreportedRefusals = 0;
    this.options.refused({ ...refusal, alsoRefused });
  }
}

function sameStream(a: UpdateStream, b: UpdateStream): boolean {
  return a.transferId === b.transferId && a.size === b.size && a.sha256 === b.sha256 && a.chunkSize === b.chunkSize && a.chunks === b.chunks;
}

/** The chunks not yet written, as inclusive ranges. */
export function missingRanges(chunkState: Uint8Array): ChunkRanges {
  const ranges: ChunkRanges = [];
  let start = -1;
  for (let index = 0; index <= chunkState.length; index++) {
    const missing = index < chunkState.length && chunkState[index] !== WRITTEN;
    if (missing && start < 0) start = index;
    else if (!missing && start >= 0) {
      ranges.push([start, index - 1]);
      start = -1;
    }
  }
  return ranges;
}

/** "3, 7-9, 12" (the first 20 ranges, then "…"). */
export function describeRanges(ranges: ChunkRanges): string {
  const shown = ranges.slice(0, 20).map(([first, last]) => (first === last ? `${first}` : `${first}-${last}`));
  return ranges.length > 20 ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** Every index in the ranges, in order. */
export function expandRanges(ranges: ChunkRanges): number[] {
  const indexes: number[] = [];
  for (const [first, last] of ranges) for (let index = first; index <= last; index++) indexes.push(index);
  return indexes;
}
