import type { Config } from '../config/index.js';
import type { Clock } from '../hal/clock.js';
import type { GpioBinding } from '../hal/gpio.js';
import type { LampSensor } from '../hal/lamp-sensor.js';
import type { Logger } from '../log.js';
import type { SignalAspect, SignalMode } from '../../protocol/index.js';
import type { Aspect, ControllerEvent, ControllerMode, GroupAspects } from './controller/index.js';
import { PhaseController } from './controller/index.js';
import { ConflictMonitor, type MonitorEvent } from './monitor/conflict-monitor.js';
import { monitorRules } from './monitor/monitor-rules.js';
import { SignalHeads } from './signal-heads.js';

/** What the node publishes as the signal state (protocol `signal`). */
export interface SignalState {
  mode: SignalMode;
  groups: Record<string, SignalAspect>;
  phase: string | null;
  reason: string;
}

export interface SignalServiceOptions {
  config: Pick<Config, 'signal' | 'monitor'>;
  gpio: GpioBinding;
  lampSensor: LampSensor;
  clock: Clock;
  stateDir: string;
  log: Logger;
  /** Every aspect change, with why (interval, mode, monitor trip). */
  onState: (state: SignalState) => void;
  onControllerEvent: (event: ControllerEvent) => void;
  onMonitorEvent: (event: MonitorEvent) => void;
  /** Controller tick (ms); default 100. */
  tickMs?: number;
}

/** Controller aspects as the protocol names them (the protocol predates the controller's names). */
const WIRE_ASPECT: Record<Aspect, SignalAspect> = {
  red: 'red',
  yellow: 'amber',
  green: 'green',
  'flashing-amber': 'flashing-amber',
  'flashing-red': 'flashing-red',
  dark: 'dark',
  'dont-walk': 'dont-walk',
  walk: 'walk',
  'ped-clear': 'flashing-dont-walk',
};

export function wireAspects(aspects: Readonly<GroupAspects>): Record<string, SignalAspect> {
  const groups: Record<string, SignalAspect> = {};
  for (const [group, aspect] of Object.entries(aspects)) groups[group] = WIRE_ASPECT[aspect];
  return groups;
}

/**
 * The signal side of a node: the heads, the independent conflict monitor that owns the flash-transfer
 * relay, and the phase controller that drives the heads. The monitor starts first (so it watches the
 * controller's very first write) and stops last; the controller's tick is the monitor's heartbeat, and
 * a monitor trip puts the controller in flash too, so it stops serving phases the lamps no longer show.
 */
export class SignalService {
  private heads: SignalHeads | null = null;
  private monitor: ConflictMonitor | null = null;
  private controller: PhaseController | null = null;
  private lastPublished = '';
  private tripped = false;
  /** The operator's mode when the monitor tripped, restored after a technician's reset. */
  private modeBeforeTrip: ControllerMode = 'normal';

  constructor(private readonly options: SignalServiceOptions) {}

  async start(): Promise<void> {
    const { config, gpio, lampSensor, clock, stateDir, log } = this.options;
    const { signal, monitor: monitorConfig } = config;
    // The relay belongs to the monitor: the heads open only the lamps.
    this.heads = await SignalHeads.open(gpio, signal.groups);
    const monitor = await ConflictMonitor.open({
      pollMs: monitorConfig.pollMs,
      tripMs: monitorConfig.tripMs,
      redFailTripMs: monitorConfig.redFailTripMs,
      heartbeatTimeoutMs: monitorConfig.heartbeatTimeoutMs,
      rules: monitorRules(signal),
      sensor: lampSensor,
      clock,
      stateDir,
      log: log.child('monitor'),
      gpio,
      ...(signal.flashRelay ? { flashRelay: signal.flashRelay } : {}),
    });
    this.monitor = monitor;
    monitor.onEvent((event) => this.onMonitorEvent(event));
    const controller = new PhaseController({
      signal,
      heads: this.heads,
      clock,
      gpio,
      log: log.child('controller'),
      heartbeat: () => monitor.heartbeat(),
      onRedMonitoring: (enabled) => monitor.setRedMonitoring(enabled),
      onFault: (error) => {
        log.error('lamp write failed: the controller released the heads and stopped', { error });
        this.publishState('lamp write failed; controller stopped', 'flash');
      },
      ...(this.options.tickMs === undefined ? {} : { tickMs: this.options.tickMs }),
    });
    this.controller = controller;
    controller.on((event) => this.onControllerEvent(event));
    await monitor.start();
    if (monitor.latchedFault()) this.tripped = true;
    await controller.start();
    this.publishState('startup');
  }

