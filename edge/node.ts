import { GroundPlane } from './vision/ground-plane.js';
import type { Config } from './config/index.js';
import type { FrameSource } from './hal/camera.js';
import type { Clock, TimerHandle } from './hal/clock.js';
import type { GpioBinding } from './hal/gpio.js';
import type { SystemInfo } from './hal/system.js';
import type { Watchdog } from './hal/watchdog.js';
import type { Logger } from './log.js';
import type { LampSensor } from './hal/lamp-sensor.js';
import type { ControllerEvent } from './signal/controller/index.js';
import type { MonitorEvent } from './signal/monitor/conflict-monitor.js';
import type { SignalBoard } from './signal/signal-board.js';
import { SignalService } from './signal/signal-service.js';
import { nextBootId } from './state/boot-counter.js';
import { outboxDir, outboxOptionsFrom } from './config/outbox-schema.js';
import { DurableTelemetry } from './telemetry/durable-telemetry.js';
import { HealthReporter } from './telemetry/health-reporter.js';
import { HostState } from './telemetry/host-state.js';
import { MqttSession, type MqttSessionOptions } from './telemetry/mqtt-session.js';
import { TelemetryPublisher } from './telemetry/publisher.js';
import { structuresRevision, wireStructuresFor } from './telemetry/wire-structures.js';
import { SummaryLine } from './summary-line.js';
import { openLogicalOutputs, type LogicalOutputBank } from './hal/lines.js';
import type { CameraHealthActions, CameraHealthEvent, CameraHealthOptions } from './vision/camera-health.js';
import { CameraService } from './vision/camera-service.js';
import type { CountLineSpec } from './vision/geometry.js';
import type { SafetyEvent } from './vision/safety-monitor.js';
import type { ZoneConfig } from './vision/zone-monitor.js';
import { startNodeCommands } from './commands/node-commands.js';
import { RequestInbox } from './commands/request-inbox.js';
import { startWebServer } from './web/start-web.js';
import type { WebServer } from './web/web-server.js';

/** Everything a node is made of, chosen by the composition root (edge/main.ts) from config. */
export interface NodeParts {
  config: Config;
  configHash: string;
  /** The config file set-config may rewrite (nutgiao run --config FILE); absent for the shipped example. */
  configPath?: string;
  version: string;
  stateDir: string;
  brokerUrl: string;
  mqttPassword?: string;
  tls?: MqttSessionOptions['tls'];
  clock: Clock;
  gpio: GpioBinding;
  /** What the conflict monitor reads the lamps through (current sensing, readback inputs). */
  lampSensor: LampSensor;
  /** Where the node posts the aspects it shows, for parts that follow the signal (the simulated scene). */
  signalBoard: SignalBoard;
  system: SystemInfo;
  watchdog: Watchdog;
  cameras: FrameSource[];
  log: Logger;
  /** Where the periodic one-line summary goes (stdout for a person; nowhere in tests). */
  summary: (line: string) => void;
}

/**
 * One intersection node: the MQTT session with birth and death, the signal outputs, the cameras, health
 * and the watchdog. Its constructor only stores parts; start() and stop() do the work.
 */
export class IntersectionNode {
  private session: MqttSession | null = null;
  private publisher: TelemetryPublisher | null = null;
  private durable: DurableTelemetry | null = null;
  private signal: SignalService | null = null;
  private health: HealthReporter | null = null;
  private summaryLine: SummaryLine | null = null;
  private watchdogTimer: TimerHandle | undefined;
  private boot = -1;
  private stopping: Promise<void> | null = null;
  private web: WebServer | null = null;
  private readonly cameraServices: CameraService[] = [];
  /** Outputs other than lamps (camera power relays, infrared illuminators), closed on stop. */
  private readonly extraOutputs: LogicalOutputBank[] = [];

  constructor(private readonly parts: NodeParts) {}

  /**
   * For restart, set-config and update: stop cleanly, then exit with the code the supervisor (systemd
   * Restart=always in scripts/systemd/nutgiao.service) restarts on; see protocol/README.md, restart.
   */
  private readonly stopAndExit = (reason: string, exitCode: number): void => {
    void this.stop(reason).finally(() => process.exit(exitCode));
  };

