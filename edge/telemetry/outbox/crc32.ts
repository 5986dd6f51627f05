import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE 802.3, the one zlib and gzip use) of a byte range. Node has zlib.crc32 from 20.15 and
 * 22.2; older Node 20 releases (which package.json still allows) get the table-driven version below,
 * which gives the same values.
 */
export type Crc32 = (data: Uint8Array, initial?: number) => number;

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** The table-driven CRC-32; exported so a test can hold it against zlib's. */
export function crc32Table(data: Uint8Array, initial = 0): number {
  let crc = (initial ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) crc = TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export const crc32: Crc32 = typeof native === 'function' ? (data, initial = 0) => native(data, initial) >>> 0 : crc32Table;
