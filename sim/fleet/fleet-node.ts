/**
 * One simulated intersection node of the fleet: the node's own telemetry stack (MqttSession, the durable
 * outbox through DurableTelemetry, TelemetryPublisher, HealthReporter, the boot counter in its state
 * folder, the replay command), so what goes on the wire is exactly what a node sends, fed by a traffic
 * model instead of cameras and a signal controller: counts from seeded arrivals, signal steps from a
 * fixed-time plan.
 */
import type { Config } from '../../edge/config/index.js';
import { outboxDir, outboxOptionsFrom } from '../../edge/config/outbox-schema.js';
import { structuresRevision, wireStructuresFor } from '../../edge/telemetry/wire-structures.js';
import type { Clock, TimerHandle } from '../../edge/hal/clock.js';
import type { Logger } from '../../edge/log.js';
import { CommandRouter, type CommandRouterOptions } from '../../edge/commands/command-router.js';
import { NonceStore } from '../../edge/commands/nonce-store.js';
import { RequestAuthenticator } from '../../edge/commands/request-authenticator.js';
import { CommandService } from '../../edge/commands/command-service.js';
import { RequestInbox } from '../../edge/commands/request-inbox.js';
import { replayHandler } from '../../edge/commands/handlers/replay.js';
import { nextBootId } from '../../edge/state/boot-counter.js';
import { DurableTelemetry } from '../../edge/telemetry/durable-telemetry.js';
import { HealthReporter } from '../../edge/telemetry/health-reporter.js';
import { MqttSession, type MqttSessionOptions } from '../../edge/telemetry/mqtt-session.js';
import { TelemetryPublisher } from '../../edge/telemetry/publisher.js';
import { SimSystemInfo } from '../sim-system-info.js';
import { APPROACHES, ArrivalCounts } from './arrival-counts.js';
import { cycleLengthMs, cycleSteps, startupSteps, type PlanStep } from './fixed-time-plan.js';
import type { NodeTiming } from './node-timing.js';

export interface FleetNodeOptions {
  site: string;
  node: string;
  stateDir: string;
  /** Where the node connects (the worker's link proxy). */
  brokerUrl: string;
  config: Config;
  configHash: string;
  version: string;
  timing: NodeTiming;
  random: () => number;
  clock: Clock;
  log: Logger;
}

/** Why a link was down, for the reconnect-time figures. */
export type LinkLoss = 'disconnect' | 'storm' | 'broker';

export interface NodeCounters {
  sequenced: number;
  acked: number;
  births: number;
}

/** A boot and the last sequence number it took (null: none). */
export interface BootRecord {
  boot: number;
  lastSeq: number | null;
}

/** How long each loss kept the node away, reported once it is back. */
export type ReconnectListener = (cause: LinkLoss | 'reboot', ms: number) => void;

/** The longest a power cut waits for the session to notice its link is gone (past the keepalive). */
const CUT_NOTICE_MS = 40_000;
const CUT_RETRY_MS = 50;
/** A session stop that has not finished by then is left behind: the run must go on. */
const STOP_BOUND_MS = 5000;

export class FleetNode {
  readonly clientId: string;
  readonly counters: NodeCounters = { sequenced: 0, acked: 0, births: 0 };
  readonly boots: BootRecord[] = [];
  private session: MqttSession | null = null;
  private durable: DurableTelemetry | null = null;
  private publisher: TelemetryPublisher | null = null;
  private health: HealthReporter | null = null;
  private readonly timers = new Set<TimerHandle>();
  private readonly arrivals: ArrivalCounts;
  private readonly cycle: PlanStep[];
  private readonly cycleOffsetMs: number;
  /** Messages the publishers of earlier boots sent (numbered and health). */
  private sentBefore = 0;
  private down: { since: number; cause: LinkLoss | 'reboot' } | null = null;
  private running = false;

  constructor(
    private readonly options: FleetNodeOptions,
    private readonly onReconnect: ReconnectListener,
  ) {
    const { config } = options;
    this.clientId = config.mqtt.clientId ?? `nutgiao-${options.site}-${options.node}`;
    this.arrivals = new ArrivalCounts(options.random);
    this.cycle = cycleSteps(config.signal);
    this.cycleOffsetMs = options.random() * cycleLengthMs(this.cycle);
  }

