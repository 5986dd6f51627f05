/**
 * The names a v2 compact-wire decoder needs (protocol/compact-wire.ts), taken from the node's config in
 * the order the compact arrays use: count lines and zones per camera, signal groups and phases.
 */
import type { Config } from '../config/index.js';
import type { WireStructures } from '../../protocol/compact-wire.js';

/**
 * The structures revision of a config: its hash's first 32 bits, so every boot of the same config has
 * the same revision and a receiver can read a backlog of a boot whose birth it missed with the
 * structures of another boot of that config.
 */
export function structuresRevision(configHash: string): number {
  const revision = Number.parseInt(configHash.slice(0, 8), 16);
  return Number.isInteger(revision) ? revision : 0;
}

export function wireStructuresFor(config: Config, revision: number): WireStructures {
  return {
    revision,
    counts: Object.fromEntries(config.cameras.map((camera) => [camera.id, { lines: camera.lines.map((line) => line.name), zones: camera.zones.map((zone) => zone.name) }])),
    signal: { groups: config.signal.groups.map((group) => group.id), phases: config.signal.phases.map((phase) => phase.id) },
  };
}
