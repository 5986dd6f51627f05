/**
 * The client id of an MQTT CONNECT packet (3.1, 3.1.1 or 5) at the start of a stream: what the fleet's
 * link proxy needs to know whose connection it carries. 'incomplete' until enough bytes arrived; null
 * when the bytes are not a CONNECT.
 */
export function connectClientId(bytes: Buffer): string | null | 'incomplete' {
  if (bytes.length < 1) return 'incomplete';
  if (bytes[0]! >> 4 !== 1) return null;
  const remaining = varInt(bytes, 1);
  if (remaining === 'incomplete') return 'incomplete';
  if (remaining === null) return null;
  let at = remaining.next;
  if (bytes.length < at + remaining.value) return 'incomplete';
  const protocolNameLength = bytes.readUInt16BE(at);
  at += 2 + protocolNameLength;
  const level = bytes[at]!;
  at += 1 + 1 + 2; // level, connect flags, keep alive
  if (level === 5) {
    const properties = varInt(bytes, at);
    if (properties === null || properties === 'incomplete') return null;
    at = properties.next + properties.value;
  }
  if (at + 2 > bytes.length) return null;
  const idLength = bytes.readUInt16BE(at);
  if (at + 2 + idLength > bytes.length) return null;
  return bytes.toString('utf8', at + 2, at + 2 + idLength);
}

/** An MQTT variable byte integer at `at`. */
function varInt(bytes: Buffer, at: number): { value: number; next: number } | null | 'incomplete' {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (at + i >= bytes.length) return 'incomplete';
    const byte = bytes[at + i]!;
    value += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
  }
  return null;
}
