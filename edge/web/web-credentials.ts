/**
 * The page's credentials read at startup (as mqtt.password is, edge/config/secrets.ts), and the rule that
 * a page reachable from the network must have one: it can put the intersection in flash.
 */
import { readFileSync } from 'node:fs';
import { readSecret, type ReadTextFile } from '../config/secrets.js';
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
  const token = web.token === undefined ? null : secretOrThrow('web.token', web.token, env, readFile);
  if (token === null && !LOCAL_BIND_ADDRESSES.includes(web.bind)) {
    throw new WebCredentialError(`web.token: the page is bound to ${web.bind} and anyone on that network could change the signal; set web.token (a string, { env: NAME } or { file: PATH }) or bind to 127.0.0.1`);
  }
  const metricsToken = web.metricsToken === undefined ? null : secretOrThrow('web.metricsToken', web.metricsToken, env, readFile);
  return { token, metricsToken };
}

function secretOrThrow(field: string, secret: WebSecret, env: Record<string, string | undefined>, readFile: ReadTextFile): string {
  const read = readSecret(field, secret, env, readFile);
  if (!read.ok) throw new WebCredentialError(read.error);
  return read.value;
}
