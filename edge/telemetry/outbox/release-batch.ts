import { encodeRelease, type ReleaseReason } from './record-codec.js';

export interface ReleaseRange {
  reason: ReleaseReason;
  boot: number;
  fromSeq: number;
  toSeq: number;
}

/**
 * Acknowledgements (and expiries) waiting to be written to the log. Consecutive numbers of one boot
 * collapse into one range, so a steady stream of acks costs one 32-byte record per flush, not one per
 * message.
 */
export class ReleaseBatch {
  private ranges: ReleaseRange[] = [];

  get size(): number {
    return this.ranges.length;
  }

  add(reason: ReleaseReason, boot: number, seq: number): void {
    const last = this.ranges[this.ranges.length - 1];
    if (last !== undefined && last.reason === reason && last.boot === boot && last.toSeq + 1 === seq) {
      last.toSeq = seq;
      return;
    }
    // Acks of a window of in-flight messages may arrive slightly out of order; merge into any open range.
    for (const range of this.ranges) {
      if (range.reason !== reason || range.boot !== boot) continue;
      if (seq >= range.fromSeq && seq <= range.toSeq) return;
      if (range.fromSeq - 1 === seq) {
        range.fromSeq = seq;
        return;
      }
    }
    this.ranges.push({ reason, boot, fromSeq: seq, toSeq: seq });
  }

  /** Empties the batch: the ranges and their encoded release records. */
  take(): { ranges: ReleaseRange[]; frames: Buffer } {
    const ranges = this.ranges;
    this.ranges = [];
    return { ranges, frames: Buffer.concat(ranges.map((range) => encodeRelease(range))) };
  }

  /** Puts taken ranges back in front after a write that failed, so they are written next time. */
  putBack(ranges: ReleaseRange[]): void {
    this.ranges = [...ranges, ...this.ranges];
  }
}
