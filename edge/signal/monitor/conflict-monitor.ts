import type { Clock, TimerHandle } from '../../hal/clock.js';
import type { GpioBinding, PinSpec } from '../../hal/gpio.js';
import type { LampReading, LampSensor } from '../../hal/lamp-sensor.js';
import { openLogicalOutputs, type LogicalOutputBank } from '../../hal/lines.js';
import type { Logger } from '../../log.js';
import { FaultDetector, type Condition, type DetectedFault, type MonitorTiming, type Observation } from './fault-detector.js';
import { FaultStore } from './fault-store.js';
import { recordReading, type MonitorFaultRecord, type RecordedReading } from './monitor-fault.js';
import type { MonitorRules } from './monitor-rules.js';

export type MonitorEvent =
  /** A fault latched flash now. */
  | { type: 'tripped'; fault: MonitorFaultRecord }
  /** The monitor started with a fault persisted by an earlier run, and stays in flash. */
  | { type: 'latched-at-start'; fault: MonitorFaultRecord }
  /** Flash was latched, but the relay readback still shows it energised: the relay did not drop. */
  | { type: 'relay-stuck'; fault: MonitorFaultRecord }
  /** A technician cleared the latched fault; the relay is energised again. */
  | { type: 'reset'; fault: MonitorFaultRecord; by: string };

export type ResetResult = { ok: true; cleared: MonitorFaultRecord | null } | { ok: false; reason: string };

export interface ConflictMonitorOptions extends MonitorTiming {
  /** Reading period, <= 50 ms. */
  pollMs: number;
  rules: MonitorRules;
  sensor: LampSensor;
  clock: Clock;
  /** The node's state dir; the latched fault is kept there. */
  stateDir: string;
  log: Logger;
  /** The flash-transfer relay (signal.flashRelay): the monitor owns it. Absent: a trip cannot force flash. */
  flashRelay?: PinSpec;
  gpio: GpioBinding;
}

export const MAX_POLL_MS = 50;

/**
 * The independent conflict monitor (a malfunction management unit in software). It watches the lamps only
 * through a LampSensor on its own timer, never through the controller, and owns the flash-transfer relay:
 * energised while no fault is latched, released when one trips. A latched fault is persisted, so a
 * restart stays in flash, and clears only on a technician's reset() once its condition is gone.
 *
 * The controller calls heartbeat() on every tick, and the composition root calls setRedMonitoring(): red
 * fail applies only while the controller runs normal, all-red or manual; in controller flash it is off,
 * and conflicting ambers flashing together are then the flash itself, not a conflict.
 */
