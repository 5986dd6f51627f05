/**
 * The structures of the births a receiver has seen, per (site, node, boot): what it needs to read that
 * boot's v2 (compact) messages. Bounded: the most recent boots of each node, the most recently heard nodes.
 */
import type { StateMessage, WireStructures } from './messages.js';

export interface BirthRegistryOptions {
  /** Nodes remembered; the least recently heard is forgotten first. Default 10,000. */
  maxNodes?: number;
  /** Boots remembered per node (a backlog of an earlier boot needs that boot's birth). Default 8. */
  bootsPerNode?: number;
}

export class BirthRegistry {
  /** `site/node` → boot → structures, both in the order they were last heard (oldest first). */
  private readonly nodes = new Map<string, Map<number, WireStructures>>();
  private readonly maxNodes: number;
  private readonly bootsPerNode: number;

  constructor(options: BirthRegistryOptions = {}) {
    this.maxNodes = options.maxNodes ?? 10_000;
    this.bootsPerNode = options.bootsPerNode ?? 8;
  }

  /** Keeps the structures of a valid birth; true when they were not known for that boot before. */
  learn(site: string, node: string, state: StateMessage): boolean {
    if (state.status !== 'online' || state.structures === undefined) return false;
    return this.remember(site, node, state.boot, state.structures);
  }

  /** Keeps the structures of one boot (from a birth, or from where a receiver stored earlier births). */
  remember(site: string, node: string, boot: number, structures: WireStructures): boolean {
    const key = `${site}/${node}`;
    const boots = this.nodes.get(key) ?? new Map<number, WireStructures>();
    this.nodes.delete(key);
    this.nodes.set(key, boots);
    const known = boots.get(boot);
    boots.delete(boot);
    boots.set(boot, structures);
    while (boots.size > this.bootsPerNode) boots.delete(boots.keys().next().value!);
    while (this.nodes.size > this.maxNodes) this.nodes.delete(this.nodes.keys().next().value!);
    return known === undefined || known.revision !== structures.revision;
  }

  /**
   * The structures for a message of this boot with this revision. A boot whose birth was not seen is
   * read with another boot's structures of the same revision: the revision comes from the config hash,
   * so the same revision means the same config and the same names.
   */
  structuresFor(site: string, node: string, boot: number, revision: number): WireStructures | undefined {
    const boots = this.nodes.get(`${site}/${node}`);
    if (boots === undefined) return undefined;
    const exact = boots.get(boot);
    if (exact !== undefined && exact.revision === revision) return exact;
    for (const structures of boots.values()) if (structures.revision === revision) return structures;
    return undefined;
  }
}
