/**
 * The names a v2 compact-wire decoder needs (protocol/compact-wire.ts), taken from the node's config in
 * the order the compact arrays use: count lines and zones per camera, signal groups and phases.
 */
import type { Config } from '../config/index.js';
import type { WireStructures } from '../../protocol/compact-wire.js';

export function wireStructuresFor(config: Config, revision: number): WireStructures {
  return {
    revision,
    counts: Object.fromEntries(config.cameras.map((camera) => [camera.id, { lines: camera.lines.map((line) => line.name), zones: camera.zones.map((zone) => zone.name) }])),
    signal: { groups: config.signal.groups.map((group) => group.id), phases: config.signal.phases.map((phase) => phase.id) },
  };
}
