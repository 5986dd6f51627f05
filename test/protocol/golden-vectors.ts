/** The golden vectors in golden-vectors.json: fixed messages and their exact v1 wire bytes. */
import { readFileSync } from 'node:fs';
import type { TopicKind } from '../../protocol/topics.js';

export interface GoldenVector {
  name: string;
  topicKind: TopicKind;
  message: Record<string, unknown>;
  hex: string;
}

export const goldenVectors: GoldenVector[] = JSON.parse(
  readFileSync(new URL('./golden-vectors.json', import.meta.url), 'utf8'),
) as GoldenVector[];