  bootId(): number {
    return this.boot;
  }

  telemetry(): TelemetryPublisher {
    if (!this.publisher) throw new Error('node not started');
    return this.publisher;
  }

  /** The controller, the monitor and the heads. */
  signalService(): SignalService {
    if (!this.signal) throw new Error('node not started');
    return this.signal;
  }

  /** The cameras that started (the simulator waits on them in fast runs). */
  cameras(): readonly CameraService[] {
    return this.cameraServices;
  }

  /** The durable outbox side of telemetry: replayRange(boot, fromSeq, toSeq) re-sends what it still holds. */
  durableTelemetry(): DurableTelemetry {
    if (!this.durable) throw new Error('node not started');
    return this.durable;
  }

  link(): MqttSession {
    if (!this.session) throw new Error('node not started');
    return this.session;
  }

  async start(): Promise<void> {
    const { parts } = this;
    const { config, clock } = parts;
    const log = parts.log;
    this.boot = await nextBootId(parts.stateDir, log.child('state'));
    // The birth announces the names v2 messages refer to by index (protocol/compact-wire.ts).
    const structures = wireStructuresFor(config, structuresRevision(parts.configHash));
    const identity = { prefix: config.mqtt.prefix, site: config.node.site, node: config.node.id, boot: this.boot, structures };
    const startedAt = Math.round(clock.now());

    const sessionLog = log.child('telemetry');
    // The will's topic and payload are fixed at connect time, so the publisher that builds them needs a
    // session reference first; the will is filled in before the session starts.
    const sessionOptions: MqttSessionOptions = {
      url: parts.brokerUrl,
      clientId: config.mqtt.clientId ?? `nutgiao-${config.node.site}-${config.node.id}`,
      keepaliveS: config.mqtt.keepaliveS,
      connectTimeoutS: config.mqtt.connectTimeoutS,
      protocol: config.mqtt.protocol,
      reconnect: config.mqtt.reconnect,
      clock,
      log: sessionLog,
    };
    if (config.mqtt.username !== undefined) sessionOptions.username = config.mqtt.username;
    if (parts.mqttPassword !== undefined) sessionOptions.password = parts.mqttPassword;
    if (parts.tls) sessionOptions.tls = parts.tls;
    const session = new MqttSession(sessionOptions);
    // The outbox opens before anything is numbered: what an earlier boot left is replayed after connect.
    const host = config.mqtt.waitForHost ? new HostState(config.mqtt.waitForHost, session, clock, sessionLog) : undefined;
    const { durable, recovery } = await DurableTelemetry.open({
      session,
      outbox: outboxOptionsFrom(config.outbox, outboxDir(config.outbox, parts.stateDir)),
      replay: config.outbox.replay,
      boot: this.boot,
      clock,
      log: sessionLog,
      ...(host ? { host } : {}),
    });
    if (recovery.pending > 0) log.info('telemetry backlog from earlier boots will be sent after connect', { pending: recovery.pending });
    const publisher = new TelemetryPublisher(session, identity, clock, sessionLog, durable);
    durable.publishNoticesWith(publisher);
    sessionOptions.will = { topic: publisher.topic('state'), payload: publisher.death('connection lost') };
    this.session = session;
    this.publisher = publisher;
    this.durable = durable;

    session.onConnected(async (publishNow, info) => {
      const birth = publisher.birth({
        site: config.node.site,
        version: parts.version,
        configHash: parts.configHash,
        capabilities: this.capabilities(),
        startedAt,
        mqttProtocol: info.protocol,
        healthIntervalS: config.telemetry.healthIntervalS,
      });
      await publishNow(publisher.topic('state'), birth, { qos: 1, retain: true });
      if (info.reconnected) void publisher.event('mqtt.reconnected', 'info', 'link to the broker restored', { protocol: info.protocol });
    });
    // Requests are taken from the first connect (the birth tells the centre the node is there) and held until the handlers are up.
    const requests = config.commands.enabled ? new RequestInbox(session, { prefix: config.mqtt.prefix, site: config.node.site, node: config.node.id }, log.child('commands')) : null;
    session.start();

    this.signal = new SignalService({
      config,
      gpio: parts.gpio,
      lampSensor: parts.lampSensor,
      clock,
      stateDir: parts.stateDir,
      log: log.child('signal'),
      onState: (state) => {
        parts.signalBoard.set(state.groups);
        void publisher.signal(state);
        for (const service of this.cameraServices) for (const [group, aspect] of Object.entries(state.groups)) service.setSignal(group, aspect);
      },
      onControllerEvent: (event) => publishControllerEvent(publisher, event),
      onMonitorEvent: (event) => publishMonitorEvent(publisher, event),
    });
    await this.signal.start();

    for (const [index, source] of parts.cameras.entries()) await this.startCamera(source, config.cameras[index]!, publisher);

    // --- commands (edge/commands): request/<cmd> -> response, signed where they can change a signal ---
    await startNodeCommands({
      config,
      configHash: parts.configHash,
      configPath: parts.configPath ?? null,
      boot: this.boot,
      stateDir: parts.stateDir,
      session,
      requests,
      publisher,
      signal: () => this.signalService(),
      lampSensor: parts.lampSensor,
      cameras: () => this.cameraServices,
      replay: () => this.durable,
      stopAndExit: this.stopAndExit,
      clock,
      log,
    });
    // --- end of commands ---

    // --- technician's web page and /metrics (edge/web); a page that cannot start is reported, the node runs on ---
    try {
      this.web = await startWebServer({
        config,
        configHash: parts.configHash,
        version: parts.version,
        boot: () => this.boot,
        signal: () => this.signalService(),
        cameras: () => this.cameraServices,
        sources: parts.cameras,
        link: () => session,
        system: parts.system,
        clock,
        configPath: parts.configPath ?? null,
        stateDir: parts.stateDir,
        lampSensor: parts.lampSensor,
        publishEvent: (type, severity, message, data) => publisher.event(type, severity, message, data),
        stopAndExit: this.stopAndExit,
        log,
      });
    } catch (error) {
      log.error(`web page did not start on ${config.web.bind}:${config.web.port}`, { error: error as Error });
      void publisher.event('web.failed', 'error', `web page did not start: ${(error as Error).message}`, { bind: config.web.bind, port: config.web.port });
    }
    // --- end of web page ---

    this.health = new HealthReporter(publisher, session, parts.system, clock, config.telemetry.healthIntervalS, log.child('health'));
    this.health.start();

    await parts.watchdog.ready();
    const kickEvery = parts.watchdog.intervalMs();
    if (kickEvery !== null) this.watchdogTimer = clock.setRepeating(() => parts.watchdog.kick(), kickEvery);

    this.summaryLine = new SummaryLine(
      { node: config.node.id, site: config.node.site, boot: this.boot },
      () => ({ link: session.stats(), publisher: publisher.stats(), mode: this.signal?.mode() ?? 'startup', cameras: this.cameraServices.map((service) => service.summary()) }),
      clock,
      config.telemetry.summaryIntervalS,
      parts.summary,
    );
    this.summaryLine.start();
    void publisher.event('node.started', 'info', `node ${config.node.id} started`, { boot: this.boot, version: parts.version, configHash: parts.configHash });
    log.info(`node ${config.node.id}@${config.node.site} started`, { boot: this.boot, broker: parts.brokerUrl, topics: `${config.mqtt.prefix}/${config.node.site}/${config.node.id}/#` });
  }