export class ConflictMonitor {
  private readonly detector: FaultDetector;
  private readonly store: FaultStore;
  private readonly listeners = new Set<(event: MonitorEvent) => void>();
  private timer: TimerHandle | undefined;
  private latched: MonitorFaultRecord | null = null;
  private latchedAtMs = 0;
  private relayStuckReported = false;
  private redMonitoring = false;
  private lastHeartbeatMs = 0;
  private latestReading: LampReading | null = null;
  private stopped = false;
  /** A running node's lamp test: the relay held released, fault checks paused (see holdForLampTest). */
  private lampTestHold = false;
  private sensorFailingSinceMs: number | undefined;
  /** The trip in progress (relay, record, event), so stop() and reset() can wait for it. */
  private tripping: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: ConflictMonitorOptions,
    private readonly relay: LogicalOutputBank | null,
  ) {
    this.detector = new FaultDetector(options.rules, options);
    this.store = new FaultStore(options.stateDir);
  }

  /** Checks the options and opens the flash-transfer relay, de-energised until start() finds no latched fault. */
  static async open(options: ConflictMonitorOptions): Promise<ConflictMonitor> {
    if (!(options.pollMs > 0 && options.pollMs <= MAX_POLL_MS)) throw new RangeError(`monitor: pollMs must be in 1..${MAX_POLL_MS} ms, got ${options.pollMs}`);
    const sensed = new Set(options.sensor.groups.map((group) => group.id));
    const unsensed = options.rules.groups.filter((group) => !sensed.has(group.id)).map((group) => group.id);
    if (unsensed.length > 0) throw new Error(`monitor: the lamp sensor does not see group(s) ${unsensed.join(', ')}; every signal group needs lamp sensing`);
    const relay = options.flashRelay ? await openLogicalOutputs(options.gpio, [options.flashRelay], 0) : null;
    if (relay === null) options.log.warn('no signal.flashRelay: a trip cannot put the cabinet in flash by itself; the node must stop driving the lamps on the tripped event');
    return new ConflictMonitor(options, relay);
  }

  onEvent(listener: (event: MonitorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads a persisted fault (staying latched if there is one), energises the relay if not, starts reading. */
  async start(): Promise<void> {
    const stored = await this.store.load();
    const now = this.options.clock.now();
    if (stored.state === 'latched') this.latched = stored.record;
    if (stored.state === 'unreadable') {
      this.latched = { kind: 'unreadable-record', groups: [], detail: `the fault record ${this.store.path} exists but cannot be read (${stored.reason})`, firstSeenAt: now, trippedAt: now, readings: [] };
    }
    this.lastHeartbeatMs = this.options.clock.monotonic();
    if (this.latched) {
      this.latchedAtMs = this.options.clock.monotonic();
      this.options.log.error('a latched monitor fault persists from an earlier run; staying in flash until reset', { kind: this.latched.kind, detail: this.latched.detail });
      this.emit({ type: 'latched-at-start', fault: this.latched });
    } else {
      await this.relay?.write(1, 1);
    }
    this.timer = this.options.clock.setRepeating(() => this.poll(), this.options.pollMs);
  }

  /** Stops reading and releases the relay (the cabinet flashes): the node is stopping. The latch stays on disk. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.tripping;
    await this.relay?.write(1, 0).catch((error: Error) => this.options.log.error('could not release the flash relay', { error }));
    await this.relay?.close();
  }

  /** Called by the controller on every tick. */
  heartbeat(): void {
    this.lastHeartbeatMs = this.options.clock.monotonic();
  }

  /** True while the controller runs normal, all-red or manual; false in (startup) flash. */
  setRedMonitoring(enabled: boolean): void {
    if (enabled === this.redMonitoring) return;
    this.redMonitoring = enabled;
    // Timings begun in the other mode mean nothing in this one (a flash amber is not a yellow).
    this.detector.restart();
  }

  latchedFault(): MonitorFaultRecord | null {
    return this.latched;
  }

  /** The lamps as last read (for the technician's page); null before the first reading. */
  lastReading(): LampReading | null {
    return this.latestReading;
  }

  /**
   * The technician's reset: refused while any fault condition is present in the lamps now (or the
   * controller's heartbeat is missing); otherwise clears the record and energises the relay again.
   */
  async reset(by = 'technician'): Promise<ResetResult> {
    await this.tripping;
    if (this.stopped) return { ok: false, reason: 'the monitor is stopped' };
    // Energising the relay now would put the lamp test's outputs on the road.
    if (this.lampTestHold) return { ok: false, reason: 'a lamp test holds the flash-transfer relay released: reset once it has ended' };
    const fault = this.latched;
    if (fault === null) return { ok: true, cleared: null };
    let present: Condition[];
    try {
      present = this.detector.conditions(this.observation(this.options.sensor.read()));
    } catch (error) {
      return { ok: false, reason: `the lamp sensor cannot be read (${(error as Error).message})` };
    }
    if (present.length > 0) return { ok: false, reason: `fault still present: ${present.map((condition) => condition.detail).join('; ')}` };
    await this.store.clear();
    this.latched = null;
    this.relayStuckReported = false;
    this.detector.restart();
    await this.relay?.write(1, 1);
    this.options.log.info('monitor reset; flash relay energised', { by, kind: fault.kind });
    this.emit({ type: 'reset', fault, by });
    return { ok: true, cleared: fault };
  }

  /**
   * A running node's lamp test: the relay is released (the cabinet flashes on its own flasher, so the
   * node's outputs reach no lamp) and fault checks pause, since the test lights lamps one at a time,
   * which would read as red fail or a short yellow. Readings go on. The returned function ends the hold:
   * checks start afresh and the relay is energised again, unless a fault is latched.
   */
  async holdForLampTest(): Promise<() => Promise<void>> {
    await this.tripping;
    if (this.stopped) throw new Error('the monitor is stopped');
    if (this.lampTestHold) throw new Error('a lamp test already holds the flash-transfer relay');
    this.lampTestHold = true;
    await this.relay?.write(1, 0);
    this.options.log.info('flash relay released for a lamp test');
    return async () => {
      if (!this.lampTestHold) return;
      await this.tripping;
      this.detector.restart();
      this.lampTestHold = false;
      if (this.latched === null && !this.stopped) await this.relay?.write(1, 1);
      this.options.log.info('lamp test over', { relay: this.latched === null ? 'energised' : 'released (fault latched)' });
    };
  }

  private observation(reading: LampReading): Observation {
    const tsMs = this.options.clock.monotonic();
    return { tsMs, reading, redMonitoring: this.redMonitoring, heartbeatAgeMs: tsMs - this.lastHeartbeatMs };
  }

  private poll(): void {
    let reading: LampReading;
    try {
      reading = this.options.sensor.read();
    } catch (error) {
      this.onSensorError(error as Error);
      return;
    }
    this.sensorFailingSinceMs = undefined;
    this.latestReading = reading;
    if (this.latched !== null) {
      this.watchRelay(reading);
      return;
    }
    if (this.lampTestHold) return;
    const fault = this.detector.observe(this.observation(reading));
    if (fault !== null) this.trip(fault, reading);
  }

  /** A sensor that keeps failing for a trip time leaves the monitor blind, so it latches flash. */
  private onSensorError(error: Error): void {
    const tsMs = this.options.clock.monotonic();
    this.sensorFailingSinceMs ??= tsMs;
    if (this.latched !== null || tsMs - this.sensorFailingSinceMs < this.options.tripMs) return;
    this.trip({ kind: 'sensor-error', groups: [], detail: `the lamp sensor cannot be read: ${error.message}`, firstSeenMs: this.sensorFailingSinceMs, firstReading: null }, null);
  }

  private trip(fault: DetectedFault, reading: LampReading | null): void {
    const { clock, rules, log } = this.options;
    const nowMs = clock.monotonic();
    const wallNow = clock.now();
    const firstSeenAt = wallNow - (nowMs - fault.firstSeenMs);
    const readings: RecordedReading[] = [];
    if (fault.firstReading !== null) readings.push(recordReading(rules.groups, fault.firstReading, firstSeenAt));
    if (reading !== null && fault.firstReading !== reading) readings.push(recordReading(rules.groups, reading, wallNow));
    const record: MonitorFaultRecord = { kind: fault.kind, groups: fault.groups, detail: fault.detail, firstSeenAt, trippedAt: wallNow, readings };
    // Latched before anything is awaited, so no second trip starts meanwhile.
    this.latched = record;
    this.latchedAtMs = nowMs;
    log.error('monitor fault: latching flash', { kind: record.kind, groups: record.groups, detail: record.detail });
    this.tripping = (async () => {
      // The relay first: flash must not wait on the disk.
      await this.relay?.write(1, 0).catch((error: Error) => log.error('could not release the flash relay', { error }));
      await this.store.save(record).catch((error: Error) => log.error('could not persist the monitor fault; a restart would not stay in flash', { error }));
      this.emit({ type: 'tripped', fault: record });
    })();
  }

  /** After a trip the relay readback (where wired) must show the relay released within a trip time. */
  private watchRelay(reading: LampReading): void {
    if (this.relayStuckReported || this.latched === null || this.relay === null || reading.flashRelayEnergised !== true) return;
    if (this.options.clock.monotonic() - this.latchedAtMs < this.options.tripMs) return;
    this.relayStuckReported = true;
    this.options.log.error('flash relay still energised after the monitor released it', { kind: this.latched.kind });
    this.emit({ type: 'relay-stuck', fault: this.latched });
  }

  private emit(event: MonitorEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.options.log.error('monitor event listener threw', { type: event.type, error: error as Error });
      }
    }
  }
}
