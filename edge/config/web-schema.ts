/**
 * The technician's web page (edge/web): where it listens and the credential that guards it. Secrets, as
 * mqtt.password, may come from the environment or a file so they never have to sit in the config.
 */
import { Type, type Static } from '@sinclair/typebox';

const SecretSchema = Type.Union(
  [
    Type.String({ minLength: 8 }),
    Type.Object({ env: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', allowed: 'an environment variable name' }) }, { additionalProperties: false }),
    Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  ],
  { allowed: 'a string of at least 8 characters, { env: VARIABLE_NAME } or { file: PATH }' },
);

export const WebSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    /** Off localhost the page needs web.token: it can put the intersection in flash. */
    bind: Type.String({ minLength: 1, default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 1, maximum: 65_535, default: 8080 }),
    /** The password or token a technician gives at the login form (or as `Authorization: Bearer`). */
    token: Type.Optional(SecretSchema),
    /** If set, GET /metrics needs `Authorization: Bearer <metricsToken>`; otherwise it is open on the bind address. */
    metricsToken: Type.Optional(SecretSchema),
    /** Live camera stream: frames per second and the longer side of the downscaled JPEG. */
    streamFps: Type.Number({ minimum: 0.5, maximum: 15, unit: 'fps', default: 4 }),
    streamMaxSide: Type.Integer({ minimum: 160, maximum: 1920, unit: 'px', default: 480 }),
  },
  { additionalProperties: false, default: {} },
);

export type WebConfig = Static<typeof WebSchema>;
export type WebSecret = NonNullable<WebConfig['token']>;

/** Addresses only this machine can reach: the one case where the page may run without a credential. */
export const LOCAL_BIND_ADDRESSES: readonly string[] = ['127.0.0.1', '::1', 'localhost'];

/** Cross-field rule: a page reachable from the network must have a credential (it can put the intersection in flash). */
export function checkWebConfig(web: WebConfig): string[] {
  if (!web.enabled || web.token !== undefined || LOCAL_BIND_ADDRESSES.includes(web.bind)) return [];
  return [`web.token: the page is bound to ${web.bind} and anyone on that network could change the signal; set web.token (a string, { env: NAME } or { file: PATH }) or bind to 127.0.0.1`];
}
