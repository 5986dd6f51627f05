/**
 * The page's credentials read at startup (as mqtt.password is, edge/config/secrets.ts), and the rule that
 * a page reachable from the network must have one: it can put the intersection in flash.
 */
import { readFileSync } from 'node:fs';
import type { ReadTextFile } from '../config/secrets.js';
import { LOCAL_BIND_ADDRESSES, type WebConfig, type WebSecret } from '../config/web-schema.js';

export interface WebCredentials {
  /** null only when bound to localhost without web.token. */
  token: string | null;
  metricsToken: string | null;
}

/** Thrown when the page must not start; the message names the field and the fix. */
export class WebCredentialError extends Error {
  override name = 'WebCredentialError';
}

export function resolveWebCredentials(web: WebConfig, env: Record<string, string | undefined> = process.env, readFile: ReadTextFile = readFileSync): WebCredentials {
  const token = web.token === undefined ? null : readSecret('web.token', web.token, env, readFile);
  if (token === null && !LOCAL_BIND_ADDRESSES.includes(web.bind)) {
    throw new WebCredentialError(`web.token: the page is bound to ${web.bind} and anyone on that network could change the signal; set web.token (a string, { env: NAME } or { file: PATH }) or bind to 127.0.0.1`);
  }
  const metricsToken = web.metricsToken === undefined ? null : readSecret('web.metricsToken', web.metricsToken, env, readFile);
  return { token, metricsToken };
}

function readSecret(field: string, secret: WebSecret, env: Record<string, string | undefined>, readFile: ReadTextFile): string {
  if (typeof secret === 'string') return secret;
  if ('env' in secret) {
    const value = env[secret.env];
    if (value === undefined || value === '') throw new WebCredentialError(`${field}.env: environment variable ${secret.env} is ${value === undefined ? 'not set' : 'empty'}`);
    return value;
  }
  let text: string;
  try {
    text = readFile(secret.file, 'utf8');
  } catch (error) {
    throw new WebCredentialError(`${field}.file: cannot read ${secret.file} (${(error as Error).message})`);
  }
  // `echo secret > file` leaves a newline that is not part of the secret.
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') throw new WebCredentialError(`${field}.file: ${secret.file} is empty`);
  return value;
}