  /** A new boot: the next boot id from the state folder, the outbox as the last boot left it. */
  async start(): Promise<void> {
    const { options } = this;
    const { config, clock, log } = options;
    const boot = await nextBootId(options.stateDir, log);
    // As the node does: the birth announces the names, and counts, signal, health and events go out compact (v2).
    const structures = wireStructuresFor(config, structuresRevision(options.configHash));
    const identity = { prefix: config.mqtt.prefix, site: options.site, node: options.node, boot, structures };
    const startedAt = Math.round(clock.now());
    // As in the node: the will is filled in once the publisher that builds it exists, before the start.
    const sessionOptions: MqttSessionOptions = {
      url: options.brokerUrl,
      clientId: this.clientId,
      keepaliveS: config.mqtt.keepaliveS,
      connectTimeoutS: config.mqtt.connectTimeoutS,
      protocol: config.mqtt.protocol,
      reconnect: config.mqtt.reconnect,
      clock,
      log,
      random: options.random,
    };
    const session = new MqttSession(sessionOptions);
    const { durable } = await DurableTelemetry.open({
      session,
      outbox: outboxOptionsFrom(config.outbox, outboxDir(config.outbox, options.stateDir)),
      replay: config.outbox.replay,
      boot,
      clock,
      log,
    });
    const publisher = new TelemetryPublisher(session, identity, clock, log, durable);
    durable.publishNoticesWith(publisher);
    sessionOptions.will = { topic: publisher.topic('state'), payload: publisher.death('connection lost') };
    this.session = session;
    this.durable = durable;
    this.publisher = publisher;
    this.boots.push({ boot, lastSeq: null });
    session.onConnected(async (publishNow, info) => {
      const birth = publisher.birth({
        site: options.site,
        version: options.version,
        configHash: options.configHash,
        capabilities: ['signal:controller', 'signal:conflict-monitor', ...APPROACHES.map((approach) => `camera:${ArrivalCounts.cameraId(approach)}`), 'vision:count-lines', 'telemetry:health', 'telemetry:durable-outbox'],
        startedAt,
        mqttProtocol: info.protocol,
        healthIntervalS: Math.max(1, Math.round(options.timing.healthIntervalMs / 1000)),
      });
      this.counters.births++;
      await publishNow(publisher.topic('state'), birth, { qos: 1, retain: true });
      if (info.reconnected) this.track(publisher.event('mqtt.reconnected', 'info', 'link to the broker restored', { protocol: info.protocol }));
    });
    session.onReady(() => {
      if (this.down) this.onReconnect(this.down.cause, clock.monotonic() - this.down.since);
      this.down = null;
    });
    // As the node does: replay requests (the collector's answer to a gap) go to the outbox. A signed
    // request (the collector signs its replays) is checked against commands.keys, as on a node.
    const commands = new CommandRouter({
      prefix: config.mqtt.prefix,
      site: options.site,
      node: options.node,
      boot,
      handlers: [replayHandler(() => durable)],
      authenticate: await this.authentication(),
      signReadOnly: config.commands.signReadOnly,
      clock,
      log,
      audit: (event) => this.track(publisher.event(event.type, event.severity, event.message, event.data)),
    });
    new CommandService(session, commands, new RequestInbox(session, { prefix: config.mqtt.prefix, site: options.site, node: options.node }, log), log).start();
    session.start();
    this.running = true;
    this.health = new HealthReporter(
      publisher,
      session,
      new SimSystemInfo({ uptimeS: 0 }),
      clock,
      options.timing.healthIntervalMs / 1000,
      log,
    );
    this.health.start();
    this.runSignal([...startupSteps(config.signal).map((step) => this.scaled(step)), ...this.cycleFrom(this.cycleOffsetMs)], 0);
    this.scheduleCounts();
    this.scheduleSafetyEvent();
    this.track(publisher.event('node.started', 'info', `node ${options.node} started`, { boot, version: options.version, configHash: options.configHash }));
  }

  /** Signature, timestamp and nonce checks over commands.keys (nonces kept in the node's state folder). */
  private async authentication(): Promise<CommandRouterOptions['authenticate']> {
    const { config, stateDir, site, node, clock } = this.options;
    const settings = config.commands;
    if (settings.keys.length === 0) return null;
    const nonces = await NonceStore.open(stateDir, settings.maxNonces);
    const authenticator = new RequestAuthenticator(settings.keys, { site, node }, settings.timestampWindowS * 1000, nonces, clock);
    return (request) => authenticator.check(request);
  }

  /** The last sequence number of the current boot, written into its boot record. */
  private noteSeq(): void {
    const last = this.boots.at(-1);
    if (last && this.publisher) last.lastSeq = this.publisher.stats().lastSeq;
  }

  /** Messages handed to the publisher so far, all boots: numbered ones and health samples. */
  published(): number {
    return this.sentBefore + (this.publisher?.stats().sent ?? 0);
  }

  /** Telemetry numbered and not yet acknowledged by the broker (this boot and earlier ones). */
  pending(): number {
    return this.durable?.outbox.stats().pending ?? 0;
  }

  linkState(): string {
    return this.session?.linkState() ?? 'stopped';
  }

  /** The worker's proxy saw the link end: the time counts from the first loss until the node is back. */
  linkLost(cause: LinkLoss): void {
    if (!this.running || this.down) return;
    this.down = { since: this.options.clock.monotonic(), cause };
  }

