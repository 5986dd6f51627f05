import { join } from 'node:path';
import { validateConfig, type Config } from '../config/index.js';
import { outboxDir } from '../config/outbox-schema.js';
import type { FrameSource } from '../hal/camera.js';
import { LAMP_ORDER, type LampSensor } from '../hal/lamp-sensor.js';
import type { Logger } from '../log.js';
import type { SignalService } from '../signal/signal-service.js';
import { readJsonIfExists, writeFileAtomic } from '../state/atomic-file.js';
import type { LinkStats } from '../telemetry/mqtt-session.js';
import type { CameraService } from '../vision/camera-service.js';
import { resultEvent } from './broker-probe.js';
import { cameraCheck, type CameraUnderTest } from './camera-check.js';
import { configCheck } from './config-check.js';
import { diskCheck } from './disk-check.js';
import { lampCheckOnRig } from './lamp-check.js';
import { nodeLinkCheck } from './node-link-check.js';
import { outboxCheck } from './outbox-check.js';
import { runningCameraTap } from './running-camera-tap.js';
import { openRunningLampRig } from './running-lamp-rig.js';
import type { SelftestCheck, SelftestReport, SelftestStatus } from './selftest-check.js';
import { runSelftest } from './selftest-runner.js';

export type SelftestEventSeverity = 'debug' | 'info' | 'warning' | 'error';

export interface RunningNodeSelftestParts {
  config: Config;
  configHash: string;
  stateDir: string;
  signal: () => SignalService;
  lampSensor: LampSensor;
  cameras: () => readonly CameraService[];
  sources: readonly FrameSource[];
  linkStats: () => LinkStats;
  /** Publishes an event through the node's durable telemetry; true once the broker acknowledged it. */
  publish: (type: string, severity: SelftestEventSeverity, message: string, data?: Record<string, unknown>) => Promise<boolean>;
  /** Told of the run's start and result (the page's event log). */
  onEvent?: (type: string, severity: SelftestEventSeverity, message: string) => void;
  log: Logger;
  /** Capture per camera, ms (default 3000, as the command). */
  captureMs?: number;
  /** How long the controller may take to reach flash before the lamp test is refused, ms (default 180 s). */
  flashWithinMs?: number;
}

interface StoredResult {
  by: string;
  report: SelftestReport;
  published: boolean;
}

/**
 * The commissioning self-test on the running node, for the technician's page: the command's checks and
 * runner (config, lamps, camera, broker, disk, outbox; same rows, same texts), where the lamp test runs
 * in the node's own safe context (edge/selftest/running-lamp-rig.ts) instead of on lines the node holds.
 * Inputs are left to `nutgiao selftest --watch-inputs` with the node stopped: the controller owns them.
 * One run at a time; the last result is kept in the state folder and published as `selftest.result`.
 */
export class RunningNodeSelftest {
  private status: SelftestStatus = { running: null, last: null };
  private readonly resultPath: string;

  private constructor(private readonly parts: RunningNodeSelftestParts) {
    this.resultPath = join(parts.stateDir, 'selftest-last.json');
  }

  /** Loads the last result a previous run left (a damaged file is forgotten, with a warning). */
  static async open(parts: RunningNodeSelftestParts): Promise<RunningNodeSelftest> {
    const selftest = new RunningNodeSelftest(parts);
    try {
      const stored = await readJsonIfExists<StoredResult>(selftest.resultPath);
      if (stored && Array.isArray(stored.report?.rows)) selftest.status = { running: null, last: stored };
    } catch (error) {
      parts.log.warn('the last self-test result cannot be read; it is not shown', { path: selftest.resultPath, error: error as Error });
    }
    return selftest;
  }

  current(): SelftestStatus {
    return this.status;
  }

