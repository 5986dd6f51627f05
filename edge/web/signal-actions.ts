import type { CommandHandler } from '../commands/command-handler.js';
import { manualStepHandler } from '../commands/handlers/manual-step.js';
import { monitorResetHandler } from '../commands/handlers/monitor-reset.js';
import { setModeHandler } from '../commands/handlers/set-mode.js';
import type { SignalService } from '../signal/signal-service.js';
import { HttpError } from './http-io.js';

/** The modes a technician may ask for; the controller itself decides when it is safe to change. */
export const WEB_MODES = ['normal', 'flash', 'all-red', 'manual'] as const;

/**
 * Anything that changes the signal needs `confirm: true` in the request besides the credential, so a
 * stray click, a replayed GET or a script that did not mean it cannot act. The page asks in a dialog.
 */
export function requireConfirmation(body: Record<string, unknown>, what: string): void {
  if (body.confirm !== true) throw new HttpError(428, `confirm: ${what} changes the signal; send { "confirm": true } with the request after asking the technician`);
}

/**
 * Mode, manual step and monitor reset run through the same handlers as the signed MQTT commands
 * (edge/commands/handlers), so the page obeys exactly what the controller and monitor allow remotely.
 */
export class SignalActions {
  private readonly setMode: CommandHandler;
  private readonly step: CommandHandler;
  private readonly reset: CommandHandler;

  constructor(signal: () => SignalService) {
    this.setMode = setModeHandler(signal);
    this.step = manualStepHandler(() => signal().phaseController());
    this.reset = monitorResetHandler(() => signal().conflictMonitor());
  }

  async mode(body: Record<string, unknown>): Promise<unknown> {
    const mode = body.mode;
    if (typeof mode !== 'string' || !(WEB_MODES as readonly string[]).includes(mode)) throw new HttpError(400, `mode: must be one of ${WEB_MODES.join(', ')}`);
    requireConfirmation(body, `mode ${mode}`);
    return this.setMode.run({ mode });
  }

  async manualStep(body: Record<string, unknown>): Promise<unknown> {
    requireConfirmation(body, 'a manual step');
    return this.step.run({});
  }

  async monitorReset(body: Record<string, unknown>): Promise<unknown> {
    requireConfirmation(body, 'a conflict monitor reset');
    return this.reset.run({ by: 'web page' });
  }
}