  /**
   * Power cut: no more telemetry, the link dies without a DISCONNECT (`cutLink`, so the broker publishes
   * the last will), the outbox stays on disk as it is. start() is the next boot.
   */
  async powerCut(cutLink: () => void): Promise<void> {
    this.running = false;
    this.stopTraffic();
    // Cut until the session notices: a link still being set up when the power goes is cut once it is
    // up. Stopping a session that still thinks it is connected would end it with a clean DISCONNECT
    // (no last will), and mqtt.js's clean end waits for in-flight acknowledgements a dead link never brings.
    const { clock } = this.options;
    const deadline = clock.monotonic() + CUT_NOTICE_MS;
    while (this.session?.linkState() === 'connected' && clock.monotonic() < deadline) {
      cutLink();
      await clock.sleep(CUT_RETRY_MS);
    }
    await bounded(this.session?.stop(), STOP_BOUND_MS, clock);
    await this.durable?.drain(1000);
    await this.durable?.close();
    this.noteSeq();
    this.sentBefore += this.publisher?.stats().sent ?? 0;
    this.publisher = null;
    this.down = { since: clock.monotonic(), cause: 'reboot' };
  }

  /** Generation stops (the end of a run); what is numbered still goes out. */
  quiesce(): void {
    this.stopTraffic();
    this.noteSeq();
  }

  /** A clean stop: what is stored is sent (at most drainMs), then the death and a clean disconnect. */
  async stop(drainMs: number): Promise<void> {
    this.running = false;
    this.stopTraffic();
    await this.durable?.drain(drainMs);
    await bounded(this.session?.stop(this.publisher?.death('fleet run ended')), STOP_BOUND_MS, this.options.clock);
    await this.durable?.close();
    this.noteSeq();
  }

  private stopTraffic(): void {
    this.health?.stop();
    for (const timer of this.timers) this.options.clock.clearTimer(timer);
    this.timers.clear();
  }

  private later(fn: () => void, ms: number): void {
    const handle = this.options.clock.setTimer(() => {
      this.timers.delete(handle);
      fn();
    }, Math.max(0, ms));
    this.timers.add(handle);
  }

  private track(delivery: Promise<boolean>): void {
    this.counters.sequenced++;
    this.noteSeq();
    void delivery.then((acknowledged) => {
      if (acknowledged) this.counters.acked++;
    });
  }

  private scaled(step: PlanStep): PlanStep {
    return { durationMs: step.durationMs * this.options.timing.signalTimeScale, state: step.state };
  }

  /** The cycle's steps from `offsetMs` into it, the first one shortened to start there. */
  private cycleFrom(offsetMs: number): PlanStep[] {
    let at = 0;
    for (const [index, step] of this.cycle.entries()) {
      if (offsetMs < at + step.durationMs) {
        const first = { durationMs: at + step.durationMs - offsetMs, state: step.state };
        return [first, ...this.cycle.slice(index + 1)].map((entry) => this.scaled(entry));
      }
      at += step.durationMs;
    }
    return this.cycle.map((entry) => this.scaled(entry));
  }

  private runSignal(steps: PlanStep[], index: number): void {
    const step = steps[index];
    if (!step) {
      this.runSignal(this.cycle.map((entry) => this.scaled(entry)), 0);
      return;
    }
    this.track(this.publisher!.signal(step.state));
    this.later(() => this.runSignal(steps, index + 1), step.durationMs);
  }

  /** Counts go out at the end of each period, aligned to the wall clock as the node's cameras do. */
  private scheduleCounts(): void {
    const periodMs = this.options.timing.countPeriodMs;
    const now = this.options.clock.now();
    const periodEnd = Math.ceil(now / periodMs) * periodMs;
    this.later(() => {
      for (const body of this.arrivals.period(Math.round(periodEnd - periodMs), periodMs)) this.track(this.publisher!.counts(body));
      this.scheduleCounts();
    }, periodEnd - now);
  }

  private scheduleSafetyEvent(): void {
    const { timing, random } = this.options;
    if (timing.safetyEventsPerHour <= 0) return;
    const waitMs = (-Math.log(1 - random()) / timing.safetyEventsPerHour) * 3_600_000;
    this.later(() => {
      const approach = APPROACHES[Math.floor(random() * APPROACHES.length)]!;
      const camera = ArrivalCounts.cameraId(approach);
      this.track(this.publisher!.event('safety.red-light', 'warning', `${camera}: vehicle crossed line stop on red`, { camera, kind: 'red-light', line: 'stop' }));
      this.scheduleSafetyEvent();
    }, waitMs);
  }
}

/** Waits for `work` at most boundMs. */
async function bounded(work: Promise<void> | undefined, boundMs: number, clock: Clock): Promise<void> {
  if (work === undefined) return;
  let timer: TimerHandle | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = clock.setTimer(resolve, boundMs)))]);
  clock.clearTimer(timer);
}
