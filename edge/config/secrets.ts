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

export function resolveSecrets(
  config: Config,
  env: Record<string, string | undefined> = process.env,
  readFile: ReadTextFile = readFileSync,
): SecretsResult {
  const password = config.mqtt.password;
  if (password === undefined) return { ok: true };
  if (typeof password === 'string') return { ok: true, mqttPassword: password };

  if ('env' in password) {
    const value = env[password.env];
    if (value === undefined) {
      return { ok: false, errors: [`mqtt.password.env: environment variable ${password.env} is not set`] };
    }
    if (value === '') return { ok: false, errors: [`mqtt.password.env: environment variable ${password.env} is empty`] };
    return { ok: true, mqttPassword: value };
  }

  let text: string;
  try {
    text = readFile(password.file, 'utf8');
  } catch (error) {
    return { ok: false, errors: [`mqtt.password.file: cannot read ${password.file} (${readFailure(error)})`] };
  }
  // `echo secret > file` leaves a newline that is not part of the password.
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') return { ok: false, errors: [`mqtt.password.file: ${password.file} is empty`] };
  return { ok: true, mqttPassword: value };
}
