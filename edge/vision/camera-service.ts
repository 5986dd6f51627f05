import type { FrameSource } from '../hal/camera.js';
import type { Clock, TimerHandle } from '../hal/clock.js';
import type { Logger } from '../log.js';
import { CameraHealthMonitor, type CameraHealthActions, type CameraHealthEvent, type CameraHealthOptions } from './camera-health.js';
import { CountAggregator, type CountsPeriod } from './count-aggregator.js';
import type { SignalAspect } from '../../protocol/index.js';
import type { CountLineSpec, Point } from './geometry.js';
import type { SafetyConfig, SafetyEvent } from './safety-monitor.js';
import { VisionWorkerHost, type TrackSnapshot } from './vision-worker-host.js';
import type { ZoneConfig } from './zone-monitor.js';
import type { MotionBackendChoice } from './motion-backends.js';
import type { GroundPlane } from './ground-plane.js';
import { SpeedMeter, type SpeedPair, type SpeedStats } from './speed-meter.js';

export interface CameraServiceOptions {
  source: FrameSource;
  lines: CountLineSpec[];
  countPeriodS: number;
  maxWorkingWidth: number;
  clock: Clock;
  log: Logger;
  zones?: ZoneConfig[];
  laneDividers?: Array<{ a: Point; b: Point }>;
  /** Signal group ids that zones and safety rules refer to. */
  groups?: string[];
  safety?: SafetyConfig;
  privacyMasks?: Point[][];
  metresPerPixel?: number;
  /** Four image points and their road positions (m): queues are measured on the road plane through them. */
  calibration?: { image: Point[]; ground: Point[] };
  /** The motion stage (default auto); one that cannot run here falls back to auto, see backendFallback. */
  motionBackend?: MotionBackendChoice;
  /**
   * Spot speeds between pairs of count lines through the camera's ground plane; onSpeeds receives each
   * counting period's speeds (with the period's start and length) when the period closes.
   */
  speeds?: { ground: GroundPlane; pairs: SpeedPair[]; onSpeeds: (period: SpeedPeriod) => void };
  /** Receives each finished counting period (the body of a `counts` message). */
  onCounts: (period: CountsPeriod) => void;
  /** Receives each traffic-safety event with its evidence JPEG. */
  onSafetyEvent?: (event: SafetyEvent, evidence: Buffer | null) => void;
  /** Camera health thresholds and the outputs it may drive (power relay, infrared). */
  health?: { options: CameraHealthOptions; actions: CameraHealthActions; onEvent: (event: CameraHealthEvent) => void };
  /** A zone's virtual detector switched on or off (a detector call for the zone's signal group). */
  onZonePresence?: (zone: string, present: boolean) => void;
  /** How often the main thread collects counts and zone presence from the worker, ms. */
  collectEveryMs?: number;
}

/** One frame copied out of the camera's ring (for a snapshot); `capturedAt` on the injected clock. */
export interface CapturedFrame {
  gray: Uint8Array;
  width: number;
  height: number;
  capturedAt: number;
}

/** One counting period's spot speeds per line pair (SpeedMeter.takePeriod), on the counts period's clock. */
export interface SpeedPeriod {
  camera: string;
  periodStart: number;
  periodS: number;
  pairs: Record<string, SpeedStats>;
}

export interface CameraSummary {
  id: string;
  fps: number;
  processed: number;
  dropped: number;
  msPerFrame: number;
  totals: Record<string, { lr: number; rl: number }>;
}

/**
 * One camera of the node: its frames go to a vision worker (through shared memory, newest frame wins);
 * every collection tick the main thread reads the worker's running totals and closes counting periods on
 * the wall clock. Nothing here waits on vision.
 */
export class CameraService {
  private host: VisionWorkerHost | null = null;
  private timer: TimerHandle | undefined;
  private readonly aggregator: CountAggregator;
  private readonly lr: Int32Array;
  private readonly rl: Int32Array;
  private readonly health: CameraHealthMonitor | null;
  private readonly safetyListeners = new Set<(event: SafetyEvent, evidence: Buffer | null) => void>();
  /** Waiting for a copy of the next frame (snapshot command); copies happen only while one waits. */
  private readonly frameWaiters: Array<(frame: CapturedFrame) => void> = [];
  /** Zone presence as last told to onZonePresence. */
  private readonly present: boolean[];
  private readonly speedMeter: SpeedMeter | null;