  /** Safe state first (lamps off, cabinet flash), then the last telemetry, then the death. */
  stop(reason = 'stopped'): Promise<void> {
    this.stopping ??= this.shutdown(reason);
    return this.stopping;
  }

  private async shutdown(reason: string): Promise<void> {
    const { parts } = this;
    const log = parts.log;
    parts.clock.clearTimer(this.watchdogTimer);
    this.summaryLine?.stop();
    await this.web?.stop(); // web page: no more requests once stopping
    this.health?.stop();
    if (this.signal) {
      await this.signal.stop();
      const groups: Record<string, 'dark'> = {};
      for (const group of parts.config.signal.groups) groups[group.id] = 'dark';
      const relay = parts.config.signal.flashRelay !== undefined;
      void this.publisher?.signal({
        mode: relay ? 'flash' : 'dark',
        groups,
        phase: null,
        reason: relay ? 'node stopping: flash relay released to cabinet flash' : 'node stopping: lamps off',
      });
    }
    void this.publisher?.event('node.stopping', 'info', `node stopping: ${reason}`);
    // Cameras stop first so their last partial counting period is sent before the death.
    await Promise.allSettled(this.cameraServices.map((service) => service.stop()));
    if (this.session) {
      // Stored and, while the link is up, acknowledged; what is not stays in the outbox for the next boot.
      await this.durable?.drain(3000);
      await this.session.stop(this.publisher?.death(reason));
    }
    await this.durable?.close().catch((error: Error) => log.warn('telemetry outbox close failed', { error }));
    await Promise.allSettled(this.extraOutputs.map((output) => output.close()));
    await parts.gpio.close().catch((error: Error) => log.warn('GPIO close failed', { error }));
    await parts.watchdog.stopping();
    log.info('node stopped', { reason });
  }

