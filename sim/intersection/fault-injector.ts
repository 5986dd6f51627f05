import type { Clock, TimerHandle } from '../../edge/hal/clock.js';
import type { PinSpec } from '../../edge/hal/gpio.js';
import type { MonitorEvent } from '../../edge/signal/monitor/conflict-monitor.js';
import type { SimGpioBinding } from '../sim-gpio.js';
import type { SimLamps } from '../sim-lamps.js';
import type { FaultSpec } from './fault-spec.js';

/** What became of one injected fault. Times are simulated seconds since the run began. */
export interface FaultOutcome {
  spec: string;
  kind: FaultSpec['kind'];
  injectedAtS: number;
  /** When the lamps first differed from what the controller commanded (null: never, e.g. a stuck-on lamp that was meant to be on). */
  manifestAtS: number | null;
  detected: boolean;
  /** The monitor fault kind that tripped. */
  detectedAs: string | null;
  detectedAtS: number | null;
  /** From the fault's first visible effect (or its injection, for a hang) to the trip. */
  detectionLatencyMs: number | null;
  /** From the fault's first visible effect to the flash-transfer relay releasing (the cabinet flashing). */
  timeToFlashMs: number | null;
  /** The fault was repaired and the monitor reset by the simulated technician (so later faults count on their own). */
  repairedAtS: number | null;
  note?: string;
}

export interface FaultInjectorOptions {
  clock: Clock;
  gpio: SimGpioBinding;
  lamps: SimLamps;
  groups: ReadonlyArray<{ id: string; outputs: Readonly<Record<string, PinSpec>> }>;
  flashRelay?: PinSpec;
  /** Stops the controller without touching the lamps (a hung controller). */
  hangController: () => Promise<void>;
  /** A technician's reset of the conflict monitor; false while it is refused. */
  resetMonitor: () => Promise<boolean>;
  /** How long after a trip the simulated technician repairs the fault and resets, ms. */
  repairAfterMs?: number;
}

const MANIFEST_POLL_MS = 5;
const RESET_RETRY_MS = 1000;

interface ActiveFault {
  spec: FaultSpec;
  outcome: FaultOutcome;
  manifestTimer: TimerHandle | undefined;
}

/**
 * Injects `--faults` on the simulated clock and follows each one: when it shows at the lamps, when the
 * conflict monitor trips on it, when the relay drops, and (so the next fault is measured on its own) a
 * repair and a technician's reset some seconds after the trip. A controller hang is not repaired: the
 * run ends in flash from there on, as a real cabinet would until someone came.
 */
export class FaultInjector {
  private readonly outcomes: FaultOutcome[] = [];
  private readonly timers: TimerHandle[] = [];
  /** Injected and not yet repaired (a fault whose lamp is never used may stay here to the end). */
  private readonly active: ActiveFault[] = [];
  private relayEnergised = false;
  private relayDroppedAtS: number | null = null;
  private controllerHung = false;
  private readonly detachRelay: () => void;

  constructor(
    private readonly options: FaultInjectorOptions,
    faults: readonly FaultSpec[],
  ) {
    const relay = options.flashRelay;
    this.relayEnergised = relay ? this.asserted(relay) : false;
    this.detachRelay = options.gpio.onOutputChange(() => this.onOutputs());
    for (const fault of faults) this.timers.push(options.clock.setTimer(() => this.inject(fault), fault.atS * 1000));
  }

  /**
   * Feed the monitor's events here. A trip is attributed to the unrepaired fault that showed itself
   * first, preferring one on a group the monitor names (faults can overlap: a lamp-out waits for its
   * lamp to be needed while a later fault trips first).
   */
  onMonitorEvent(event: MonitorEvent): void {
    if (event.type !== 'tripped') return;
    const candidates = this.active.filter((fault) => !fault.outcome.detected && fault.outcome.manifestAtS !== null);
    const named = candidates.filter((fault) => fault.spec.kind === 'controller-hang' ? event.fault.kind === 'heartbeat-missing' : event.fault.groups.includes(fault.spec.group));
    const pool = named.length > 0 ? named : candidates;
    const active = pool.sort((a, b) => a.outcome.manifestAtS! - b.outcome.manifestAtS!)[0];
    if (!active) return;
    // The event arrives after the relay write and the fault record's save, which take simulated time in a
    // fast run; the record's own trip time is when the monitor decided.
    const { clock } = this.options;
    const trippedAtS = (event.fault.trippedAt - (clock.now() - clock.monotonic())) / 1000;
    active.outcome.detected = true;
    active.outcome.detectedAs = event.fault.kind;
    active.outcome.detectedAtS = trippedAtS;
    active.outcome.detectionLatencyMs = Math.round((trippedAtS - active.outcome.manifestAtS!) * 1000);
    if (active.outcome.timeToFlashMs === null && !this.relayEnergised && this.relayDroppedAtS !== null) {
      active.outcome.timeToFlashMs = Math.round((this.relayDroppedAtS - active.outcome.manifestAtS!) * 1000);
    }
    if (active.spec.kind !== 'controller-hang') this.timers.push(clock.setTimer(() => void this.repair(active), this.options.repairAfterMs ?? 5000));
  }

