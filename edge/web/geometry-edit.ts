import type { CommandHandler } from '../commands/command-handler.js';
import { setConfigHandler } from '../commands/handlers/set-config.js';
import type { Config } from '../config/index.js';
import { HttpError } from './http-io.js';
import { requireConfirmation } from './signal-actions.js';

/**
 * The line and zone editor's save: the running config with one camera's lines and zones replaced, handed
 * to the set-config handler, so it is validated as a config file is (errors name the field), written as a
 * trial and applied by a restart that rolls back by itself if the node does not come up healthy.
 */
export class GeometryEdit {
  private readonly setConfig: CommandHandler;

  constructor(
    private readonly running: Config,
    private readonly configPath: string | null,
    trialS: number,
    stopAndExit: (reason: string, exitCode: number) => void,
  ) {
    this.setConfig = setConfigHandler(running, configPath, trialS, stopAndExit);
  }

  /** False when the node was not started from a writable config file (the shipped example). */
  get canSave(): boolean {
    return this.configPath !== null;
  }

  /** The new config is written; call `apply()` once the answer is sent (the node restarts). */
  async save(cameraId: string, body: Record<string, unknown>): Promise<unknown> {
    const index = this.running.cameras.findIndex((camera) => camera.id === cameraId);
    if (index < 0) throw new HttpError(404, `camera: no camera "${cameraId}" in the config (cameras: ${this.running.cameras.map((camera) => camera.id).join(', ') || 'none'})`);
    if (!Array.isArray(body.lines)) throw new HttpError(400, 'lines: must be the list of the camera\'s count lines');
    if (!Array.isArray(body.zones)) throw new HttpError(400, 'zones: must be the list of the camera\'s zones');
    requireConfirmation(body, 'saving lines and zones restarts the node (startup flash) and');
    // Plain data from here on: the set-config handler validates it as a whole.
    const config = structuredClone(this.running) as unknown as { cameras: Array<Record<string, unknown>> };
    config.cameras[index] = { ...config.cameras[index], lines: body.lines, zones: body.zones };
    return this.setConfig.run({ config });
  }

  apply(): void {
    this.setConfig.afterResponse?.();
  }
}
