import type { Config } from '../../config/index.js';
import type { Clock } from '../../hal/clock.js';
import type { GpioBinding } from '../../hal/gpio.js';
import { openDebouncedInput, type DebouncedInput } from '../../hal/lines.js';

type SignalConfig = Config['signal'];

/** Where the physical inputs deliver their calls. */
export interface CallSink {
  placeCall(target: string, on: boolean, source: string): void;
  pedCall(target: string): void;
  setPreempt(active: boolean): void;
}

/**
 * The controller's physical inputs, debounced in logical levels: loops (a call held while occupied),
 * push buttons (a latched pedestrian call on press) and the preempt input (asserted = preempt).
 */
export class ControllerInputs {
  private constructor(
    private readonly inputs: ReadonlyArray<{ input: DebouncedInput; replay: (sink: CallSink) => void }>,
    private readonly removers: Array<() => void>,
  ) {}

  /** Opens every configured input; calls reach `sink()` once it returns a sink (before that they are dropped). */
  static async open(binding: GpioBinding, clock: Clock, signal: SignalConfig, sink: () => CallSink | null): Promise<ControllerInputs> {
    const opened: Array<{ input: DebouncedInput; replay: (sink: CallSink) => void }> = [];
    const removers: Array<() => void> = [];
    try {
      for (const detector of signal.detectors) {
        const target = detector.phase ?? detector.group!;
        const source = `detector:${detector.id}`;
        if (detector.kind === 'loop') {
          const input = await openDebouncedInput(binding, detector.input, clock, { edge: 'both', debounceMs: detector.debounceMs });
          removers.push(input.onChange((level) => sink()?.placeCall(target, level === 1, source)));
          opened.push({ input, replay: (to) => input.level() === 1 && to.placeCall(target, true, source) });
        } else {
          const input = await openDebouncedInput(binding, detector.input, clock, { edge: 'rising', debounceMs: detector.debounceMs });
          removers.push(input.onChange(() => sink()?.pedCall(target)));
          opened.push({ input, replay: () => undefined });
        }
      }
      if (signal.preempt) {
        const input = await openDebouncedInput(binding, signal.preempt.input, clock, { edge: 'both', debounceMs: signal.preempt.debounceMs });
        removers.push(input.onChange((level) => sink()?.setPreempt(level === 1)));
        opened.push({ input, replay: (to) => input.level() === 1 && to.setPreempt(true) });
      }
      return new ControllerInputs(opened, removers);
    } catch (error) {
      await Promise.allSettled(opened.map(({ input }) => input.close()));
      throw error;
    }
  }

  /** Hands the current held levels (occupied loops, an asserted preempt) to a sink that starts now. */
  replayLevels(sink: CallSink): void {
    for (const { replay } of this.inputs) replay(sink);
  }

  async close(): Promise<void> {
    for (const remove of this.removers) remove();
    await Promise.allSettled(this.inputs.map(({ input }) => input.close()));
  }
}
