/** The example config as a fresh, freely mutable value: each bad-config case is a small edit of it. */
import { readFileSync } from 'node:fs';
import { EXAMPLE_CONFIG_PATH, parseConfigText } from '../../edge/config/index.js';

export const EXAMPLE_TEXT = readFileSync(EXAMPLE_CONFIG_PATH, 'utf8');

// Cases write wrong types on purpose, so the raw value is untyped.
export type RawConfig = any;

const EXAMPLE_RAW = parseConfigText(EXAMPLE_TEXT, EXAMPLE_CONFIG_PATH);

export function exampleRaw(): RawConfig {
  return structuredClone(EXAMPLE_RAW);
}

/** A group on lines not used by the example (which uses 0..32), so adding it reuses no pin. */
export function spareVehicleGroup(id: string): RawConfig {
  return { id, kind: 'vehicle', outputs: { red: { line: 40 }, amber: { line: 41 }, green: { line: 42 } } };
}
