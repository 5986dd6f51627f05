import type { Config } from '../../config/index.js';
import type { Clock, TimerHandle } from '../../hal/clock.js';
import type { GpioBinding } from '../../hal/gpio.js';
import type { Logger } from '../../log.js';
import type { LampMask, SignalHeads } from '../signal-heads.js';
import type { GroupAspects } from './aspects.js';
import { ControllerCore, type ControllerSnapshot, type StepResult } from './controller-core.js';
import type { ControllerEvent, ControllerEventType, ControllerMode } from './controller-events.js';
import { ControllerInputs, type CallSink } from './controller-inputs.js';
import { Flasher } from './flasher.js';
import { lampsFor, writeLamps } from './lamp-writer.js';

export interface PhaseControllerOptions {
  signal: Config['signal'];
  heads: SignalHeads;
  clock: Clock;
  log: Logger;
  /** Binding of the detector and preempt inputs; without it only API calls reach the controller. */
  gpio?: GpioBinding;
  /**
   * Controller tick; intervals are timed to within one tick, never shorter. Default 10 ms, so interval
   * ends land within ±20 ms of plan on a busy node; the core's advance() costs microseconds.
   */
  tickMs?: number;
  flashHalfPeriodMs?: number;
  /** Called on every tick, after the aspects are decided (the conflict monitor's watchdog feed). */
  heartbeat?: () => void;
  /** Told whether red-fail monitoring applies (the controller drives steady lamps) or not (flash). */
  onRedMonitoring?: (enabled: boolean) => void;
  /** A lamp write failed: the heads were released to cabinet flash and the controller stopped. */
  onFault?: (error: Error) => void;
}

/**
 * The phase controller on real outputs: ticks the pure ControllerCore on the clock, shows its aspects
 * on the signal heads (steady lamps, and flashing ones in step with a clock-derived flasher), feeds it
 * the debounced loops, buttons and preempt input, and exposes calls, modes and events to the node.
 */
export class PhaseController {
  private core: ControllerCore | null = null;
  private timer: TimerHandle | undefined;
  private readonly flasher: Flasher;
  private readonly tickMs: number;
  private inputs: ControllerInputs | null = null;
  private readonly pending: Array<(core: ControllerCore) => void> = [];
  private readonly listeners = new Set<(event: ControllerEvent) => void>();
  private shown = new Map<string, LampMask>();
  private writing: Promise<void> | null = null;
  private rewriteWanted = false;
  private stopped = false;
  /** A lamp test has the heads (see suspendOutputs): timing and heartbeat go on, nothing is written. */
  private outputsSuspended = false;

  constructor(private readonly options: PhaseControllerOptions) {
    this.tickMs = options.tickMs ?? 10;
    this.flasher = new Flasher(options.flashHalfPeriodMs ?? 500);
  }

  /** Opens the inputs and starts the startup sequence (the conflict monitor energises the flash-transfer relay). */
  async start(): Promise<void> {
    const { signal, clock, gpio, heads } = this.options;
    if (gpio) this.inputs = await ControllerInputs.open(gpio, clock, signal, () => this.sink());
    // Created only now: the startup flash and all red are timed from when the lamps show them.
    const core = new ControllerCore(signal, clock.monotonic(), clock.now());
    this.core = core;
    core.events.on((event) => this.dispatch(event));
    this.options.onRedMonitoring?.(false); // the startup flash comes first
    for (const apply of this.pending.splice(0)) apply(core);
    this.inputs?.replayLevels(this.sink()!);
    this.tick();
    this.timer = clock.setRepeating(() => this.tick(), this.tickMs);
    await this.writing;
  }

  /** Stops ticking and closes the inputs; the lamps keep their last state (the node releases the heads). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.inputs?.close();
    await this.writing?.catch(() => undefined);
  }

  /**
   * Stops writing the heads until resumeOutputs(), once the write in progress is done: a running node's
   * lamp test drives them, with the intersection in cabinet flash. Ticks, timing and the monitor's
   * heartbeat go on.
   */
  async suspendOutputs(): Promise<void> {
    this.outputsSuspended = true;
    await this.writing?.catch(() => undefined);
  }

