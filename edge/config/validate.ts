/** Config validation: defaults, then the schema, then the cross-field checks, all errors in one list. */
import { Value } from '@sinclair/typebox/value';
import { CROSS_CHECKS, type CrossCheck } from './cross-check.js';
import { applyDefaults } from './defaults.js';
import { ConfigSchema, IdSchema, type Config } from './schema.js';
import { formatSchemaError, schemaErrors, type SchemaError } from './schema-errors.js';

export type ValidationResult = { ok: true; config: Config } | { ok: false; errors: string[] };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `path` is `prefix`, inside it, or contains it (`signal` contains `signal.phases`). */
function overlaps(path: string, prefix: string): boolean {
  const within = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return path === '(root)' || within(path, prefix) || within(prefix, path);
}

/** A check is skipped when a part it reads is missing or malformed; unknown fields leave the data readable. */
function canRun(check: CrossCheck, errors: readonly SchemaError[]): boolean {
  return !errors.some((error) => error.kind !== 'unknown-field' && check.reads.some((read) => overlaps(error.path, read)));
}

/**
 * signal.ring defaults to the phases in order: a default that depends on another field, so the schema
 * cannot state it. Returns whether the ring was derived, since then its errors are the phases' errors.
 */
function withDerivedRing(value: unknown): { value: unknown; ringDerived: boolean } {
  if (!isPlainObject(value) || !isPlainObject(value.signal) || value.signal.ring !== undefined) {
    return { value, ringDerived: false };
  }
  const phases = Array.isArray(value.signal.phases) ? (value.signal.phases as unknown[]) : [];
  const ids = phases.filter(isPlainObject).map((phase) => phase.id).filter((id) => Value.Check(IdSchema, id));
  return { value: { ...value, signal: { ...value.signal, ring: ids } }, ringDerived: true };
}

/** Validates a parsed config (any JSON-like value); `raw` is not modified. */
export function validateConfig(raw: unknown): ValidationResult {
  if (raw === undefined || raw === null) return { ok: false, errors: ['(root): the config is empty'] };
  const { value, ringDerived } = withDerivedRing(applyDefaults(ConfigSchema, raw));
  const schemaFindings = schemaErrors(ConfigSchema, value);
  // Checks run only on parts the schema accepted, so this cast holds for everything they read.
  const config = value as Config;
  const crossErrors = CROSS_CHECKS.filter((check) => canRun(check, schemaFindings)).flatMap((check) => check.run(config));
  const shown = ringDerived ? schemaFindings.filter((error) => !overlaps(error.path, 'signal.ring')) : schemaFindings;
  const errors = [...shown.map(formatSchemaError), ...crossErrors];
  return errors.length === 0 ? { ok: true, config } : { ok: false, errors };
}
