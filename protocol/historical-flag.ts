/**
 * Marks a stored sequenced message as historical for a replay. A v2 payload gets `x: true` at the byte
 * level: the top-level map's entry count goes up by one and the key `x` (a1 78) with `true` (c3) is
 * appended, so the node's outbox needs no structures to replay what it stored. A v1 payload (stored by a
 * release before v2) is decoded, flagged `historical: true` and encoded again.
 */
import { Unpackr } from 'msgpackr';
import { decodeMessage, encodeMessage } from './codec.js';
import { COMPACT_WIRE_VERSION } from './compact-wire.js';
import type { SequencedKind } from './messages.js';

export type HistoricalResult = { ok: true; payload: Buffer } | { ok: false; error: string };

const HISTORICAL_ENTRY = Buffer.from([0xa1, 0x78, 0xc3]);
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** The payload with `x: true` appended to its top-level map; undefined when it does not start with a map header. */
export function withHistoricalFlag(payload: Uint8Array): Buffer | undefined {
  const first = payload[0];
  if (first === undefined) return undefined;
  if (first >= 0x80 && first < 0x8f) {
    const out = Buffer.concat([payload, HISTORICAL_ENTRY]);
    out[0] = first + 1;
    return out;
  }
  // A fixmap holds at most 15 entries: the 16th needs a map16 header (de 00 10), two bytes longer.
  if (first === 0x8f) return Buffer.concat([Buffer.from([0xde, 0x00, 0x10]), payload.subarray(1), HISTORICAL_ENTRY]);
  if (first === 0xde && payload.length >= 3) {
    const count = (payload[1]! << 8) | payload[2]!;
    if (count === 0xffff) {
      const header = Buffer.alloc(5);
      header[0] = 0xdf;
      header.writeUInt32BE(count + 1, 1);
      return Buffer.concat([header, payload.subarray(3), HISTORICAL_ENTRY]);
    }
    const out = Buffer.concat([payload, HISTORICAL_ENTRY]);
    out.writeUInt16BE(count + 1, 1);
    return out;
  }
  if (first === 0xdf && payload.length >= 5) {
    const out = Buffer.concat([payload, HISTORICAL_ENTRY]);
    out.writeUInt32BE(out.readUInt32BE(1) + 1, 1);
    return out;
  }
  return undefined;
}

/** The stored message of `kind` as it is sent again from the outbox, flagged historical. */
export function historicalPayload(kind: SequencedKind, payload: Uint8Array): HistoricalResult {
  let value: unknown;
  try {
    value = unpackr.unpack(payload);
  } catch (error) {
    return { ok: false, error: `${kind}: invalid MessagePack: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: `${kind}: top level is not a map` };
  const map = value as Record<string, unknown>;
  if (map.v === COMPACT_WIRE_VERSION) {
    if ('x' in map) return map.x === true ? { ok: true, payload: Buffer.from(payload) } : { ok: false, error: `${kind}: v2 payload already carries x = ${JSON.stringify(map.x)}` };
    const flagged = withHistoricalFlag(payload);
    return flagged === undefined ? { ok: false, error: `${kind}: top level is not a map` } : { ok: true, payload: flagged };
  }
  const decoded = decodeMessage(kind, payload);
  if (!decoded.ok) return decoded;
  return { ok: true, payload: encodeMessage(kind, { ...decoded.message, historical: true } as never) };
}
