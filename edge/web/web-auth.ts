import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'nutgiao_session';
/** A technician's visit; after this the login form asks again. */
const SESSION_MS = 12 * 3600_000;
const MAX_SESSIONS = 64;

/** Compares through digests so neither the length nor the content leaks through timing. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function bearer(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match ? match[1]! : null;
}

function cookie(request: IncomingMessage, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

/**
 * Who may use the page: the token as `Authorization: Bearer`, or a session cookie (HttpOnly,
 * SameSite=Strict, so another site's page cannot ride on it) given by the login form. Sessions live in
 * memory: a restart logs everyone out, which is fine for a technician at the cabinet.
 */
export class WebAuth {
  private readonly sessions = new Map<string, number>();

  constructor(
    private readonly token: string | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the page runs without a credential (bound to localhost, no web.token). */
  get open(): boolean {
    return this.token === null;
  }

  allows(request: IncomingMessage): boolean {
    if (this.token === null) return true;
    const given = bearer(request);
    if (given !== null) return sameSecret(given, this.token);
    const session = cookie(request, SESSION_COOKIE);
    if (session === null) return false;
    const expires = this.sessions.get(session);
    if (expires === undefined) return false;
    if (expires < this.now()) {
      this.sessions.delete(session);
      return false;
    }
    return true;
  }

  /** A Set-Cookie header value for a correct token, else null. */
  login(given: string): string | null {
    if (this.token !== null && !sameSecret(given, this.token)) return null;
    for (const [id, expires] of this.sessions) if (expires < this.now()) this.sessions.delete(id);
    // The oldest session gives way, so repeated logins cannot grow the map.
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, this.now() + SESSION_MS);
    return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`;
  }

  logout(request: IncomingMessage): string {
    const session = cookie(request, SESSION_COOKIE);
    if (session !== null) this.sessions.delete(session);
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }
}
