/**
 * One pass over encoded MessagePack that enforces the wire subset every v1 reader can handle: a single
 * top-level map, string map keys, no extension types, bounded nesting, and lengths that fit the payload.
 * On the encode side the same pass rewrites integral float64 values (msgpackr writes integers beyond
 * 32 bits that way) to uint64/int64 in place, so timestamps reach other decoders (Python's msgpack) as
 * ints. Both encodings are 9 bytes, so the rewrite needs no copy of the message or the buffer.
 */
export const MAX_NESTING_DEPTH = 32;

const TWO_POW_63 = 2 ** 63;
const TWO_POW_64 = 2 ** 64;

// Remaining items per open container and whether it is a map; reused across calls (scans never nest).
const remainingStack = new Float64Array(MAX_NESTING_DEPTH + 1);
const isMapStack = new Uint8Array(MAX_NESTING_DEPTH + 1);

/** Returns undefined when `bytes` is acceptable, else why not. With `rewriteIntegralFloats`, edits `bytes`. */
export function scanWire(bytes: Uint8Array, rewriteIntegralFloats: boolean): string | undefined {
  const length = bytes.length;
  if (length === 0) return 'empty payload';
  const first = bytes[0]!;
  if (!((first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf)) return 'top level is not a MessagePack map';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let position = 0;
  let depth = 0;
  remainingStack[0] = 1;
  isMapStack[0] = 0;
  while (depth >= 0) {
    if (remainingStack[depth] === 0) {
      depth--;
      continue;
    }
    // Map entries alternate key, value; the count starts even, so an even count means a key comes next.
    const expectKey = isMapStack[depth] === 1 && remainingStack[depth]! % 2 === 0;
    remainingStack[depth]!--;
    if (position >= length) return `truncated at byte ${position}`;
    const start = position;
    const b = bytes[position++]!;
    let payload = 0;
    let children = 0;
    let isMap = false;
    let isString = false;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
      // fixint, negative fixint, nil, false, true: nothing follows.
    } else if (b <= 0x8f) {
      children = (b & 0x0f) * 2;
      isMap = true;
    } else if (b <= 0x9f) {
      children = b & 0x0f;
    } else if (b <= 0xbf) {
      payload = b & 0x1f;
      isString = true;
    } else {
      const lengthBytes = LENGTH_FIELD_BYTES[b - 0xc0]!;
      if (lengthBytes === INVALID) return `byte 0x${b.toString(16)} at ${start} is not allowed (extension types and 0xc1 are not part of the v1 wire format)`;
      if (position + lengthBytes > length) return `truncated at byte ${position}`;
      const declared = lengthBytes === 0 ? 0 : lengthBytes === 1 ? bytes[position]! : lengthBytes === 2 ? view.getUint16(position) : view.getUint32(position);
      position += lengthBytes;
      switch (b) {
        case 0xc4: case 0xc5: case 0xc6: payload = declared; break;
        case 0xd9: case 0xda: case 0xdb: payload = declared; isString = true; break;
        case 0xdc: case 0xdd: children = declared; break;
        case 0xde: case 0xdf: children = declared * 2; isMap = true; break;
        default: {
          payload = FIXED_PAYLOAD_BYTES[b - 0xc0]!;
          if (b === 0xcb && rewriteIntegralFloats && position + 8 <= length) rewriteIfIntegral(bytes, view, position);
        }
      }
    }
    if (expectKey && !isString) return `map key at byte ${start} is not a string`;
    if (payload > length - position) return `truncated at byte ${length}: value at byte ${start} declares ${payload} bytes`;
    position += payload;
    if (children > length - position) {
      return `${isMap ? 'map' : 'array'} at byte ${start} declares ${isMap ? children / 2 : children} entries but only ${length - position} bytes remain`;
    }
    if (children > 0) {
      if (depth + 1 > MAX_NESTING_DEPTH) return `nesting deeper than ${MAX_NESTING_DEPTH} levels at byte ${start}`;
      depth++;
      remainingStack[depth] = children;
      isMapStack[depth] = isMap ? 1 : 0;
    }
  }
  if (position !== length) return `${length - position} trailing bytes after the message`;
  return undefined;
}

function rewriteIfIntegral(bytes: Uint8Array, view: DataView, position: number): void {
  const value = view.getFloat64(position);
  if (!Number.isInteger(value) || value < -TWO_POW_63 || value >= TWO_POW_64) return;
  if (value >= 0) {
    bytes[position - 1] = 0xcf;
    view.setBigUint64(position, BigInt(value));
  } else {
    bytes[position - 1] = 0xd3;
    view.setBigInt64(position, BigInt(value));
  }
}

const INVALID = -1;

/** For type bytes 0xc0..0xdf: how many bytes hold a length (0 for fixed-size types), or INVALID. */
const LENGTH_FIELD_BYTES = new Int8Array(32);
/** For fixed-size type bytes 0xc0..0xdf: how many bytes of value follow the type byte. */
const FIXED_PAYLOAD_BYTES = new Uint8Array(32);
for (const b of [0xc1, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]) LENGTH_FIELD_BYTES[b - 0xc0] = INVALID;
for (const [b, n] of [[0xc4, 1], [0xc5, 2], [0xc6, 4], [0xd9, 1], [0xda, 2], [0xdb, 4], [0xdc, 2], [0xdd, 4], [0xde, 2], [0xdf, 4]] as const) {
  LENGTH_FIELD_BYTES[b - 0xc0] = n;
}
for (const [b, n] of [[0xca, 4], [0xcb, 8], [0xcc, 1], [0xcd, 2], [0xce, 4], [0xcf, 8], [0xd0, 1], [0xd1, 2], [0xd2, 4], [0xd3, 8]] as const) {
  FIXED_PAYLOAD_BYTES[b - 0xc0] = n;
}
