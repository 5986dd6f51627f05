import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameReassembler } from '../../../edge/hal/drivers/frame-reassembler.js';
import { seededRandom } from '../../../sim/seeded-random.js';

const FRAME_BYTES = 30;

/** Frames whose every byte says where it came from: frame f, byte i → (f * 31 + i) & 255. */
function makeStream(frames: number, frameBytes: number): Buffer {
  const stream = Buffer.alloc(frames * frameBytes);
  for (let f = 0; f < frames; f++) for (let i = 0; i < frameBytes; i++) stream[f * frameBytes + i] = (f * 31 + i) & 255;
  return stream;
}

/** Cuts the stream into chunks of random sizes from 1 byte to 2.5 frames, as a pipe may deliver them. */
function randomChunks(stream: Buffer, seed: number, maxChunk: number): Buffer[] {
  const random = seededRandom(seed);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < stream.length; ) {
    const size = 1 + Math.floor(random() * maxChunk);
    chunks.push(stream.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

function reassemble(reassembler: FrameReassembler, chunks: Buffer[]): Buffer[] {
  const frames: Buffer[] = [];
  for (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length) {
      offset = reassembler.consume(chunk, offset);
      if (reassembler.frameReady) frames.push(Buffer.from(reassembler.slot(reassembler.takeFrame())));
    }
  }
  return frames;
}

test('chunks of random sizes, straddling frame boundaries, give back every frame byte for byte', () => {
  const stream = makeStream(40, FRAME_BYTES);
  for (const seed of [1, 2, 3, 4, 5]) {
    const reassembler = new FrameReassembler({ frameBytes: FRAME_BYTES });
    const chunks = randomChunks(stream, seed, Math.floor(FRAME_BYTES * 2.5));
    assert.ok(chunks.some((c) => c.length > FRAME_BYTES) && chunks.some((c) => c.length < FRAME_BYTES), 'both small and large chunks');
    const frames = reassemble(reassembler, chunks);
    assert.is(frames.length, 40);
    assert.equal(Buffer.concat(frames), stream, `seed ${seed}`);
    assert.is(reassembler.partialBytes, 0);
  }
});

test('only the kept range is copied: the Y plane of YUV420 frames, chroma skipped', () => {
  const width = 4;
  const height = 2;
  const frameBytes = (width * height * 3) / 2;
  const stream = makeStream(10, frameBytes);
  const reassembler = new FrameReassembler({ frameBytes, keepOffset: 0, keptBytes: width * height });
  const frames = reassemble(reassembler, randomChunks(stream, 9, 17));
  assert.is(frames.length, 10);
  frames.forEach((frame, f) => assert.equal(frame, stream.subarray(f * frameBytes, f * frameBytes + width * height), `frame ${f}`));
});

test('a kept range in the middle of the frame (offset > 0) is extracted exactly', () => {
  const stream = makeStream(6, FRAME_BYTES);
  const reassembler = new FrameReassembler({ frameBytes: FRAME_BYTES, keepOffset: 7, keptBytes: 11 });
  const frames = reassemble(reassembler, randomChunks(stream, 4, 13));
  frames.forEach((frame, f) => assert.equal(frame, stream.subarray(f * FRAME_BYTES + 7, f * FRAME_BYTES + 18)));
});

test('taken frames rotate through the three slots; a dropped frame reuses its slot (newest wins)', () => {
  const reassembler = new FrameReassembler({ frameBytes: 4 });
  const stream = makeStream(5, 4);
  const slotsTaken: number[] = [];
  let offset = reassembler.consume(stream, 0);
  slotsTaken.push(reassembler.takeFrame());
  offset = reassembler.consume(stream, offset);
  reassembler.dropFrame();
  offset = reassembler.consume(stream, offset);
  const third = reassembler.takeFrame();
  slotsTaken.push(third);
  assert.equal(reassembler.slot(third), new Uint8Array(stream.subarray(8, 12)), 'the dropped frame was overwritten by the newer one');
  offset = reassembler.consume(stream, offset);
  slotsTaken.push(reassembler.takeFrame());
  reassembler.consume(stream, offset);
  slotsTaken.push(reassembler.takeFrame());
  assert.equal(slotsTaken, [0, 1, 2, 0]);
});

test('consume stops at a completed frame and refuses to overwrite it until taken or dropped', () => {
  const reassembler = new FrameReassembler({ frameBytes: 4 });
  const chunk = Buffer.from([1, 2, 3, 4, 5, 6]);
  assert.is(reassembler.consume(chunk, 0), 4);
  assert.ok(reassembler.frameReady);
  assert.throws(() => reassembler.consume(chunk, 4), /take or drop/);
  reassembler.dropFrame();
  assert.is(reassembler.consume(chunk, 4), 6);
  assert.is(reassembler.partialBytes, 2);
  reassembler.reset();
  assert.is(reassembler.partialBytes, 0);
});

test('rejects a kept range outside the frame and non-positive sizes', () => {
  assert.throws(() => new FrameReassembler({ frameBytes: 10, keepOffset: 5, keptBytes: 6 }), /within the 10-byte frame/);
  assert.throws(() => new FrameReassembler({ frameBytes: 0 }), /positive integer/);
  assert.throws(() => new FrameReassembler({ frameBytes: 10, slots: 0 }), /slots/);
});

test.run();