  results(): FaultOutcome[] {
    return this.outcomes;
  }

  stop(): void {
    for (const timer of this.timers) this.options.clock.clearTimer(timer);
    for (const fault of this.active) this.options.clock.clearTimer(fault.manifestTimer);
    this.detachRelay();
  }

  private inject(spec: FaultSpec): void {
    const outcome: FaultOutcome = {
      spec: describeSpec(spec),
      kind: spec.kind,
      injectedAtS: this.nowS(),
      manifestAtS: null,
      detected: false,
      detectedAs: null,
      detectedAtS: null,
      detectionLatencyMs: null,
      timeToFlashMs: null,
      repairedAtS: null,
    };
    this.outcomes.push(outcome);
    if (this.controllerHung) {
      outcome.note = 'not injected: the controller had hung earlier and the intersection is in flash';
      return;
    }
    const active: ActiveFault = { spec, outcome, manifestTimer: undefined };
    this.active.push(active);
    if (spec.kind === 'controller-hang') {
      this.controllerHung = true;
      outcome.manifestAtS = outcome.injectedAtS;
      void this.options.hangController();
      return;
    }
    const lampFault = spec.kind === 'slow-relay' ? { kind: 'slow' as const, delayMs: spec.delayMs ?? 500 } : { kind: spec.kind };
    this.options.lamps.injectFault(spec.group, spec.lamp, lampFault);
    this.checkManifest(active);
    if (outcome.manifestAtS === null) active.manifestTimer = this.options.clock.setRepeating(() => this.checkManifest(active), MANIFEST_POLL_MS);
  }

  /** The fault is visible once its lamp shows something other than what the controller commanded. */
  private checkManifest(active: ActiveFault): void {
    const { spec, outcome } = active;
    if (spec.kind === 'controller-hang' || outcome.manifestAtS !== null) return;
    const pin = this.options.groups.find((group) => group.id === spec.group)?.outputs[spec.lamp];
    if (!pin) return;
    const commanded = (this.options.gpio.commandedLevel(pin.chip, pin.line) ^ (pin.activeLow === true ? 1 : 0)) === 1;
    if (this.options.lamps.isLit(spec.group, spec.lamp) !== commanded) {
      outcome.manifestAtS = this.nowS();
      this.options.clock.clearTimer(active.manifestTimer);
    }
  }

  private onOutputs(): void {
    const relay = this.options.flashRelay;
    if (!relay) return;
    const energised = this.asserted(relay);
    if (energised === this.relayEnergised) return;
    this.relayEnergised = energised;
    this.relayDroppedAtS = energised ? null : this.nowS();
  }

  /**
   * The technician replaces what is broken and resets the monitor. Every lamp fault still active is
   * repaired with it: one that showed but could not trip (the monitor was already latched) is noted as
   * masked, as a real monitor would show only the first fault.
   */
  private async repair(tripped: ActiveFault): Promise<void> {
    for (const fault of this.active) {
      if (fault.spec.kind === 'controller-hang') continue;
      this.options.lamps.clearFault(fault.spec.group, fault.spec.lamp);
      this.options.clock.clearTimer(fault.manifestTimer);
      if (fault !== tripped && !fault.outcome.detected) fault.outcome.note = `repaired with ${tripped.outcome.spec}: ${fault.outcome.manifestAtS === null ? 'it had not shown yet' : 'masked by the latched fault'}`;
    }
    for (;;) {
      if (await this.options.resetMonitor()) break;
      await this.options.clock.sleep(RESET_RETRY_MS);
    }
    const nowS = this.nowS();
    for (const fault of this.active.splice(0)) {
      if (fault.spec.kind === 'controller-hang') this.active.push(fault);
      else fault.outcome.repairedAtS = nowS;
    }
  }

  private asserted(pin: PinSpec): boolean {
    return (this.options.gpio.outputLevel(pin.chip, pin.line) ^ (pin.activeLow === true ? 1 : 0)) === 1;
  }

  private nowS(): number {
    return this.options.clock.monotonic() / 1000;
  }
}

export function describeSpec(spec: FaultSpec): string {
  if (spec.kind === 'controller-hang') return `controller-hang@${spec.atS}`;
  const delay = spec.kind === 'slow-relay' && spec.delayMs !== undefined ? `:${spec.delayMs}` : '';
  return `${spec.kind}:${spec.group}:${spec.lamp}${delay}@${spec.atS}`;
}
