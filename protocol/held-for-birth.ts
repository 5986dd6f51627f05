/**
 * v2 messages a receiver could not read yet because the birth of their node has not reached it (the
 * retained birth and the telemetry can arrive on different connections, or in either order after a
 * reconnect). Held per node, bounded by count and age; what leaves by a bound is handed back for the
 * receiver to refuse with a reason, so nothing is dropped silently.
 */
export interface HeldForBirthOptions {
  /** Messages held across all nodes; holding one more hands back the oldest. */
  maxMessages: number;
  /** A message held longer than this is handed back by expired(). */
  maxAgeMs: number;
  now: () => number;
}

export interface Held<T> {
  item: T;
  heldAt: number;
}

export class HeldForBirth<T> {
  /** `site/node` → messages in arrival order; the map in order of each node's oldest message. */
  private readonly byNode = new Map<string, Array<Held<T>>>();
  private count = 0;

  constructor(private readonly options: HeldForBirthOptions) {}

  get size(): number {
    return this.count;
  }

  get maxAgeMs(): number {
    return this.options.maxAgeMs;
  }

  /** Whether messages of the node wait for its birth. */
  holds(site: string, node: string): boolean {
    return this.byNode.has(`${site}/${node}`);
  }

  /** Holds `item` for the node's birth; returns what no longer fits (to refuse), oldest first. */
  hold(site: string, node: string, item: T, heldAt = this.options.now()): T[] {
    const key = `${site}/${node}`;
    const held = this.byNode.get(key) ?? [];
    if (held.length === 0) this.byNode.set(key, held);
    held.push({ item, heldAt });
    this.count++;
    const overflow: T[] = [];
    while (this.count > this.options.maxMessages) overflow.push(this.shiftOldest()!);
    return overflow;
  }

  /** Everything held for the node (its birth arrived), in arrival order, with when each was first held. */
  release(site: string, node: string): Array<Held<T>> {
    const key = `${site}/${node}`;
    const held = this.byNode.get(key) ?? [];
    this.byNode.delete(key);
    this.count -= held.length;
    return held;
  }

  /** Messages held longer than maxAgeMs, oldest first. */
  expired(): T[] {
    const limit = this.options.now() - this.options.maxAgeMs;
    const out: T[] = [];
    for (const [key, held] of this.byNode) {
      while (held.length > 0 && held[0]!.heldAt <= limit) {
        out.push(held.shift()!.item);
        this.count--;
      }
      if (held.length === 0) this.byNode.delete(key);
    }
    return out;
  }

  private shiftOldest(): T | undefined {
    let oldestKey: string | undefined;
    let oldestAt = Infinity;
    for (const [key, held] of this.byNode) {
      if (held[0]!.heldAt < oldestAt) {
        oldestAt = held[0]!.heldAt;
        oldestKey = key;
      }
    }
    if (oldestKey === undefined) return undefined;
    const held = this.byNode.get(oldestKey)!;
    const { item } = held.shift()!;
    if (held.length === 0) this.byNode.delete(oldestKey);
    this.count--;
    return item;
  }
}
