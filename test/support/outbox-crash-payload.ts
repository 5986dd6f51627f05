/** The payload the crash child writes for boot/seq: 40 to 700 bytes, derived from both, so the test can check it. */
export function crashPayload(boot: number, seq: number): Buffer {
  const length = 40 + ((seq * 7919 + boot * 104_729) % 661);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (seq * 31 + boot * 17 + i) & 0xff;
  return bytes;
}
