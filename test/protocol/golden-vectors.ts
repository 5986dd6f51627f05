/**
 * The golden vectors in golden-vectors.json: fixed messages and their exact wire bytes. v2 vectors carry
 * the structures of their birth and `wire`, the compact map any MessagePack reader sees; v1 vectors of
 * the kinds nodes now send as v2 are `decodeOnly` (receivers still read them, e.g. an old node's backlog).
 */
import { readFileSync } from 'node:fs';
import type { DecodeContext } from '../../protocol/codec.js';
import type { WireStructures } from '../../protocol/messages.js';
import type { TopicKind } from '../../protocol/topics.js';

export interface GoldenVector {
  name: string;
  topicKind: TopicKind;
  /** The message object, v1-shaped whatever the wire. */
  message: Record<string, unknown>;
  hex: string;
  structures?: WireStructures;
  wire?: Record<string, unknown>;
  decodeOnly?: true;
}

/** The decode context of a v2 vector (node and structures); undefined for a v1 one. */
export function contextOf(vector: GoldenVector): DecodeContext | undefined {
  const { structures } = vector;
  return structures === undefined ? undefined : { node: vector.message.node as string, structures: () => structures };
}

export const goldenVectors: GoldenVector[] = JSON.parse(
  readFileSync(new URL('./golden-vectors.json', import.meta.url), 'utf8'),
) as GoldenVector[];
