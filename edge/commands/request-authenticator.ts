import type { KeyObject } from 'node:crypto';
import { parsePublicKey, verifyRequestSignature, type RequestAuth, type SignatureTarget } from '../../protocol/sign.js';
import type { RequestMessage } from '../../protocol/index.js';
import type { Clock } from '../hal/clock.js';
import type { CommandKey } from '../config/commands-schema.js';
import type { NonceStore } from './nonce-store.js';

export type AuthOutcome = { ok: true; key: string } | { ok: false; reason: string };

/**
 * Checks a request's `auth`: a known key, a valid Ed25519 signature over the canonical bytes, a
 * timestamp inside the window on the node's clock, and a nonce never seen before (then remembered).
 * The order matters: the nonce is recorded only for a request that is otherwise valid, so a forged
 * request cannot burn a legitimate nonce.
 */
export class RequestAuthenticator {
  private readonly keys = new Map<string, KeyObject>();

  constructor(
    keys: readonly CommandKey[],
    private readonly target: SignatureTarget,
    private readonly windowMs: number,
    private readonly nonces: NonceStore,
    private readonly clock: Clock,
  ) {
    for (const [index, key] of keys.entries()) {
      try {
        this.keys.set(key.id, parsePublicKey(key.publicKey));
      } catch (error) {
        throw new Error(`commands.keys[${index}].publicKey: ${(error as Error).message}`);
      }
    }
  }

  async check(request: RequestMessage & { auth?: unknown }): Promise<AuthOutcome> {
    if (request.auth === undefined) return { ok: false, reason: 'unsigned: this command must carry auth { key, nonce, sig } (sign it with protocol/sign.ts signRequest or nutgiao sign)' };
    const auth = parseAuth(request.auth);
    if (typeof auth === 'string') return { ok: false, reason: auth };
    const publicKey = this.keys.get(auth.key);
    if (!publicKey) return { ok: false, reason: `auth.key: unknown key "${auth.key}" (not in this node's commands.keys)` };
    if (!verifyRequestSignature(request, auth, this.target, publicKey)) {
      return { ok: false, reason: `auth.sig: bad signature for key "${auth.key}" (signed for another node, or the request was altered)` };
    }
    const now = this.clock.now();
    const skewMs = request.ts - now;
    if (Math.abs(skewMs) > this.windowMs) {
      return { ok: false, reason: `ts: ${Math.round(skewMs / 1000)} s from the node's clock, outside the ±${this.windowMs / 1000} s window (stale request or a clock to fix)` };
    }
    if (this.nonces.has(auth.nonce)) return { ok: false, reason: `auth.nonce: "${auth.nonce}" was already used (replayed request)` };
    const problem = await this.nonces.remember(auth.nonce, request.ts, now - this.windowMs);
    if (problem !== undefined) return { ok: false, reason: `auth.nonce: ${problem}` };
    return { ok: true, key: auth.key };
  }
}

function parseAuth(value: unknown): RequestAuth | string {
  if (value === null || typeof value !== 'object') return 'auth: expected a map { key, nonce, sig }';
  const { key, nonce, sig } = value as Record<string, unknown>;
  if (typeof key !== 'string' || key === '') return 'auth.key: expected the id of a key in commands.keys';
  if (typeof nonce !== 'string' || nonce.length < 8 || nonce.length > 128) return 'auth.nonce: expected a string of 8 to 128 characters, never reused';
  if (!(sig instanceof Uint8Array) || sig.length !== 64) return 'auth.sig: expected 64 bytes (a raw Ed25519 signature as MessagePack bin)';
  return { key, nonce, sig };
}
