/** A message that does not satisfy the v1 protocol; `message` names the field path and what was expected. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}
