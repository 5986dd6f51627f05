import * as fc from 'fast-check';
import * as zlib from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32, crc32Table } from '../../edge/telemetry/outbox/crc32.js';
import { decodeFrame, encodeData, encodeRelease, HEADER_BYTES } from '../../edge/telemetry/outbox/record-codec.js';
import { scanSegment } from '../../edge/telemetry/outbox/segment-scan.js';

const test = suite('outbox record codec and segment scan');

test('CRC-32: the standard check value, and the table version equals zlib on random data', () => {
  assert.is(crc32Table(Buffer.from('123456789')), 0xcbf43926);
  assert.is(crc32(Buffer.from('123456789')), 0xcbf43926);
  const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 50 }), (a, b) => {
      // Chained over two pieces equals the whole, as the frame's CRC over length field + body needs.
      const whole = Buffer.concat([a, b]);
      assert.is(crc32Table(b, crc32Table(a)), crc32Table(whole));
      if (native) assert.is(crc32Table(whole), native(whole) >>> 0);
    }),
  );
});

test('data and release records decode to what was encoded', () => {
  const payload = Buffer.from([0x82, 0xa1, 0x76, 0x01, 0xff, 0x00]);
  const frame = encodeData({ boot: 1_764_000_000, seq: 2 ** 40, ts: 1_767_225_600_123, topic: 'nutgiao/v1/demo/n1/counts', payload });
  const decoded = decodeFrame(frame, 0);
  assert.equal(decoded, {
    kind: 'record',
    frameBytes: frame.length,
    record: { type: 'data', boot: 1_764_000_000, seq: 2 ** 40, ts: 1_767_225_600_123, topic: 'nutgiao/v1/demo/n1/counts', payload },
  });
  const release = encodeRelease({ reason: 'expired', boot: 7, fromSeq: 10, toSeq: 19 });
  assert.equal(decodeFrame(release, 0), { kind: 'record', frameBytes: release.length, record: { type: 'release', reason: 'expired', boot: 7, fromSeq: 10, toSeq: 19 } });
});

test('bad input is refused with the field named', () => {
  assert.throws(() => encodeData({ boot: -1, seq: 0, ts: 0, topic: 't', payload: Buffer.alloc(0) }), /boot must be an integer/);
  assert.throws(() => encodeData({ boot: 0, seq: 1.5, ts: 0, topic: 't', payload: Buffer.alloc(0) }), /seq must be an integer/);
  assert.throws(() => encodeData({ boot: 0, seq: 0, ts: 0, topic: '', payload: Buffer.alloc(0) }), /topic must be 1 to/);
});

test('every single flipped bit of a frame is caught', () => {
  const frame = encodeData({ boot: 3, seq: 9, ts: 1000, topic: 'k', payload: Buffer.from('hello') });
  for (let byte = 0; byte < frame.length; byte++) {
    for (let bit = 0; bit < 8; bit++) {
      const damaged = Buffer.from(frame);
      damaged[byte]! ^= 1 << bit;
      assert.is.not(decodeFrame(damaged, 0).kind, 'record', `flip of byte ${byte} bit ${bit} went unnoticed`);
    }
  }
});

function segmentOf(count: number): { bytes: Buffer; offsets: number[] } {
  const frames = Array.from({ length: count }, (_, seq) => encodeData({ boot: 1, seq, ts: 1000 + seq, topic: 'k', payload: Buffer.alloc(40, seq) }));
  const offsets: number[] = [];
  let at = 0;
  for (const frame of frames) {
    offsets.push(at);
    at += frame.length;
  }
  return { bytes: Buffer.concat(frames), offsets };
}

const seqs = (scan: ReturnType<typeof scanSegment>) => scan.records.map(({ record }) => (record.type === 'data' ? record.seq : -1));

test('scan: a torn tail is one damaged region at the tail, with validEnd where the last good record ends', () => {
  const { bytes, offsets } = segmentOf(5);
  const torn = bytes.subarray(0, offsets[4]! + 7);
  const scan = scanSegment(torn);
  assert.equal(seqs(scan), [0, 1, 2, 3]);
  assert.equal(scan.damage, [{ offset: offsets[4]!, bytes: 7, reason: 'cut short', atTail: true }]);
  assert.is(scan.validEnd, offsets[4]);
});

test('scan: a damaged length field or body in the middle is skipped and the records after it are found', () => {
  const { bytes, offsets } = segmentOf(5);
  const inBody = Buffer.from(bytes);
  inBody[offsets[2]! + HEADER_BYTES + 25]! ^= 0x10;
  assert.equal(seqs(scanSegment(inBody)), [0, 1, 3, 4]);
  assert.equal(scanSegment(inBody).damage, [{ offset: offsets[2]!, bytes: offsets[3]! - offsets[2]!, reason: 'CRC mismatch', atTail: false }]);

  // A length that claims more bytes than the file has looks like a torn tail until the resync finds more.
  const inLength = Buffer.from(bytes);
  inLength[offsets[2]! + 6] = 0x7f;
  const scan = scanSegment(inLength);
  assert.equal(seqs(scan), [0, 1, 3, 4]);
  assert.is(scan.damage.length, 1);
  assert.is(scan.damage[0]!.atTail, false);
});

test('scan: random damage never throws and never yields a record that was not written', () => {
  const { bytes } = segmentOf(12);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }), fc.nat(bytes.length), (flips, cut) => {
      const damaged = Buffer.from(bytes.subarray(0, cut));
      for (const [at, mask] of flips) if (at < damaged.length) damaged[at]! ^= mask;
      const scan = scanSegment(damaged);
      for (const { record } of scan.records) {
        assert.is(record.type, 'data');
        if (record.type === 'data') assert.ok(record.payload.equals(Buffer.alloc(40, record.seq)));
      }
    }),
  );
});

test.run();