  /**
   * One camera with its vision worker, zones, safety rules and health outputs. A camera that cannot start
   * (or whose relay cannot be opened) is reported and left out: it must not take the signal or the
   * telemetry down with it.
   */
  private async startCamera(source: FrameSource, camera: Config['cameras'][number], publisher: TelemetryPublisher): Promise<void> {
    const { config, clock, log } = this.parts;
    let service: CameraService | null = null;
    try {
      service = new CameraService({
        source,
        lines: countLinesOf(camera),
        countPeriodS: camera.countPeriodS,
        maxWorkingWidth: camera.maxWorkingWidth,
        motionBackend: camera.motionBackend,
        ...this.cameraSpeeds(camera, publisher),
        zones: camera.zones.map((zone) => zoneConfig(zone, camera.lines)),
        laneDividers: camera.laneDividers,
        groups: config.signal.groups.map((group) => group.id),
        ...(camera.safety ? { safety: camera.safety } : {}),
        privacyMasks: camera.privacyMasks,
        ...(camera.metresPerPixel === undefined ? {} : { metresPerPixel: camera.metresPerPixel }),
        ...(camera.calibration === undefined ? {} : { calibration: camera.calibration }),
        clock,
        log: log.child('vision'),
        onCounts: (period) => void publisher.counts(period),
        onZonePresence: (zone, present) => this.zoneCall(camera, zone, present),
        collectEveryMs: 200,
        ...(await this.cameraHealth(camera, publisher)),
        onSafetyEvent: (event, evidence) =>
          void publisher.event(`safety.${event.kind}`, 'warning', describeSafetyEvent(camera.id, event), {
            camera: camera.id,
            ...event,
            ...(evidence ? { evidenceJpeg: evidence } : {}),
          }),
      });
      await service.start();
      const fallback = service.backendFallback;
      if (fallback) {
        const index = config.cameras.indexOf(camera);
        void publisher.event('camera.backend-fallback', 'warning', `camera ${camera.id}: cameras[${index}].motionBackend '${fallback.requested}' cannot run here (${fallback.reason}); vision runs on '${fallback.running}'`, { camera: camera.id, ...fallback });
      }
      for (const [group, aspect] of Object.entries(this.signal?.aspects() ?? {})) service.setSignal(group, aspect);
      this.cameraServices.push(service);
    } catch (error) {
      log.error(`camera ${camera.id} did not start`, { error: error as Error });
      void publisher.event('camera.failed', 'error', `camera ${camera.id} did not start: ${(error as Error).message}`, { camera: camera.id });
      await service?.stop().catch(() => undefined);
    }
  }