  constructor(private readonly options: CameraServiceOptions) {
    this.lr = new Int32Array(options.lines.length);
    this.rl = new Int32Array(options.lines.length);
    this.present = (options.zones ?? []).map(() => false);
    this.aggregator = new CountAggregator({
      camera: options.source.id,
      lineNames: options.lines.map((line) => line.name),
      zoneNames: (options.zones ?? []).map((zone) => zone.name),
      periodS: options.countPeriodS,
      now: () => options.clock.now(),
    });
    const speeds = options.speeds;
    this.speedMeter = speeds && speeds.pairs.length > 0 ? new SpeedMeter(speeds.pairs, speeds.ground) : null;
    this.aggregator.onPeriod((period) => {
      options.onCounts(period);
      if (this.speedMeter && speeds) speeds.onSpeeds({ camera: period.camera, periodStart: period.periodStart, periodS: period.periodS, pairs: this.speedMeter.takePeriod() });
    });
    this.health = options.health ? new CameraHealthMonitor(options.source.id, options.health.options, options.health.actions, options.health.onEvent) : null;
  }

  get id(): string {
    return this.options.source.id;
  }

  /** The motion backend asked for, the one running instead and why, when the asked-for one could not run; else null. */
  get backendFallback(): { requested: MotionBackendChoice; running: string; reason: string } | null {
    const host = this.host;
    if (!host || host.backendFallback === null) return null;
    return { requested: this.options.motionBackend ?? 'auto', running: host.backend, reason: host.backendFallback };
  }

  async start(): Promise<void> {
    const { source, lines, maxWorkingWidth, clock, log, zones, laneDividers, groups, safety, privacyMasks, metresPerPixel, calibration, motionBackend } = this.options;
    this.host = await VisionWorkerHost.start({
      sourceWidth: source.width,
      sourceHeight: source.height,
      lines,
      maxWorkingWidth,
      ...(zones ? { zones } : {}),
      ...(laneDividers ? { laneDividers } : {}),
      ...(groups ? { groups } : {}),
      ...(safety ? { safety } : {}),
      ...(privacyMasks ? { privacyMasks } : {}),
      ...(metresPerPixel === undefined ? {} : { metresPerPixel }),
      ...(calibration === undefined ? {} : { calibration }),
      ...(motionBackend === undefined ? {} : { motionBackend }),
    });
    const fallback = this.backendFallback;
    if (fallback) log.error(`camera ${source.id}: motionBackend '${fallback.requested}' cannot run here (${fallback.reason}); vision runs on '${fallback.running}' instead`, { camera: source.id });
    this.host.onError((error) => log.error('vision worker failed', { camera: source.id, error }));
    const onSafetyEvent = this.options.onSafetyEvent;
    if (onSafetyEvent) this.safetyListeners.add(onSafetyEvent);
    this.host.onSafetyEvent((event, evidence) => {
      for (const listener of this.safetyListeners) listener(event, evidence);
    });
    const host = this.host;
    await source.start((frame) => {
      if (this.frameWaiters.length > 0) this.handOutFrame(frame.data, frame.width, frame.height);
      host.submit(frame.data, frame.tsMs, frame.index);
    });
    this.timer = clock.setRepeating(() => this.collect(), this.options.collectEveryMs ?? 1000);
    log.info(`camera ${source.id}: ${source.width}×${source.height} at ${source.fps} fps, vision at ${host.workingWidth}×${host.workingHeight} (${host.backend})`, {
      lines: lines.map((line) => line.name).join(','),
    });
  }

