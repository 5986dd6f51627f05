/**
 * The `commands` section: who may command the node over MQTT. Commands that can change a signal
 * (set-config, set-mode, manual-step, monitor-reset, restart) always need an Ed25519 signature by one of
 * `keys`; `signReadOnly` extends that to the read-only ones. Several keys may be listed at once, so a key
 * is rotated by a config change that adds the new key, then one that removes the old.
 */
import { Type, type Static } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;

export const CommandKeySchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', allowed: '1 to 64 letters, digits, _ . : or -' }),
    /** PEM (-----BEGIN PUBLIC KEY-----) or base64 of the raw 32-byte Ed25519 key. */
    publicKey: Type.String({
      pattern: '^\\s*(-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\\s]+-----END PUBLIC KEY-----|[A-Za-z0-9+/]{43}=)\\s*$',
      allowed: 'an Ed25519 public key as PEM or as base64 of its raw 32 bytes (generateCommandKeyPair in protocol/sign.ts makes a pair)',
    }),
  },
  strict,
);

export const CommandsSchema = Type.Object(
  {
    /** Off: the node does not subscribe to requests at all. */
    enabled: Type.Boolean({ default: true }),
    keys: Type.Array(CommandKeySchema, { default: [] }),
    /** A signed request's ts must be within this many seconds of the node's clock, either way. */
    timestampWindowS: Type.Integer({ minimum: 5, maximum: 3600, unit: 's', default: 60 }),
    /** Also require signatures on get-config, snapshot, selftest and replay. */
    signReadOnly: Type.Boolean({ default: false }),
    /** Nonces remembered (persisted in state.dir); more signed commands than this within one window are refused. */
    maxNonces: Type.Integer({ minimum: 100, maximum: 1_000_000, default: 10_000 }),
    /** A config sent by set-config must have the node connected to the broker within this, or it is rolled back. */
    configTrialS: Type.Integer({ minimum: 10, maximum: 3600, unit: 's', default: 120 }),
  },
  { ...strict, default: {} },
);

export type CommandsConfig = Static<typeof CommandsSchema>;
export type CommandKey = Static<typeof CommandKeySchema>;
