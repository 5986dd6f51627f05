/**
 * A canonical MessagePack encoding for signed bytes: each value has exactly one encoding, the one other
 * encoders (Python's msgpack with use_bin_type) also write, so a signer in any language can reproduce it.
 *   nil, true/false; integers in the smallest int form (positive: fixint, uint8..uint64; negative:
 *   fixint, int8..int64); other numbers float64; strings UTF-8 in the smallest str form; byte arrays as
 *   bin; arrays; maps with keys sorted by UTF-16 code unit order (JavaScript's default sort).
 * msgpackr is not used here: it writes integers beyond 32 bits as float64 and keeps key order as given.
 */
const TWO_POW_63 = 2 ** 63;
const TWO_POW_64 = 2 ** 64;

export function canonicalPack(value: unknown): Buffer {
  const chunks: Buffer[] = [];
  write(value, chunks, 0);
  return Buffer.concat(chunks);
}

function header(byte: number, lengthBytes: 0 | 1 | 2 | 4, length: number): Buffer {
  const out = Buffer.alloc(1 + lengthBytes);
  out[0] = byte;
  if (lengthBytes === 1) out.writeUInt8(length, 1);
  if (lengthBytes === 2) out.writeUInt16BE(length, 1);
  if (lengthBytes === 4) out.writeUInt32BE(length, 1);
  return out;
}

function sized(length: number, fix: { max: number; base: number } | null, codes: [number, number, number] | [number, number]): Buffer {
  if (fix && length <= fix.max) return Buffer.from([fix.base | length]);
  if (codes.length === 3 && length < 0x100) return header(codes[0], 1, length);
  const [code16, code32] = codes.length === 3 ? [codes[1], codes[2]] : codes;
  return length < 0x10000 ? header(code16, 2, length) : header(code32, 4, length);
}

function writeInteger(value: number | bigint, chunks: Buffer[]): void {
  const big = BigInt(value);
  if (big >= 0n) {
    if (big < 0x80n) return void chunks.push(Buffer.from([Number(big)]));
    if (big < 0x100n) return void chunks.push(Buffer.from([0xcc, Number(big)]));
    const out = Buffer.alloc(big < 0x10000n ? 3 : big < 0x1_0000_0000n ? 5 : 9);
    if (out.length === 3) (out[0] = 0xcd), out.writeUInt16BE(Number(big), 1);
    else if (out.length === 5) (out[0] = 0xce), out.writeUInt32BE(Number(big), 1);
    else (out[0] = 0xcf), out.writeBigUInt64BE(big, 1);
    return void chunks.push(out);
  }
  if (big >= -32n) return void chunks.push(Buffer.from([Number(big) & 0xff]));
  const out = Buffer.alloc(big >= -0x80n ? 2 : big >= -0x8000n ? 3 : big >= -0x8000_0000n ? 5 : 9);
  if (out.length === 2) (out[0] = 0xd0), out.writeInt8(Number(big), 1);
  else if (out.length === 3) (out[0] = 0xd1), out.writeInt16BE(Number(big), 1);
  else if (out.length === 5) (out[0] = 0xd2), out.writeInt32BE(Number(big), 1);
  else (out[0] = 0xd3), out.writeBigInt64BE(big, 1);
  chunks.push(out);
}

function write(value: unknown, chunks: Buffer[], depth: number): void {
  if (depth > 64) throw new RangeError('canonical MessagePack: nested deeper than 64 levels');
  if (value === null || value === undefined) return void chunks.push(Buffer.from([0xc0]));
  if (value === false || value === true) return void chunks.push(Buffer.from([value ? 0xc3 : 0xc2]));
  if (typeof value === 'bigint') {
    if (value < -(2n ** 63n) || value >= 2n ** 64n) throw new RangeError(`canonical MessagePack: integer ${value} does not fit 64 bits`);
    return writeInteger(value, chunks);
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= -TWO_POW_63 && value < TWO_POW_64 && !Object.is(value, -0)) return writeInteger(value, chunks);
    const out = Buffer.alloc(9);
    out[0] = 0xcb;
    out.writeDoubleBE(value, 1);
    return void chunks.push(out);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    chunks.push(sized(bytes.length, { max: 31, base: 0xa0 }, [0xd9, 0xda, 0xdb]), bytes);
    return;
  }
  if (value instanceof Uint8Array) {
    chunks.push(sized(value.length, null, [0xc4, 0xc5, 0xc6]), Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    return;
  }
  if (Array.isArray(value)) {
    chunks.push(sized(value.length, { max: 15, base: 0x90 }, [0xdc, 0xdd]));
    for (const item of value) write(item, chunks, depth + 1);
    return;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort();
    chunks.push(sized(keys.length, { max: 15, base: 0x80 }, [0xde, 0xdf]));
    for (const key of keys) {
      write(key, chunks, depth + 1);
      write((value as Record<string, unknown>)[key], chunks, depth + 1);
    }
    return;
  }
  throw new TypeError(`canonical MessagePack: cannot encode a ${typeof value}`);
}
