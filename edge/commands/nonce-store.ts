import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../state/atomic-file.js';

/**
 * The nonces of signed requests already accepted, persisted so a restart does not reopen replay. A nonce
 * only needs remembering while its request's timestamp is inside the window (an older request is refused
 * on its timestamp), so entries older than that are forgotten; past `capacity` live entries new requests
 * are refused rather than forgetting one that could still be replayed.
 */
export class NonceStore {
  private readonly seen = new Map<string, number>();

  private constructor(
    private readonly path: string,
    private readonly capacity: number,
  ) {}

  static async open(stateDir: string, capacity: number): Promise<NonceStore> {
    const store = new NonceStore(join(stateDir, 'command-nonces.json'), capacity);
    const text = await readFile(store.path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '[]';
      throw error;
    });
    let entries: unknown;
    try {
      entries = JSON.parse(text);
    } catch {
      // Written atomically, so this is outside damage; starting empty would reopen replay, so refuse to guess.
      throw new Error(`${store.path} is not valid JSON: remove it only if no signed command of the last window can be replayed`);
    }
    if (Array.isArray(entries)) for (const entry of entries) if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number') store.seen.set(entry[0], entry[1]);
    return store;
  }

  has(nonce: string): boolean {
    return this.seen.has(nonce);
  }

  /**
   * Records a nonce (with its request's ts) and persists the set before the command runs. Returns a reason
   * when it cannot be recorded, in which case the command must not run.
   */
  async remember(nonce: string, requestTs: number, forgetBefore: number): Promise<string | undefined> {
    for (const [key, ts] of this.seen) if (ts < forgetBefore) this.seen.delete(key);
    if (this.seen.size >= this.capacity) return `more than ${this.capacity} signed commands within the timestamp window; try again later`;
    this.seen.set(nonce, requestTs);
    try {
      await writeFileAtomic(this.path, JSON.stringify([...this.seen]));
    } catch (error) {
      this.seen.delete(nonce);
      return `cannot persist the nonce (${(error as Error).message})`;
    }
    return undefined;
  }

  size(): number {
    return this.seen.size;
  }
}
