import type { ControllerMode } from '../../signal/controller/controller-events.js';
import type { SignalMode } from '../../../protocol/index.js';
import { CommandFailure, type CommandHandler } from '../command-handler.js';

export interface ModeControl {
  mode(): SignalMode;
  setMode(mode: ControllerMode): void;
}

/** set-mode: the controller changes mode at its next safe point; the `signal` messages show when. */
export function setModeHandler(signal: () => ModeControl): CommandHandler {
  return {
    name: 'set-mode',
    async run(args) {
      const mode = args.mode as ControllerMode;
      const control = signal();
      const previous = control.mode();
      try {
        control.setMode(mode);
      } catch (error) {
        throw new CommandFailure(`cannot switch to ${mode}: ${(error as Error).message}`);
      }
      return { mode, previous };
    },
  };
}
