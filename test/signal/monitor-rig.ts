/** A conflict monitor on simulated lamps driven by real SignalHeads, for the monitor-*.test.ts files. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_CONFIG_PATH, loadConfigFile, type Config } from '../../edge/config/index.js';
import type { TimerHandle } from '../../edge/hal/clock.js';
import { createMemoryLogger } from '../../edge/log.js';
import { ConflictMonitor, type MonitorEvent } from '../../edge/signal/monitor/conflict-monitor.js';
import { monitorRules } from '../../edge/signal/monitor/monitor-rules.js';
import { lampMask, SignalHeads } from '../../edge/signal/signal-heads.js';
import { SimGpioBinding } from '../../sim/sim-gpio.js';
import { SimLamps } from '../../sim/sim-lamps.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

export const TIMING = { pollMs: 20, tripMs: 300, redFailTripMs: 300, heartbeatTimeoutMs: 1000 };
/** How often the simulated controller ticks (and beats its heart). */
export const TICK_MS = 100;

export const RED = lampMask('vehicle', ['red']);
export const AMBER = lampMask('vehicle', ['amber']);
export const GREEN = lampMask('vehicle', ['green']);
export const DONT_WALK = lampMask('pedestrian', ['dontWalk']);
export const WALK = lampMask('pedestrian', ['walk']);

export async function exampleSignal(): Promise<Config['signal']> {
  const loaded = await loadConfigFile(EXAMPLE_CONFIG_PATH);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  return loaded.config.signal;
}

export interface MonitorRig {
  signal: Config['signal'];
  clock: VirtualClock;
  gpio: SimGpioBinding;
  heads: SignalHeads;
  lamps: SimLamps;
  stateDir: string;
  monitor: ConflictMonitor;
  events: MonitorEvent[];
  log: ReturnType<typeof createMemoryLogger>;
  /** Opens and starts another monitor on the same lamps, relay and state dir (a restart). */
  restartMonitor(): Promise<ConflictMonitor>;
  /** The simulated controller's tick: heartbeat() every TICK_MS until stopTicking(). */
  startTicking(): void;
  stopTicking(): void;
  /** Lamps as the phase that serves `served` shows them: those green/walk, every other head red/don't walk. */
  showOnly(...served: string[]): Promise<void>;
  /** The relay's output level (read from the pin, not through the lamp sensor, which a test may break). */
  relayEnergised(): boolean;
  /** Resolves once an event of this type was emitted (the trip's relay, record and event are async). */
  waitForEvent(type: MonitorEvent['type']): Promise<MonitorEvent>;
  close(): Promise<void>;
}

export async function monitorRig(timing = TIMING): Promise<MonitorRig> {
  const signal = await exampleSignal();
  const clock = new VirtualClock();
  const gpio = new SimGpioBinding({ clock });
  gpio.recording = false;
  // No relay for the heads: the monitor owns signal.flashRelay.
  const heads = await SignalHeads.open(gpio, signal.groups);
  const lamps = new SimLamps(gpio, signal.groups, signal.flashRelay);
  const stateDir = await mkdtemp(join(tmpdir(), 'nutgiao-monitor-'));
  const log = createMemoryLogger('monitor');
  const events: MonitorEvent[] = [];
  const rules = monitorRules(signal);
  const openMonitor = async () => {
    const monitor = await ConflictMonitor.open({ ...timing, rules, sensor: lamps, clock, stateDir, log, flashRelay: signal.flashRelay, gpio });
    monitor.onEvent((event) => events.push(event));
    return monitor;
  };
  let ticker: TimerHandle | undefined;
  const rig: MonitorRig = {
    signal,
    clock,
    gpio,
    heads,
    lamps,
    stateDir,
    events,
    log,
    monitor: await openMonitor(),
    async restartMonitor() {
      await rig.monitor.stop();
      rig.monitor = await openMonitor();
      await rig.monitor.start();
      rig.monitor.setRedMonitoring(true);
      return rig.monitor;
    },
    startTicking() {
      clock.clearTimer(ticker);
      ticker = clock.setRepeating(() => rig.monitor.heartbeat(), TICK_MS);
    },
    stopTicking() {
      clock.clearTimer(ticker);
      ticker = undefined;
    },
    async showOnly(...served) {
      for (const group of signal.groups) {
        const go = served.includes(group.id);
        await heads.show(group.id, group.kind === 'vehicle' ? (go ? GREEN : RED) : go ? WALK : DONT_WALK);
      }
    },
    relayEnergised() {
      const relay = signal.flashRelay!;
      return (gpio.outputLevel(relay.chip, relay.line) ^ (relay.activeLow ? 1 : 0)) === 1;
    },
    async waitForEvent(type) {
      for (let spins = 0; spins < 2000; spins++) {
        const event = events.find((candidate) => candidate.type === type);
        if (event) return event;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      throw new Error(`no '${type}' event; events: ${events.map((event) => event.type).join(', ') || 'none'}`);
    },
    async close() {
      rig.stopTicking();
      await rig.monitor.stop();
      await heads.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  return rig;
}

/** A rig in normal operation: phase ns-through shown (G2, G6 green; P2, P4 walk), controller ticking, time at 1 s. */
export async function runningRig(timing = TIMING): Promise<MonitorRig> {
  const rig = await monitorRig(timing);
  await rig.showOnly('G2', 'G6', 'P2', 'P4');
  await rig.monitor.start();
  rig.monitor.setRedMonitoring(true);
  rig.startTicking();
  rig.clock.advance(1000);
  return rig;
}

/** Virtual ms from now until the monitor latches a fault (Infinity if it does not within limitMs). */
export function msUntilLatched(rig: MonitorRig, limitMs = 5000): number {
  const start = rig.clock.monotonic();
  const latched = rig.clock.runUntil(() => rig.monitor.latchedFault() !== null, { limitMs: start + limitMs });
  return latched ? rig.clock.monotonic() - start : Infinity;
}