  /** The controller (calls, modes, manual steps) once started. */
  phaseController(): PhaseController {
    if (!this.controller) throw new Error('signal service not started');
    return this.controller;
  }

  conflictMonitor(): ConflictMonitor {
    if (!this.monitor) throw new Error('signal service not started');
    return this.monitor;
  }

  /** The lamp outputs: only for a lamp test, with the controller's outputs suspended and the monitor's relay held released. */
  signalHeads(): SignalHeads {
    if (!this.heads) throw new Error('signal service not started');
    return this.heads;
  }

  /** Aspects as the protocol names them (vision's signal state, the technician's page). */
  aspects(): Record<string, SignalAspect> {
    return wireAspects(this.controller?.aspects() ?? {});
  }

  mode(): SignalMode {
    if (this.tripped) return 'flash';
    const snapshot = this.controller?.snapshot();
    if (!snapshot) return 'startup';
    if (snapshot.interval === 'startup-flash' || snapshot.interval === 'startup-all-red') return 'startup';
    if (snapshot.preempt !== 'idle') return 'preempt';
    return snapshot.mode;
  }

  setMode(mode: ControllerMode): void {
    this.phaseController().setMode(mode);
  }

  /** The controller stops first (lamps keep their state), then every lamp goes dark and the monitor releases the relay. */
  async stop(): Promise<void> {
    const { log } = this.options;
    await this.controller?.stop().catch((error: Error) => log.error('controller stop failed', { error }));
    try {
      await this.heads?.release();
    } catch (error) {
      log.error('could not switch every lamp off', { error: error as Error });
    }
    await this.monitor?.stop();
    await this.heads?.close();
  }

  private onControllerEvent(event: ControllerEvent): void {
    this.options.onControllerEvent(event);
    if (event.type === 'interval' || event.type === 'phase' || event.type === 'mode') this.publishState(describe(event));
  }

  private onMonitorEvent(event: MonitorEvent): void {
    if (event.type === 'tripped' || event.type === 'latched-at-start') {
      if (!this.tripped) this.modeBeforeTrip = this.controller?.snapshot()?.mode ?? 'normal';
      this.tripped = true;
      // The lamps are in cabinet flash now; the controller follows, so it serves no phase the road cannot see.
      this.controller?.setMode('flash');
      this.publishState(`conflict monitor: ${event.fault.kind} (${event.fault.detail})`, 'flash');
    } else if (event.type === 'reset') {
      this.tripped = false;
      // Leaving flash goes through all red in the controller, so the lamps come back safely.
      this.controller?.setMode(this.modeBeforeTrip === 'flash' ? 'normal' : this.modeBeforeTrip);
      this.publishState(`conflict monitor reset by ${event.by}`);
    }
    this.options.onMonitorEvent(event);
  }

  private publishState(reason: string, mode: SignalMode = this.mode()): void {
    const groups = this.aspects();
    const phase = this.controller?.snapshot()?.phase ?? null;
    const key = JSON.stringify([mode, groups, phase]);
    if (key === this.lastPublished) return;
    this.lastPublished = key;
    this.options.onState({ mode, groups, phase, reason });
  }
}

function describe(event: ControllerEvent): string {
  switch (event.type) {
    case 'interval':
      return event.phase ? `${event.interval} ${event.phase}` : event.interval;
    case 'phase':
      return `phase ${event.phase}`;
    case 'mode':
      return `mode ${event.previous} -> ${event.mode}`;
    default:
      return event.type;
  }
}
