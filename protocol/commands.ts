/**
 * The v1 commands: for each, whether it can change a signal (then it must be signed, see sign.ts), the
 * schema of its `args`, and what its `result` holds. Shared by the node, the central side and the AsyncAPI
 * document, so the three cannot disagree.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ID_PATTERN } from './topics.js';

const Count = Type.Integer({ minimum: 0 });
const NoArgs = Type.Object({}, { description: 'no arguments' });

/** A streamed bundle's chunks are at most this big (what brokers and small MQTT clients take comfortably). */
export const MAX_UPDATE_CHUNK_BYTES = 64 * 1024;
export const MIN_UPDATE_CHUNK_BYTES = 1024;

/**
 * `update` by MQTT: the central side publishes the bundle in `chunks` pieces of `chunkSize` bytes (the last
 * one shorter) on update-stream/<transferId>/<index> (topics.ts), once the node announced the transfer with
 * an update.stream-open event. The chunks are unsigned; this signed descriptor pins their sum by size and hash.
 */
export const UpdateStreamSchema = Type.Object(
  {
    transferId: Type.String({ pattern: ID_PATTERN, description: 'names the transfer in the chunk topics; new for each bundle' }),
    size: Type.Integer({ minimum: 1, maximum: 4 * 1024 ** 3, description: 'bytes of the bundle; bounded by update.maxBundleMiB' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the whole bundle, lower-case hex' }),
    chunkSize: Type.Integer({ minimum: MIN_UPDATE_CHUNK_BYTES, maximum: MAX_UPDATE_CHUNK_BYTES, description: 'bytes of every chunk but the last' }),
    chunks: Type.Integer({ minimum: 1, maximum: 4_194_304, description: 'number of chunks: ceil(size / chunkSize)' }),
  },
  { description: 'a bundle streamed over MQTT on update-stream/<transferId>/<index>' },
);
export type UpdateStream = Static<typeof UpdateStreamSchema>;

export const CONTROLLER_MODES = ['normal', 'flash', 'all-red', 'manual'] as const;

export interface CommandSpec {
  /** Signal-changing commands always need a valid signature, a fresh timestamp and a new nonce. */
  changesSignal: boolean;
  summary: string;
  args: TSchema;
  result: string;
}

export const COMMANDS = {
  'get-config': {
    changesSignal: false,
    summary: 'The config the node runs, with its hash.',
    args: NoArgs,
    result: '{ config: map, hash: string } (secrets named by { env } or { file } are shown by reference, never resolved)',
  },
  'set-config': {
    changesSignal: true,
    summary: 'Replaces the whole config: validated like a config file, written atomically, applied by a restart, rolled back if the node does not come up healthy.',
    args: Type.Object({ config: Type.Record(Type.String(), Type.Unknown(), { description: 'the complete new config, as in the YAML/JSON file' }) }),
    result: "{ restarting: true, exitCode: 75, trialS } (then the node restarts into it; event config.applied once it is up, or config.reverted and the previous config); status error lists the config's errors by path",
  },
  'set-mode': {
    changesSignal: true,
    summary: 'Switches the phase controller to normal, flash, all-red or manual operation.',
    args: Type.Object({ mode: Type.Union(CONTROLLER_MODES.map((mode) => Type.Literal(mode))) }),
    result: '{ mode: string, previous: string } (the controller changes mode at the next safe point; watch `signal`)',
  },
  'manual-step': {
    changesSignal: true,
    summary: 'In manual mode, ends the current phase (after its minimum green) and moves to the next.',
    args: NoArgs,
    result: "{ step: 'accepted' | 'queued' } ('queued': taken once the minimum green has run); refused with status error outside manual mode",
  },
  'monitor-reset': {
    changesSignal: true,
    summary: 'Clears a latched conflict-monitor fault once its condition is gone.',
    args: Type.Object({ by: Type.String({ minLength: 1, maxLength: 128, description: 'who resets, for the audit trail' }) }),
    result: '{ cleared: fault | null } (null when nothing was latched); status error with the reason when the fault is still present',
  },
  restart: {
    changesSignal: true,
    summary: 'Stops the node cleanly (lamps safe, death sent) and exits for the process supervisor to start it again.',
    args: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 256 })) }),
    result: '{ restarting: true, exitCode: number } (sent before the node stops; the next birth has a new boot id)',
  },
  update: {
    changesSignal: true,
    summary:
      'Installs a signed release bundle (nutgiao release) beside the running one (A/B slots), fetched from a URL or streamed over MQTT in chunks, switches to it by a restart, and rolls back by itself if it does not come up healthy within update.healthyWithinS.',
    args: Type.Object(
      {
        url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048, description: 'http or https URL of the bundle; size and time bounded by update.maxBundleMiB and update.downloadTimeoutS' })),
        stream: Type.Optional(UpdateStreamSchema),
      },
      { description: 'exactly one of url and stream' },
    ),
    result:
      "{ restarting: true, exitCode: 75, version, fromVersion, slot: 'a' | 'b', healthyWithinS } (then the node restarts into the new release; event update.applied once it is up, or update.rolled-back with the reason and the old release running); status error, with the old release still running, for a bad signature, a key not in update.keys, a truncated or altered bundle, a hash mismatch, a release for another CPU or Node, a failed download, or a stream with chunks missing after update.streamChunkTimeoutS (the error names them: send the command again with the same stream and publish them)",
  },
  selftest: {
    changesSignal: false,
    summary: 'A basic self-test: config valid, lamp sensing readable, monitor not latched, cameras delivering frames, broker round trip.',
    args: NoArgs,
    result: '{ passed: boolean, checks: [{ name, ok, detail }] } (status ok even when a check fails: the test ran)',
  },
  snapshot: {
    changesSignal: false,
    summary: "A JPEG of a camera's next frame, its privacy masks blanked.",
    args: Type.Object({
      camera: Type.String({ pattern: ID_PATTERN }),
      maxSide: Type.Optional(Type.Integer({ minimum: 16, maximum: 4096, description: 'longer side of the image at most this, px (default 640)' })),
      quality: Type.Optional(Type.Integer({ minimum: 10, maximum: 95, description: 'JPEG quality (default 75)' })),
    }),
    result: '{ camera, width, height, capturedAt: ms on the node clock, masksBlanked: number, jpeg: bytes (MessagePack bin) }; error when the camera is unknown, delivers no frame in 3 s, or the JPEG would exceed 240 KiB',
  },
  replay: {
    changesSignal: false,
    summary: 'Sends a range of sequenced messages of one boot again, flagged historical, while the durable log still holds it.',
    args: Type.Object({ boot: Count, fromSeq: Count, toSeq: Count }),
    result: '{ requested: number, found: number } (answered once the found messages were sent again on their own topics, flagged historical; requested - found are no longer in the log)',
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;
export type CommandArgs<C extends CommandName> = Static<(typeof COMMANDS)[C]['args']>;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name) && new RegExp(ID_PATTERN).test(name);
}
