/**
 * Turns a byte stream of fixed-size raw frames (a pipe delivers chunks of any size, straddling frame
 * boundaries) into whole frames in a ring of preallocated slots. Only the kept byte range of each frame
 * (e.g. the Y plane of a YUV420 frame) is copied, each byte once, straight from the chunk into its slot;
 * the rest is skipped without copying. Nothing is allocated per frame or per chunk.
 */
export interface FrameReassemblerOptions {
  /** Bytes of one frame on the stream. */
  frameBytes: number;
  /** Start of the kept range within each frame. Default 0. */
  keepOffset?: number;
  /** Length of the kept range. Default: the rest of the frame from keepOffset. */
  keptBytes?: number;
  /** Ring slots; a taken frame stays intact until slots - 1 more frames have been taken. Default 3. */
  slots?: number;
}

const DEFAULT_SLOTS = 3;

export class FrameReassembler {
  readonly frameBytes: number;
  readonly keptBytes: number;
  private readonly keepStart: number;
  private readonly keepEnd: number;
  private readonly ring: Uint8Array[] = [];
  /** The slot being filled. */
  private current = 0;
  /** Bytes of the current frame seen so far, kept or skipped. */
  private position = 0;
  private ready = false;

  constructor(options: FrameReassemblerOptions) {
    const keepOffset = options.keepOffset ?? 0;
    const keptBytes = options.keptBytes ?? options.frameBytes - keepOffset;
    const slots = options.slots ?? DEFAULT_SLOTS;
    if (!Number.isInteger(options.frameBytes) || options.frameBytes <= 0) {
      throw new RangeError(`FrameReassembler: frameBytes must be a positive integer, got ${options.frameBytes}`);
    }
    if (!Number.isInteger(keepOffset) || !Number.isInteger(keptBytes) || keepOffset < 0 || keptBytes <= 0 || keepOffset + keptBytes > options.frameBytes) {
      throw new RangeError(`FrameReassembler: kept range [${keepOffset}, ${keepOffset + keptBytes}) must lie within the ${options.frameBytes}-byte frame`);
    }
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`FrameReassembler: slots must be an integer >= 1, got ${slots}`);
    this.frameBytes = options.frameBytes;
    this.keptBytes = keptBytes;
    this.keepStart = keepOffset;
    this.keepEnd = keepOffset + keptBytes;
    for (let i = 0; i < slots; i++) this.ring.push(new Uint8Array(keptBytes));
  }

  get slotCount(): number {
    return this.ring.length;
  }

  /** The kept bytes of ring slot i (the same Uint8Array for the reassembler's whole life). */
  slot(i: number): Uint8Array {
    const data = this.ring[i];
    if (data === undefined) throw new RangeError(`FrameReassembler: no slot ${i}`);
    return data;
  }

  /** True when a whole frame is waiting to be taken or dropped; consume() refuses to go on until then. */
  get frameReady(): boolean {
    return this.ready;
  }

  /** Bytes of an incomplete frame buffered (non-zero at end of stream means a truncated last frame). */
  get partialBytes(): number {
    return this.position;
  }

  /**
   * Consumes chunk from offset `from` up to the end of the chunk or of the current frame, whichever comes
   * first, and returns the offset reached. Stopping at a frame boundary lets the caller hand the frame
   * on (or pause the stream) before the next frame overwrites anything.
   */
  consume(chunk: Buffer, from: number): number {
    if (this.ready) throw new Error('FrameReassembler: take or drop the completed frame before consuming more');
    const wanted = this.frameBytes - this.position;
    const available = chunk.length - from;
    const taken = wanted < available ? wanted : available;
    const end = this.position + taken;
    const copyStart = this.position > this.keepStart ? this.position : this.keepStart;
    const copyEnd = end < this.keepEnd ? end : this.keepEnd;
    if (copyEnd > copyStart) {
      // Buffer.copy, unlike set(subarray()), creates no view object.
      chunk.copy(this.ring[this.current]!, copyStart - this.keepStart, from + copyStart - this.position, from + copyEnd - this.position);
    }
    if (end === this.frameBytes) {
      this.position = 0;
      this.ready = true;
    } else {
      this.position = end;
    }
    return from + taken;
  }

  /** Hands out the completed frame's slot index; the next frame goes into the following slot. */
  takeFrame(): number {
    if (!this.ready) throw new Error('FrameReassembler: no completed frame to take');
    const taken = this.current;
    this.ready = false;
    this.current = (this.current + 1) % this.ring.length;
    return taken;
  }

  /** Discards the completed frame; its slot is refilled by the next one (the newest frame wins). */
  dropFrame(): void {
    if (!this.ready) throw new Error('FrameReassembler: no completed frame to drop');
    this.ready = false;
  }

  /** Forgets any partial frame, e.g. when the producing process is restarted mid-frame. */
  reset(): void {
    this.position = 0;
    this.ready = false;
  }
}
