/**
 * The node's side of an update, up to the switch: fetch (download or MQTT stream), verify, unpack into the
 * inactive slot, mark the trial, point `current` at the new slot. Every failure before the last step
 * leaves `current` as it was.
 */
import type { UpdateConfig } from '../config/update-schema.js';
import { verifyBundle } from './bundle.js';
import { downloadBundle } from './download.js';
import { inactiveSlot, installSlot, runsFromCurrent, currentLink, type Slot } from './slots.js';
import { beginUpdateTrial, readUpdateTrial } from './update-trial.js';

export interface InstalledRelease {
  version: string;
  slot: Slot;
}

export class UpdateUnavailable extends Error {}

/** Brings the bundle's bytes, bounded by the update settings; how it travels makes no difference after. */
export type FetchBundle = (settings: UpdateConfig) => Promise<Buffer>;

export const fetchFromUrl =
  (url: string): FetchBundle =>
  (settings) =>
    downloadBundle(url, { maxBytes: settings.maxBundleMiB * 1024 * 1024, timeoutMs: settings.downloadTimeoutS * 1000 });

export async function installRelease(options: { fetchBundle: FetchBundle; settings: UpdateConfig; releasesDir: string; packageRoot: string; version: string }): Promise<InstalledRelease> {
  const { settings, releasesDir } = options;
  const pending = await readUpdateTrial(releasesDir);
  if (pending) throw new UpdateUnavailable(`release ${pending.version} is still on trial: wait until it is confirmed or rolled back`);
  if (!(await runsFromCurrent(releasesDir, options.packageRoot))) {
    throw new UpdateUnavailable(
      `this node runs from ${options.packageRoot}, not through ${currentLink(releasesDir)}: updates need the layout scripts/install.sh makes (docs/install.md, "Releases and updates")`,
    );
  }
  const bundle = await options.fetchBundle(settings);
  const { manifest, files } = await verifyBundle(bundle, settings.keys);
  if (manifest.name !== 'nutgiao') throw new UpdateUnavailable(`the bundle is a release of ${JSON.stringify(manifest.name)}, not of nutgiao`);
  const slot = await inactiveSlot(releasesDir);
  await installSlot(releasesDir, slot, files);
  await beginUpdateTrial(releasesDir, { next: slot, version: manifest.version, fromVersion: options.version, healthyWithinS: settings.healthyWithinS }, options.packageRoot);
  return { version: manifest.version, slot };
}
