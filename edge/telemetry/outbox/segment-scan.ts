import { decodeFrame, MAGIC, type LogRecord } from './record-codec.js';

export interface ScannedRecord {
  record: LogRecord;
  offset: number;
  frameBytes: number;
}

/** A stretch of a segment that holds no valid record: a torn write, flipped bits, garbage. */
export interface DamagedRegion {
  offset: number;
  bytes: number;
  reason: string;
  /** True when nothing valid follows it: the tail a power cut tore. */
  atTail: boolean;
}

export interface SegmentScan {
  records: ScannedRecord[];
  damage: DamagedRegion[];
  /** Where the last valid record ends; a torn tail starts here. */
  validEnd: number;
}

/**
 * Reads every valid record of one segment's bytes. A frame that fails (bad magic, impossible length,
 * CRC mismatch, malformed body, cut short) is skipped by searching forward for the next offset where a
 * whole frame checks out; the skipped bytes are reported as one damaged region. Never throws.
 */
export function scanSegment(bytes: Buffer): SegmentScan {
  const records: ScannedRecord[] = [];
  const damage: DamagedRegion[] = [];
  let offset = 0;
  let validEnd = 0;
  while (offset < bytes.length) {
    const result = decodeFrame(bytes, offset);
    if (result.kind === 'record') {
      records.push({ record: result.record, offset, frameBytes: result.frameBytes });
      offset += result.frameBytes;
      validEnd = offset;
      continue;
    }
    const reason = result.kind === 'short' ? 'cut short' : result.reason;
    const next = nextValidFrame(bytes, offset + 1);
    if (next === -1) {
      damage.push({ offset, bytes: bytes.length - offset, reason, atTail: true });
      break;
    }
    damage.push({ offset, bytes: next - offset, reason, atTail: false });
    offset = next;
  }
  return { records, damage, validEnd };
}

function nextValidFrame(bytes: Buffer, from: number): number {
  for (let at = bytes.indexOf(MAGIC, from); at !== -1; at = bytes.indexOf(MAGIC, at + 1)) {
    if (decodeFrame(bytes, at).kind === 'record') return at;
  }
  return -1;
}
