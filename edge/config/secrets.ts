/**
 * Secrets named in config ({ env } or { file }) read at startup, so a missing one stops the node with the
 * config path in the message rather than failing later as an MQTT "not authorised".
 */
import { readFileSync } from 'node:fs';
import type { Config } from './schema.js';

export type SecretsResult = { ok: true; mqttPassword?: string } | { ok: false; errors: string[] };

export type ReadTextFile = (path: string, encoding: 'utf8') => string;

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return error instanceof Error ? error.message : String(error);
}

/** A secret as config gives it: inline, from an environment variable, or from a file. */
export type Secret = string | { env: string } | { file: string };

/**
 * Reads one secret; a failure names the field (`mqtt.password.env: environment variable X is not set`).
 * A trailing newline in a file is dropped: `echo secret > file` leaves one that is not part of the secret.
 */
export function readSecret(
  field: string,
  secret: Secret,
  env: Record<string, string | undefined> = process.env,
  readFile: ReadTextFile = readFileSync,
): { ok: true; value: string } | { ok: false; error: string } {
  if (typeof secret === 'string') return { ok: true, value: secret };
  if ('env' in secret) {
    const value = env[secret.env];
    if (value === undefined || value === '') return { ok: false, error: `${field}.env: environment variable ${secret.env} is ${value === undefined ? 'not set' : 'empty'}` };
    return { ok: true, value };
  }
  let text: string;
  try {
    text = readFile(secret.file, 'utf8');
  } catch (error) {
    return { ok: false, error: `${field}.file: cannot read ${secret.file} (${readFailure(error)})` };
  }
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') return { ok: false, error: `${field}.file: ${secret.file} is empty` };
  return { ok: true, value };
}

export function resolveSecrets(
  config: Config,
  env: Record<string, string | undefined> = process.env,
  readFile: ReadTextFile = readFileSync,
): SecretsResult {
  const password = config.mqtt.password;
  if (password === undefined) return { ok: true };
  const read = readSecret('mqtt.password', password, env, readFile);
  return read.ok ? { ok: true, mqttPassword: read.value } : { ok: false, errors: [read.error] };
}
