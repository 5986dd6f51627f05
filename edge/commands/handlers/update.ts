import type { UpdateStream } from '../../../protocol/commands.js';
import type { UpdateConfig } from '../../config/update-schema.js';
import { CommandFailure, type CommandHandler } from '../command-handler.js';
import { fetchFromUrl, installRelease, type FetchBundle, type InstalledRelease } from '../../update/install-release.js';
import type { UpdateStreamReceiver } from '../../update/stream-receiver.js';
import { RESTART_EXIT_CODE } from './restart.js';

/** Where a bundle came from, for the refusal event: its URL or its MQTT transfer. */
export type BundleOrigin = { url: string } | { transferId: string };

export interface UpdateContext {
  settings: UpdateConfig;
  /** state.dir/releases: the A/B slots and the `current` pointer (edge/update/slots.ts). */
  releasesDir: string;
  /** The package this process runs from. */
  packageRoot: string;
  version: string;
  /** Takes bundles streamed over MQTT (args.stream). */
  streams: UpdateStreamReceiver;
  stopAndExit: (reason: string, exitCode: number) => void;
  /** Publishes why an update was refused (the answer says it too). */
  refused: (reason: string, origin: BundleOrigin) => void;
}

/**
 * update: fetches a signed release bundle from args.url or receives it streamed over MQTT (args.stream),
 * verifies it, installs it in the inactive slot, switches to it and restarts; the new release is rolled
 * back if it does not come up healthy (edge/update/). Anything wrong before the switch leaves the running
 * release untouched and is the answer's error.
 */
export function updateHandler(context: UpdateContext): CommandHandler {
  let installed: InstalledRelease | null = null;
  let busy = false;
  return {
    name: 'update',
    async run(args) {
      if (busy) throw new CommandFailure('an update is already being installed: wait for its answer');
      const { origin, fetchBundle } = bundleSource(args, context.streams);
      busy = true;
      try {
        installed = await installRelease({ ...context, fetchBundle });
      } catch (error) {
        const reason = (error as Error).message;
        context.refused(reason, origin);
        throw new CommandFailure(`update refused, ${context.version} keeps running: ${reason}`);
      } finally {
        busy = false;
      }
      return { restarting: true, exitCode: RESTART_EXIT_CODE, version: installed.version, fromVersion: context.version, slot: installed.slot, healthyWithinS: context.settings.healthyWithinS };
    },
    afterResponse() {
      if (installed) context.stopAndExit(`updating to release ${installed.version}`, RESTART_EXIT_CODE);
    },
  };
}

function bundleSource(args: Record<string, unknown>, streams: UpdateStreamReceiver): { origin: BundleOrigin; fetchBundle: FetchBundle } {
  const { url, stream } = args as { url?: string; stream?: UpdateStream };
  if ((url === undefined) === (stream === undefined)) throw new CommandFailure('args: give exactly one of url (download) and stream (chunks over MQTT)');
  if (url !== undefined) return { origin: { url }, fetchBundle: fetchFromUrl(url) };
  return { origin: { transferId: stream!.transferId }, fetchBundle: () => streams.receive(stream!) };
}