  /**
   * Starts a run unless one is under way (the lamp test must have the heads alone); resolves when it
   * finishes, so callers may await it or follow current().
   */
  start(by: string): { started: true; finished: Promise<SelftestReport> } | { started: false; reason: string } {
    if (this.status.running) return { started: false, reason: `a self-test started by ${this.status.running.by} is still running` };
    const checks = this.checks();
    this.status = { ...this.status, running: { by, startedAt: Date.now(), step: checks[0]?.name ?? null, done: 0, total: checks.length, rows: [] } };
    this.parts.onEvent?.('selftest.started', 'warning', `self-test started by ${by}: the intersection goes to flash for the lamp test`);
    void this.parts.publish('selftest.started', 'warning', `self-test started by ${by}: the intersection goes to flash for the lamp test`, { by });
    return { started: true, finished: this.run(by, checks) };
  }

  private async run(by: string, checks: SelftestCheck[]): Promise<SelftestReport> {
    const report = await runSelftest(checks, {
      onRows: (rows) => {
        const running = this.status.running;
        if (!running) return;
        const done = running.done + 1;
        this.status = { ...this.status, running: { ...running, done, rows: [...running.rows, ...rows], step: checks[done]?.name ?? null } };
      },
    });
    const result = resultEvent(report);
    this.parts.onEvent?.('selftest.result', report.passed ? 'info' : 'error', result.message);
    const published = await this.parts.publish('selftest.result', result.severity, result.message, result.data).catch(() => false);
    const last: StoredResult = { by, report, published };
    this.status = { running: null, last };
    await writeFileAtomic(this.resultPath, JSON.stringify(last)).catch((error: Error) => this.parts.log.warn('cannot keep the self-test result', { path: this.resultPath, error }));
    return report;
  }

  private checks(): SelftestCheck[] {
    const { config, configHash, stateDir, log } = this.parts;
    const settleMs = config.monitor.sensor === 'sim' ? 2 : config.monitor.readbackDebounceMs + 30;
    const flashWithinMs = this.parts.flashWithinMs ?? 180_000;
    const lampCount = config.signal.groups.reduce((sum, group) => sum + LAMP_ORDER[group.kind].length, 0);
    const step = (text: string) => {
      const running = this.status.running;
      if (running) this.status = { ...this.status, running: { ...running, step: `lamps: ${text}` } };
    };
    return [
      configCheck(() => {
        const result = validateConfig(config);
        return result.ok ? { ok: true, hash: configHash } : { ok: false, errors: result.errors };
      }),
      lampCheckOnRig({
        groups: config.signal.groups,
        flashRelay: config.signal.flashRelay,
        settleMs,
        timeoutMs: flashWithinMs + 10_000 + lampCount * 4 * (settleMs + 20),
        openRig: () => openRunningLampRig({ signal: this.parts.signal(), sensor: this.parts.lampSensor, flashWithinMs, log, onStep: step }),
      }),
      cameraCheck({ cameras: this.camerasUnderTest(), captureMs: this.parts.captureMs ?? 3000 }),
      nodeLinkCheck({
        broker: config.mqtt.broker ?? 'the embedded broker',
        stats: this.parts.linkStats,
        publishProbe: () => this.parts.publish('selftest.probe', 'debug', 'self-test: broker round trip'),
      }),
      diskCheck({ stateDir, outboxMaxBytes: config.outbox.maxBytes }),
      outboxCheck(outboxDir(config.outbox, stateDir)),
    ];
  }

  private camerasUnderTest(): CameraUnderTest[] {
    const { config, sources } = this.parts;
    return config.cameras.map((camera) => ({
      id: camera.id,
      configuredFps: camera.source.fps,
      darkBelow: camera.health?.darkBelow ?? 20,
      open: async () => {
        const service = this.parts.cameras().find((candidate) => candidate.id === camera.id);
        const source = sources.find((candidate) => candidate.id === camera.id);
        if (!service || !source) throw new Error(`camera ${camera.id} is not running (it failed at start: see the event log and the journal)`);
        return runningCameraTap(service, source);
      },
    }));
  }
}
