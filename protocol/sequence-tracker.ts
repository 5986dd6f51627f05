/**
 * Receiver-side loss and restart detection for the sequenced kinds (event, counts, signal), per node.
 * `seq` is one counter per boot starting at 0, so within a boot any jump forward is loss; a new `boot`
 * means the node restarted and its counter began again.
 */
export type SequenceStatus = 'first' | 'next' | 'gap' | 'restart' | 'duplicate' | 'late';

export interface SequenceObservation {
  status: SequenceStatus;
  /** Inclusive range of seq numbers not received: on `gap`, and on `restart` when seq did not start at 0. */
  missing?: { from: number; to: number };
  /** On `restart`: the boot id seen before. Lower than the new one unless the node's counter went back. */
  previousBoot?: number;
}

export interface SequenceTrackerOptions {
  /** Nodes remembered at most; the least recently heard is forgotten first. */
  maxNodes?: number;
}

/**
 * How many recent seq numbers are remembered per node to tell a QoS 1 duplicate (seen before) from a
 * late message (filling a gap already reported). Older ones are reported `late`.
 */
export const SEQUENCE_WINDOW = 1024;
const WINDOW_WORDS = SEQUENCE_WINDOW / 32;

interface NodeSequence {
  boot: number;
  lastSeq: number;
  /** Bit (seq mod SEQUENCE_WINDOW) is set when that seq, within the window below lastSeq, was received. */
  seen: Uint32Array;
}

export class SequenceTracker {
  private readonly nodes = new Map<string, NodeSequence>();
  private readonly maxNodes: number;

  constructor(options: SequenceTrackerOptions = {}) {
    this.maxNodes = options.maxNodes ?? 10_000;
  }

  get size(): number {
    return this.nodes.size;
  }

  forget(node: string): void {
    this.nodes.delete(node);
  }

  observe(node: string, boot: number, seq: number): SequenceObservation {
    const state = this.nodes.get(node);
    if (state === undefined) {
      this.remember(node, { boot, lastSeq: seq, seen: markOnly(new Uint32Array(WINDOW_WORDS), seq) });
      return { status: 'first' };
    }
    // Re-inserting keeps the Map in least-recently-heard order for eviction.
    this.nodes.delete(node);
    this.nodes.set(node, state);
    if (boot !== state.boot) {
      const previousBoot = state.boot;
      state.boot = boot;
      state.lastSeq = seq;
      markOnly(state.seen, seq);
      return seq > 0 ? { status: 'restart', previousBoot, missing: { from: 0, to: seq - 1 } } : { status: 'restart', previousBoot };
    }
    if (seq > state.lastSeq) {
      const from = state.lastSeq + 1;
      advance(state, seq);
      return seq === from ? { status: 'next' } : { status: 'gap', missing: { from, to: seq - 1 } };
    }
    if (state.lastSeq - seq >= SEQUENCE_WINDOW) return { status: 'late' };
    if (isSet(state.seen, seq)) return { status: 'duplicate' };
    setBit(state.seen, seq);
    return { status: 'late' };
  }

  private remember(node: string, state: NodeSequence): void {
    this.nodes.set(node, state);
    if (this.nodes.size > this.maxNodes) {
      const oldest = this.nodes.keys().next().value;
      if (oldest !== undefined) this.nodes.delete(oldest);
    }
  }
}

function advance(state: NodeSequence, seq: number): void {
  // The window slides forward: slots for the skipped seq numbers now stand for missing ones.
  if (seq - state.lastSeq >= SEQUENCE_WINDOW) state.seen.fill(0);
  else for (let s = state.lastSeq + 1; s < seq; s++) clearBit(state.seen, s);
  setBit(state.seen, seq);
  state.lastSeq = seq;
}

function markOnly(seen: Uint32Array, seq: number): Uint32Array {
  seen.fill(0);
  setBit(seen, seq);
  return seen;
}

function slot(seq: number): number {
  return seq % SEQUENCE_WINDOW;
}

function setBit(seen: Uint32Array, seq: number): void {
  const s = slot(seq);
  seen[s >>> 5]! |= 1 << (s & 31);
}

function clearBit(seen: Uint32Array, seq: number): void {
  const s = slot(seq);
  seen[s >>> 5]! &= ~(1 << (s & 31));
}

function isSet(seen: Uint32Array, seq: number): boolean {
  const s = slot(seq);
  return (seen[s >>> 5]! & (1 << (s & 31))) !== 0;
}
