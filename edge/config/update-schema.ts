/**
 * The `update` section: which release keys the node trusts for remote updates (the signed `update`
 * command, edge/update/), and how long a new release has to come up healthy before it is rolled back.
 * Release keys are kept apart from command keys: who may operate a signal need not be who may replace
 * the code, and a release key can stay offline at the build machine.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CommandKeySchema } from './commands-schema.js';

export const UpdateSchema = Type.Object(
  {
    /** Ed25519 release keys (same form as commands.keys); empty: the node accepts no update. */
    keys: Type.Array(CommandKeySchema, { default: [] }),
    /** The new release must be connected to the broker within this, or the previous one is restored. */
    healthyWithinS: Type.Integer({ minimum: 10, maximum: 3600, unit: 's', default: 120 }),
    /** A bundle larger than this is refused before or while it downloads. */
    maxBundleMiB: Type.Integer({ minimum: 1, maximum: 2048, unit: 'MiB', default: 200 }),
    /** The whole download must finish within this. */
    downloadTimeoutS: Type.Integer({ minimum: 5, maximum: 3600, unit: 's', default: 600 }),
    /** A bundle streamed over MQTT fails, naming the chunks still missing, when no new chunk came for this long. */
    streamChunkTimeoutS: Type.Integer({ minimum: 1, maximum: 600, unit: 's', default: 30 }),
  },
  { additionalProperties: false, default: {} },
);

export type UpdateConfig = Static<typeof UpdateSchema>;
