/**
 * Ed25519 signatures on command requests, shared by the node (verifying) and the central side (signing).
 *
 * The signed bytes are the canonical MessagePack encoding (canonical-msgpack.ts) of the array
 *   ["nutgiao-request-v1", site, node, cmd, id, ts, nonce, args]
 * where `args` is the request's args map (an empty map when absent): map keys sorted by UTF-16 code unit
 * order, recursively; integers in the smallest MessagePack integer form, other numbers float64. Naming site and node in the signed bytes means a request signed for one node is refused by
 * every other; an array (not a map) means no key-order ambiguity at the top level.
 * The signature travels in the request as `auth: { key, nonce, sig }` (`sig` is 64 raw bytes).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalPack } from './canonical-msgpack.js';
import type { RequestMessage } from './messages.js';

export const SIGNATURE_DOMAIN = 'nutgiao-request-v1';

export interface RequestAuth {
  /** Id of the key in the node's `commands.keys`. */
  key: string;
  /** Never reused: the node refuses a nonce it has seen before. */
  nonce: string;
  /** Ed25519 signature over canonicalRequestBytes, 64 bytes. */
  sig: Uint8Array;
}

export type SignedRequest = RequestMessage & { auth: RequestAuth };

export interface SignatureTarget {
  site: string;
  node: string;
}

/** The exact bytes a request signature covers (see the module comment). */
export function canonicalRequestBytes(request: Pick<RequestMessage, 'cmd' | 'id' | 'ts' | 'args'>, nonce: string, target: SignatureTarget): Buffer {
  return canonicalPack([SIGNATURE_DOMAIN, target.site, target.node, request.cmd, request.id, request.ts, nonce, request.args ?? {}]);
}

// An Ed25519 SubjectPublicKeyInfo is this 12-byte DER header followed by the 32-byte key.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A public key from PEM (SPKI) or from base64 of the raw 32 bytes; throws with what was wrong. */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  if (trimmed.startsWith('-----BEGIN')) {
    key = createPublicKey(trimmed);
  } else {
    const raw = Buffer.from(trimmed, 'base64');
    if (raw.length !== 32) throw new Error(`a raw Ed25519 public key is 32 bytes, this one decodes to ${raw.length}`);
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 key, got ${key.asymmetricKeyType ?? 'an unknown type'}`);
  return key;
}

/** A fresh key pair: the private key as PEM (keep it central), the public key as base64 raw (for config). */
export function generateCommandKeyPair(): { privateKeyPem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey: spki.subarray(ED25519_SPKI_PREFIX.length).toString('base64') };
}

export interface Signer {
  keyId: string;
  /** PKCS#8 PEM or a KeyObject. */
  privateKey: string | KeyObject;
}

/** Adds `auth` to a request for one node; the nonce is random unless given. */
export function signRequest(request: RequestMessage, signer: Signer, target: SignatureTarget, nonce: string = randomBytes(16).toString('base64url')): SignedRequest {
  const key = typeof signer.privateKey === 'string' ? createPrivateKey(signer.privateKey) : signer.privateKey;
  const sig = sign(null, canonicalRequestBytes(request, nonce, target), key);
  return { ...request, auth: { key: signer.keyId, nonce, sig: new Uint8Array(sig) } };
}

/** True when `sig` is a valid signature by `publicKey` over the request's canonical bytes. */
export function verifyRequestSignature(request: Pick<RequestMessage, 'cmd' | 'id' | 'ts' | 'args'>, auth: RequestAuth, target: SignatureTarget, publicKey: KeyObject): boolean {
  if (auth.sig.length !== 64) return false;
  return verify(null, canonicalRequestBytes(request, auth.nonce, target), publicKey, auth.sig);
}
