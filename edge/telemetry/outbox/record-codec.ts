import { crc32 } from './crc32.js';

/**
 * The on-disk frame of one outbox record, little-endian:
 *
 *   magic  u32  "NGOB": lets recovery find the next record after a damaged one
 *   length u32  bytes of body
 *   crc    u32  CRC-32 of the length field and the body, so a flipped length is caught too
 *   body        type u8, then per type:
 *     1 data     boot u48, seq u48, ts u48 (ms since the epoch), topicLength u16, topic (UTF-8), payload
 *     2 release  reason u8 (0 acknowledged, 1 expired), boot u48, fromSeq u48, toSeq u48
 *
 * 48-bit integers hold any boot id (seconds since the epoch after a lost counter), sequence number and
 * millisecond timestamp for millennia, and are exact in a JavaScript number.
 */
export const MAGIC = Buffer.from('NGOB', 'latin1');
export const HEADER_BYTES = 12;
/** Bigger bodies are refused at append and taken for a damaged length field at recovery. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
export const MAX_TOPIC_BYTES = 1024;

const TYPE_DATA = 1;
const TYPE_RELEASE = 2;
const U48_MAX = 2 ** 48 - 1;
const DATA_FIXED_BYTES = 1 + 6 + 6 + 6 + 2;
const RELEASE_BYTES = 1 + 1 + 6 + 6 + 6;

export interface DataRecord {
  type: 'data';
  boot: number;
  seq: number;
  ts: number;
  topic: string;
  payload: Buffer;
}

/** Why records leave the pending set without being published: acknowledged, or older than maxAge. */
export type ReleaseReason = 'acked' | 'expired';

/** Persists that the records boot/fromSeq..toSeq are no longer pending. */
export interface ReleaseRecord {
  type: 'release';
  reason: ReleaseReason;
  boot: number;
  fromSeq: number;
  toSeq: number;
}

export type LogRecord = DataRecord | ReleaseRecord;

export type DecodeResult =
  | { kind: 'record'; record: LogRecord; frameBytes: number }
  /** The frame runs past the end of the bytes given: a torn tail, or a damaged length field. */
  | { kind: 'short' }
  | { kind: 'corrupt'; reason: string };

function checkU48(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > U48_MAX) {
    throw new RangeError(`outbox record ${field} must be an integer from 0 to 2^48-1, got ${value}`);
  }
}

function frame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(body.length, 4);
  out.writeUInt32LE(crc32(body, crc32(out.subarray(4, 8))), 8);
  body.copy(out, HEADER_BYTES);
  return out;
}

export function encodeData(record: Omit<DataRecord, 'type'>): Buffer {
  checkU48(record.boot, 'boot');
  checkU48(record.seq, 'seq');
  checkU48(Math.max(0, Math.round(record.ts)), 'ts');
  const topic = Buffer.from(record.topic, 'utf8');
  if (topic.length === 0 || topic.length > MAX_TOPIC_BYTES) throw new RangeError(`outbox record topic must be 1 to ${MAX_TOPIC_BYTES} bytes, got ${topic.length}`);
  const bodyBytes = DATA_FIXED_BYTES + topic.length + record.payload.length;
  if (bodyBytes > MAX_BODY_BYTES) throw new RangeError(`outbox record of ${bodyBytes} bytes exceeds the ${MAX_BODY_BYTES}-byte limit`);
  const body = Buffer.allocUnsafe(bodyBytes);
  let at = body.writeUInt8(TYPE_DATA, 0);
  at = body.writeUIntLE(record.boot, at, 6);
  at = body.writeUIntLE(record.seq, at, 6);
  at = body.writeUIntLE(Math.max(0, Math.round(record.ts)), at, 6);
  at = body.writeUInt16LE(topic.length, at);
  at += topic.copy(body, at);
  record.payload.copy(body, at);
  return frame(body);
}

export function encodeRelease(record: Omit<ReleaseRecord, 'type'>): Buffer {
  checkU48(record.boot, 'boot');
  checkU48(record.fromSeq, 'fromSeq');
  checkU48(record.toSeq, 'toSeq');
  const body = Buffer.allocUnsafe(RELEASE_BYTES);
  let at = body.writeUInt8(TYPE_RELEASE, 0);
  at = body.writeUInt8(record.reason === 'acked' ? 0 : 1, at);
  at = body.writeUIntLE(record.boot, at, 6);
  at = body.writeUIntLE(record.fromSeq, at, 6);
  body.writeUIntLE(record.toSeq, at, 6);
  return frame(body);
}

/**
 * Decodes the frame starting at `offset` of `bytes`, checking magic, length, CRC and body layout. A data
 * record's payload is a view into `bytes`: copy it to keep it.
 */
export function decodeFrame(bytes: Buffer, offset: number): DecodeResult {
  const available = bytes.length - offset;
  if (available < HEADER_BYTES) return available >= MAGIC.length && !bytes.subarray(offset, offset + 4).equals(MAGIC) ? { kind: 'corrupt', reason: 'bad magic' } : { kind: 'short' };
  if (!bytes.subarray(offset, offset + 4).equals(MAGIC)) return { kind: 'corrupt', reason: 'bad magic' };
  const length = bytes.readUInt32LE(offset + 4);
  if (length === 0 || length > MAX_BODY_BYTES) return { kind: 'corrupt', reason: `bad length ${length}` };
  if (available < HEADER_BYTES + length) return { kind: 'short' };
  const body = bytes.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
  const expected = bytes.readUInt32LE(offset + 8);
  if (crc32(body, crc32(bytes.subarray(offset + 4, offset + 8))) !== expected) return { kind: 'corrupt', reason: 'CRC mismatch' };
  const record = decodeBody(body);
  if (record === null) return { kind: 'corrupt', reason: 'malformed body' };
  return { kind: 'record', record, frameBytes: HEADER_BYTES + length };
}

function decodeBody(body: Buffer): LogRecord | null {
  const type = body.readUInt8(0);
  if (type === TYPE_DATA) {
    if (body.length < DATA_FIXED_BYTES) return null;
    const topicLength = body.readUInt16LE(19);
    if (topicLength === 0 || DATA_FIXED_BYTES + topicLength > body.length) return null;
    return {
      type: 'data',
      boot: body.readUIntLE(1, 6),
      seq: body.readUIntLE(7, 6),
      ts: body.readUIntLE(13, 6),
      topic: body.toString('utf8', DATA_FIXED_BYTES, DATA_FIXED_BYTES + topicLength),
      // A view, not a copy: recovery scans whole segments and keeps no payload.
      payload: body.subarray(DATA_FIXED_BYTES + topicLength),
    };
  }
  if (type === TYPE_RELEASE) {
    if (body.length !== RELEASE_BYTES) return null;
    const reason = body.readUInt8(1);
    if (reason > 1) return null;
    const fromSeq = body.readUIntLE(8, 6);
    const toSeq = body.readUIntLE(14, 6);
    if (toSeq < fromSeq) return null;
    return { type: 'release', reason: reason === 0 ? 'acked' : 'expired', boot: body.readUIntLE(2, 6), fromSeq, toSeq };
  }
  return null;
}