  /** Writes the heads again from what they show now (the lamp test left them dark); resolves once written. */
  async resumeOutputs(): Promise<void> {
    this.outputsSuspended = false;
    this.shown = new Map();
    this.render();
    await this.writing?.catch(() => undefined);
  }

  /** Every controller event; returns a remover. */
  on(listener: (event: ControllerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onType<T extends ControllerEventType>(type: T, listener: (event: Extract<ControllerEvent, { type: T }>) => void): () => void {
    return this.on((event) => {
      if (event.type === type) listener(event as Extract<ControllerEvent, { type: T }>);
    });
  }

  /** Presence-style vehicle call on a phase, or on the phases serving a group (a camera zone's group). */
  placeCall(groupOrPhaseId: string, on: boolean, source = 'api'): void {
    this.withCore((core) => core.placeCall(groupOrPhaseId, on, source));
  }

  /** One vehicle actuation from a named source (a camera zone, a counted vehicle). */
  call(phaseId: string, source = 'api'): void {
    this.withCore((core) => core.call(phaseId));
    this.options.log.debug('call', { phase: phaseId, source });
  }

  pedCall(groupOrPhaseId: string): void {
    this.withCore((core) => core.pedCall(groupOrPhaseId));
  }

  setPreempt(active: boolean): void {
    this.withCore((core) => core.setPreempt(active));
  }

  setMode(mode: ControllerMode): void {
    this.withCore((core) => core.setMode(mode));
  }

  step(): StepResult {
    if (!this.core) return 'not-manual';
    return this.core.step();
  }

  snapshot(): ControllerSnapshot | null {
    return this.core?.snapshot() ?? null;
  }

  aspects(): Readonly<GroupAspects> | null {
    return this.core?.aspects() ?? null;
  }

  private sink(): CallSink | null {
    return this.core === null ? null : { placeCall: (target, on, source) => this.placeCall(target, on, source), pedCall: (target) => this.pedCall(target), setPreempt: (active) => this.setPreempt(active) };
  }

  /** Before start, commands wait for the core; bad targets throw to the caller either way. */
  private withCore(apply: (core: ControllerCore) => void): void {
    if (this.core) apply(this.core);
    else this.pending.push(apply);
  }

  private dispatch(event: ControllerEvent): void {
    if (event.type === 'red-monitoring') this.options.onRedMonitoring?.(event.enabled);
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.options.log.error('controller event listener failed', { event: event.type, error: error as Error });
      }
    }
  }

  private tick(): void {
    const core = this.core;
    if (!core || this.stopped) return;
    const { clock } = this.options;
    core.advance(clock.monotonic(), clock.now());
    this.options.heartbeat?.();
    this.render();
  }

  /** Writes the lamps the aspects call for now; one write sequence at a time, the latest state wins. */
  private render(): void {
    if (this.outputsSuspended) return;
    if (this.writing) {
      this.rewriteWanted = true;
      return;
    }
    const next = this.lampMasks();
    if (!this.differs(next)) return;
    this.writing = writeLamps(this.options.heads, next)
      .then(() => {
        this.shown = next;
      })
      .catch((error: unknown) => this.fail(error as Error))
      .finally(() => {
        this.writing = null;
        if (this.rewriteWanted && !this.stopped) {
          this.rewriteWanted = false;
          this.render();
        }
      });
  }

  private lampMasks(): Map<string, LampMask> {
    const aspects = this.core!.aspects();
    const flashOn = this.flasher.isOn(this.options.clock.monotonic());
    const masks = new Map<string, LampMask>();
    for (const group of this.options.signal.groups) masks.set(group.id, lampsFor(group.kind, aspects[group.id]!, flashOn));
    return masks;
  }

  private differs(next: ReadonlyMap<string, LampMask>): boolean {
    if (this.shown.size !== next.size) return true;
    for (const [id, mask] of next) if (this.shown.get(id) !== mask) return true;
    return false;
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.options.log.error('lamp write failed; releasing the heads to cabinet flash', { error });
    void this.options.heads.release().catch((releaseError: unknown) => this.options.log.error('release failed', { error: releaseError as Error }));
    this.options.onFault?.(error);
  }
}