  /** Reads the worker's totals into the aggregator; a finished period goes to onCounts. */
  collect(): void {
    const host = this.host;
    if (!host) return;
    for (let l = 0; l < this.lr.length; l++) {
      const totals = host.lineTotals(l);
      this.lr[l] = totals.lr;
      this.rl[l] = totals.rl;
    }
    const meter = this.speedMeter;
    // Speeds from where the vehicle meets the road (its box's bottom), which the ground plane maps: its
    // centre is a point above the road, which would map too far away, the more so the farther it is.
    if (meter) host.drainCrossings((line, _direction, trackId, _frame, tsMs, x, _y, bottom) => meter.crossing(line, trackId, tsMs, x, bottom));
    else host.drainCrossings(() => undefined);
    host.readZones();
    this.reportPresence(host);
    this.aggregator.sample({ lr: this.lr, rl: this.rl }, { occupancy: host.zoneOccupancy, volume: host.zoneVolume, queueM: host.zoneQueueM });
    this.health?.evaluate(this.options.clock.now(), { processed: host.stats().processed, ...host.image() });
  }

  /** One more receiver of this camera's safety events (the simulator's report); returns a remover. */
  onSafetyEvent(listener: (event: SafetyEvent, evidence: Buffer | null) => void): () => void {
    this.safetyListeners.add(listener);
    return () => this.safetyListeners.delete(listener);
  }

  /** A copy of the next frame the camera delivers (full resolution, gray), or null after timeoutMs. */
  nextFrame(timeoutMs: number): Promise<CapturedFrame | null> {
    return new Promise((resolve) => {
      const waiter = (frame: CapturedFrame) => {
        this.options.clock.clearTimer(timer);
        resolve(frame);
      };
      const timer = this.options.clock.setTimer(() => {
        const index = this.frameWaiters.indexOf(waiter);
        if (index >= 0) this.frameWaiters.splice(index, 1);
        resolve(null);
      }, timeoutMs);
      this.frameWaiters.push(waiter);
    });
  }

  private handOutFrame(data: Uint8Array, width: number, height: number): void {
    // The source reuses its ring slot, so the frame is copied once for every waiter.
    const frame: CapturedFrame = { gray: data.slice(0, width * height), width, height, capturedAt: this.options.clock.now() };
    for (const waiter of this.frameWaiters.splice(0)) waiter(frame);
  }

  /** Whether the worker still has a frame waiting or in work (a fast simulation waits for it). */
  busy(): boolean {
    return this.host?.busy() ?? false;
  }

  private reportPresence(host: VisionWorkerHost): void {
    const onZonePresence = this.options.onZonePresence;
    if (!onZonePresence) return;
    const zones = this.options.zones ?? [];
    for (let z = 0; z < zones.length; z++) {
      const present = host.zonePresent(z);
      if (present === this.present[z]) continue;
      this.present[z] = present;
      onZonePresence(zones[z]!.name, present);
    }
  }

  /** Tells vision a signal group's aspect: red freezes the background of its zones and arms red-light checks. */
  setSignal(group: string, aspect: SignalAspect): void {
    this.host?.setSignal(group, aspect);
  }

  /** Tracks (source pixels) and zone occupancy as last collected, for the technician's page; allocates. */
  liveView(): { tracks: TrackSnapshot[]; zoneOccupancy: number[]; zonePresent: boolean[] } {
    const host = this.host;
    if (!host) return { tracks: [], zoneOccupancy: [], zonePresent: [] };
    return { tracks: host.trackSnapshot(), zoneOccupancy: Array.from(host.zoneOccupancy), zonePresent: [...this.present] };
  }

  summary(): CameraSummary {
    const stats = this.host?.stats() ?? { processed: 0, dropped: 0, msPerFrame: 0 };
    const totals: CameraSummary['totals'] = {};
    this.options.lines.forEach((line, l) => (totals[line.name] = { lr: this.lr[l]!, rl: this.rl[l]! }));
    return { id: this.id, fps: this.options.source.fps, ...stats, totals };
  }

  async stop(): Promise<void> {
    this.options.clock.clearTimer(this.timer);
    await this.options.source.stop();
    if (this.host) {
      this.collect();
      // The period in progress is reported as it stands, so counts made before a stop are not lost.
      this.aggregator.flush();
      await this.host.stop();
    }
  }
}
