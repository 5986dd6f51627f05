/** A short fingerprint of a validated config, reported in telemetry so the fleet can see who runs what. */
import { createHash } from 'node:crypto';
import type { Config } from './schema.js';

function withSortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSortedKeys);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = withSortedKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

/** sha256 (first 16 hex chars) of the config as canonical JSON, so key order does not matter. */
export function configHash(config: Config): string {
  return createHash('sha256').update(JSON.stringify(withSortedKeys(config))).digest('hex').slice(0, 16);
}