  /** Spot speeds between the camera's line pairs, published per counting period as a `speed.period` event. */
  private cameraSpeeds(camera: Config['cameras'][number], publisher: TelemetryPublisher): Pick<ConstructorParameters<typeof CameraService>[0], 'speeds'> {
    if (camera.speeds.length === 0 || camera.calibration === undefined) return {};
    const lineIndex = (name: string) => camera.lines.findIndex((line) => line.name === name);
    return {
      speeds: {
        ground: GroundPlane.fromPoints(camera.calibration.image, camera.calibration.ground),
        pairs: camera.speeds.map((pair) => ({ name: pair.name, lines: [lineIndex(pair.between[0]!), lineIndex(pair.between[1]!)] as const })),
        onSpeeds: (period) => {
          const summary = Object.entries(period.pairs)
            .map(([name, stats]) => (stats.vehicles === 0 ? `${name}: none` : `${name}: ${stats.vehicles} vehicles, mean ${stats.meanKmh} km/h, 85th percentile ${stats.p85Kmh} km/h`))
            .join('; ');
          void publisher.event('speed.period', 'info', `camera ${camera.id} speeds over ${period.periodS} s: ${summary}`, { ...period });
        },
      },
    };
  }

  /** A camera zone bound to a signal group is that group's detector: presence places or drops a call. */
  private zoneCall(camera: Config['cameras'][number], zoneName: string, present: boolean): void {
    const group = camera.zones.find((zone) => zone.name === zoneName)?.group;
    if (group === undefined || !this.signal) return;
    try {
      this.signal.phaseController().placeCall(group, present, `camera:${camera.id}:${zoneName}`);
    } catch (error) {
      this.parts.log.warn(`zone ${zoneName} of camera ${camera.id} cannot call group ${group}`, { error: error as Error });
    }
  }

  /** Health thresholds of a camera and the outputs it drives (power relay, infrared), opened here. */
  private async cameraHealth(camera: Config['cameras'][number], publisher: TelemetryPublisher): Promise<{ health?: NonNullable<ConstructorParameters<typeof CameraService>[0]['health']> }> {
    const settings = camera.health;
    const { gpio, clock } = this.parts;
    const onEvent = (event: CameraHealthEvent) => void publisher.event(event.type, event.severity, event.message, event.data);
    const options: CameraHealthOptions = {
      noFramesMs: (settings?.noFramesS ?? 5) * 1000,
      frozenMs: (settings?.frozenS ?? 10) * 1000,
      darkBelow: settings?.darkBelow ?? 20,
      defocusRatio: settings?.defocusRatio ?? 0.35,
    };
    const actions: CameraHealthActions = {};
    if (settings?.powerRelay) {
      const relay = await openLogicalOutputs(gpio, [settings.powerRelay], 1); // energised = camera powered
      this.extraOutputs.push(relay);
      options.powerCycleAfterMs = settings.powerCycleAfterS * 1000;
      actions.powerCycle = async () => {
        await relay.write(1, 0);
        await clock.sleep(settings.powerOffS * 1000);
        await relay.write(1, 1);
      };
    }
    if (settings?.infrared) {
      const infrared = await openLogicalOutputs(gpio, [settings.infrared.output], 0);
      this.extraOutputs.push(infrared);
      options.infrared = { onBelow: settings.infrared.onBelow, offAbove: settings.infrared.offAbove };
      actions.setInfrared = (on) => infrared.write(1, on ? 1 : 0);
    }
    return { health: { options, actions, onEvent } };
  }

  private capabilities(): string[] {
    const { config, cameras } = this.parts;
    return [
      `gpio:${config.hardware.gpio.driver}`,
      'signal:controller',
      'signal:conflict-monitor',
      ...cameras.map((camera) => `camera:${camera.id}`),
      ...(cameras.length > 0 ? ['vision:count-lines'] : []),
      'telemetry:health',
      'telemetry:durable-outbox',
    ];
  }
}

type CameraConfig = Config['cameras'][number];

/**
 * The camera's count lines as the vision worker takes them: a line that a stop-line rule says is crossed
 * one way carries that direction, so the counter asks more of a crossing the other way (see LineCounter).
 */
