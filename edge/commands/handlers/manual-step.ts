import type { StepResult } from '../../signal/controller/index.js';
import { CommandFailure, type CommandHandler } from '../command-handler.js';

/** manual-step: one phase advance in manual mode (the controller still times minimum green and clearance). */
export function manualStepHandler(controller: () => { step(): StepResult }): CommandHandler {
  return {
    name: 'manual-step',
    async run() {
      const step = controller().step();
      if (step === 'not-manual') throw new CommandFailure('the controller is not in manual mode: send set-mode { mode: manual } first');
      return { step };
    },
  };
}
