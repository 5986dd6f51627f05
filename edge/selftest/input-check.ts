import type { Clock } from '../hal/clock.js';
import { GpioError, type GpioBinding, type PinSpec } from '../hal/gpio.js';
import { openDebouncedInput, type DebouncedInput } from '../hal/lines.js';
import type { CheckRow, SelftestCheck } from './selftest-check.js';
import { row } from './selftest-check.js';

/** A loop, push button or preempt input as in config signal.detectors / signal.preempt. */
export interface WatchedInput {
  id: string;
  kind: 'loop' | 'button' | 'preempt';
  pin: PinSpec;
  debounceMs: number;
}

export interface InputCheckOptions {
  gpio: GpioBinding;
  clock: Clock;
  inputs: readonly WatchedInput[];
  /** How long to watch for changes (a technician presses each button meanwhile); 0 = read the levels once. */
  watchMs: number;
  /** Told when the window opens, so the technician knows when to press. */
  onWatchStart?: (watchMs: number) => void;
}

const LEVEL_TEXT: Record<WatchedInput['kind'], readonly [string, string]> = {
  loop: ['clear', 'occupied'],
  button: ['released', 'pressed'],
  preempt: ['inactive', 'ACTIVE'],
};

/**
 * Inputs: each loop, push button and preempt input read through the same debounced, active-low-aware
 * layer the controller uses, with its level now and how many times it changed while watched.
 */
export function inputCheck(options: InputCheckOptions): SelftestCheck {
  return { name: 'inputs', timeoutMs: options.watchMs + 5000, run: () => watchInputs(options) };
}

async function watchInputs(options: InputCheckOptions): Promise<CheckRow[]> {
  const { gpio, clock, inputs, watchMs } = options;
  if (inputs.length === 0) return [row('inputs', 'pass', 'no loops, buttons or preempt input configured')];
  const opened: { input: WatchedInput; line: DebouncedInput; initial: number; changes: number }[] = [];
  try {
    for (const input of inputs) {
      const line = await openDebouncedInput(gpio, input.pin, clock, { edge: 'both', debounceMs: input.debounceMs });
      const entry = { input, line, initial: line.level() as number, changes: 0 };
      line.onChange(() => entry.changes++);
      opened.push(entry);
    }
    if (watchMs > 0) {
      options.onWatchStart?.(watchMs);
      await new Promise((resolve) => setTimeout(resolve, watchMs));
    }
    return opened.map(({ input, line, initial, changes }) => {
      const level = line.level();
      const name = `input ${input.id}`;
      const levelText = `${input.kind} ${LEVEL_TEXT[input.kind][level]} (level ${level})`;
      const measured = { level, initial, changes, watchS: watchMs / 1000 };
      if (input.kind === 'preempt' && level === 1) return row(name, 'warn', `${levelText}: an emergency preempt is asserted now; if no vehicle is calling, check the input wiring`, measured);
      if (input.kind === 'button' && level === 1 && changes === 0) return row(name, 'warn', `${levelText} throughout: a stuck button, or a wrong activeLow in the config`, measured);
      if (watchMs === 0) return row(name, 'pass', `${levelText}; run with --watch-inputs SECONDS and press or occupy it to see it change`, measured);
      if (changes === 0) return row(name, 'warn', `${levelText}, no change in ${watchMs / 1000} s: press the button or drive over the loop during the window to prove the wiring`, measured);
      return row(name, 'pass', `${levelText}, changed ${changes} times in ${watchMs / 1000} s`, measured);
    });
  } catch (error) {
    if (error instanceof GpioError && error.code === 'EBUSY') {
      return [row('inputs', 'fail', `an input line is held by another process (${error.message}); stop the running node first (systemctl stop nutgiao)`, { code: 'EBUSY' })];
    }
    throw error;
  } finally {
    for (const { line } of opened) await line.close().catch(() => undefined);
  }
}