function countLinesOf(camera: CameraConfig): CountLineSpec[] {
  const stopLines = camera.safety?.stopLines ?? [];
  return camera.lines.map((line) => {
    const travel = stopLines.find((rule) => rule.line === line.name && rule.direction !== undefined)?.direction;
    return travel === undefined ? line : { ...line, travel };
  });
}

/** A config zone as the vision worker takes it: its stop line resolved to points. */
function zoneConfig(zone: CameraConfig['zones'][number], lines: CameraConfig['lines']): ZoneConfig {
  const stopLine = zone.stopLine === undefined ? undefined : lines.find((line) => line.name === zone.stopLine);
  return {
    name: zone.name,
    points: zone.points,
    ...(zone.group === undefined ? {} : { phase: zone.group }),
    ...(zone.presence ? { presence: zone.presence } : {}),
    ...(stopLine ? { stopLine: { a: stopLine.a, b: stopLine.b } } : {}),
  };
}

/** Controller changes worth a line in the central system's log; intervals go out as `signal` messages. */
function publishControllerEvent(publisher: TelemetryPublisher, event: ControllerEvent): void {
  switch (event.type) {
    case 'mode':
      void publisher.event('signal.mode', 'warning', `controller mode ${event.previous} -> ${event.mode}`, { mode: event.mode, previous: event.previous });
      return;
    case 'plan':
      void publisher.event('signal.plan', 'info', `timing plan ${event.previous ?? 'default'} -> ${event.plan ?? 'default'}`, { plan: event.plan, previous: event.previous });
      return;
    case 'preempt-start':
      void publisher.event('signal.preempt', 'warning', `preemption: moving to phase ${event.phase}`, { phase: event.phase, active: true });
      return;
    case 'preempt-end':
      void publisher.event('signal.preempt', 'info', `preemption ended${event.exitPhase ? `, exit to ${event.exitPhase}` : ''}`, { exitPhase: event.exitPhase, active: false });
      return;
    case 'green-end':
      void publisher.event('signal.green-end', 'debug', `phase ${event.phase} green ended (${event.reason}) after ${(event.greenMs / 1000).toFixed(1)} s`, { phase: event.phase, reason: event.reason, greenMs: event.greenMs });
      return;
    case 'ped-service':
      void publisher.event('signal.ped-service', 'info', `walk for ${event.groups.join(', ')} in phase ${event.phase}`, { phase: event.phase, groups: [...event.groups] });
      return;
    case 'cycle':
      void publisher.event('signal.cycle', 'info', `cycle of ${(event.summary.cycleMs / 1000).toFixed(1)} s`, { ...event.summary });
      return;
    default:
      return;
  }
}

function publishMonitorEvent(publisher: TelemetryPublisher, event: MonitorEvent): void {
  const { fault } = event;
  switch (event.type) {
    case 'tripped':
      void publisher.event('monitor.tripped', 'critical', `conflict monitor tripped: ${fault.kind} (${fault.detail}); intersection in flash until a technician resets it`, { ...fault });
      return;
    case 'latched-at-start':
      void publisher.event('monitor.latched', 'critical', `conflict monitor fault from an earlier run still latched: ${fault.kind}; intersection in flash until reset`, { ...fault });
      return;
    case 'relay-stuck':
      void publisher.event('monitor.relay-stuck', 'critical', 'the flash-transfer relay did not release after a monitor trip', { ...fault });
      return;
    case 'reset':
      void publisher.event('monitor.reset', 'warning', `conflict monitor reset by ${event.by} (was ${fault.kind})`, { ...fault, by: event.by });
      return;
  }
}

function describeSafetyEvent(camera: string, event: SafetyEvent): string {
  const where = event.line ? `line ${event.line}` : event.zone ? `zone ${event.zone}` : 'the scene';
  const what = { 'red-light': 'red-light running', 'wrong-way': 'wrong-way movement', 'illegal-stop': 'illegal stop' }[event.kind];
  const who = event.trackId >= 0 ? `track ${event.trackId}` : 'a vehicle without a track (seen standing in the image)';
  return `${what} by ${who} at ${where} on ${camera}${event.group ? ` (group ${event.group} ${event.signal ?? ''})` : ''}`.trim();
}
