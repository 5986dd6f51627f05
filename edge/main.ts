import { readFileSync } from 'node:fs';
import { resolveSecrets, type Config } from './config/index.js';
import type { FrameSource } from './hal/camera.js';
import type { Clock } from './hal/clock.js';
import type { GpioBinding } from './hal/gpio.js';
import { LinuxSystemInfo } from './hal/linux-system-info.js';
import { NoopWatchdog } from './hal/noop-watchdog.js';
import { RealClock } from './hal/real-clock.js';
import type { Watchdog } from './hal/watchdog.js';
import type { Logger } from './log.js';
import { IntersectionNode, type NodeParts } from './node.js';
import { SignalBoard } from './signal/signal-board.js';
import type { SignalAspect } from '../protocol/index.js';
import { openLampSensor } from './signal/monitor/open-lamp-sensor.js';
import type { MqttSessionOptions } from './telemetry/mqtt-session.js';
import { packageVersion } from './version.js';

/**
 * The composition root: the one place that turns config into concrete bindings. Nothing above the HAL
 * knows whether it got real hardware or the simulator. Drivers load lazily, so a node on real hardware
 * never loads the simulator and a simulated node never needs native GPIO modules.
 */
type GpioConfig = Config['hardware']['gpio'];
type GpioOptionsOf<K extends GpioConfig['driver']> = Extract<GpioConfig, { driver: K }>;
type WatchdogDriver = Config['hardware']['watchdog']['driver'];
type CameraConfig = Config['cameras'][number];

const gpioDrivers: { [K in GpioConfig['driver']]: (options: GpioOptionsOf<K>, clock: Clock) => Promise<GpioBinding> } = {
  sim: async (_options, clock) => new (await import('../sim/sim-gpio.js')).SimGpioBinding({ clock }),
  onoff: async (_options, clock) => new (await import('./hal/drivers/gpio-onoff.js')).OnoffGpioBinding({ clock }),
  gpiod: async ({ pollIntervalMs }, clock) => new (await import('./hal/drivers/gpio-gpiod.js')).GpiodGpioBinding({ clock, pollIntervalMs }),
  firmata: async ({ port, baudRate }, clock) => (await import('./hal/drivers/gpio-firmata.js')).FirmataGpioBinding.open({ clock, port, baudRate }),
};

export function openGpio(options: GpioConfig, clock: Clock): Promise<GpioBinding> {
  // TypeScript cannot correlate the driver key with its options branch; the schema's union guarantees it.
  const open = gpioDrivers[options.driver] as (options: GpioConfig, clock: Clock) => Promise<GpioBinding>;
  return open(options, clock);
}

const watchdogDrivers: Record<WatchdogDriver, (clock: Clock, env: NodeJS.ProcessEnv, log: Logger) => Promise<Watchdog>> = {
  none: async () => new NoopWatchdog(),
  sim: async (clock) => new (await import('../sim/sim-watchdog.js')).SimWatchdog({ clock }),
  systemd: async (_clock, env, log) => new (await import('./hal/drivers/systemd-watchdog.js')).SystemdWatchdog({ env, log: log.child('watchdog') }),
};

type SourceOf<K extends CameraConfig['source']['kind']> = Extract<CameraConfig['source'], { kind: K }>;
/** The aspect of the signal group a camera's approach obeys (only the simulated scene uses it: its drivers obey the node). */
type ApproachSignal = (() => SignalAspect | null) | null;
type CameraFactory<K extends CameraConfig['source']['kind']> = (id: string, source: SourceOf<K>, clock: Clock, log: Logger, approachSignal: ApproachSignal) => Promise<FrameSource>;

const cameraSources: { [K in CameraConfig['source']['kind']]: CameraFactory<K> } = {
  sim: async (id, source, clock, _log, approachSignal) => {
    const [{ cameraScene }, { SceneFrameSource }] = await Promise.all([import('../sim/intersection/camera-scene.js'), import('../sim/scene/scene-frame-source.js')]);
    const scene = cameraScene({ seed: source.seed, width: source.width, height: source.height, fps: source.fps, traffic: source.traffic, approachSignal });
    return new SceneFrameSource({ id, scene, clock });
  },
  file: async (id, source, clock, log) => {
    const { FfmpegFrameSource } = await import('./hal/drivers/ffmpeg-frame-source.js');
    const input = { kind: 'file' as const, path: source.path, loop: source.loop, realtime: true };
    return new FfmpegFrameSource({ id, input, width: source.width, height: source.height, fps: source.fps, clock, log });
  },
  v4l2: async (id, source, clock, log) => {
    const { FfmpegFrameSource } = await import('./hal/drivers/ffmpeg-frame-source.js');
    const input = source.inputFormat === undefined ? { kind: 'v4l2' as const, device: source.device } : { kind: 'v4l2' as const, device: source.device, inputFormat: source.inputFormat };
    return new FfmpegFrameSource({ id, input, width: source.width, height: source.height, fps: source.fps, clock, log });
  },
  rtsp: async (id, source, clock, log) => {
    const { FfmpegFrameSource } = await import('./hal/drivers/ffmpeg-frame-source.js');
    const input = { kind: 'rtsp' as const, url: source.url, transport: source.transport };
    return new FfmpegFrameSource({ id, input, width: source.width, height: source.height, fps: source.fps, clock, log });
  },
  rpicam: async (id, source, clock, log) => {
    const { RpicamFrameSource } = await import('./hal/drivers/rpicam-frame-source.js');
    return new RpicamFrameSource({ id, width: source.width, height: source.height, fps: source.fps, clock, log });
  },
  opencv: async (id, source, clock, log) => {
    const { OpenCvFrameSource } = await import('./hal/drivers/opencv-frame-source.js');
    return new OpenCvFrameSource({ id, source: source.device, width: source.width, height: source.height, fps: source.fps, clock, log });
  },
};

export function openCamera(camera: CameraConfig, clock: Clock, log: Logger, board: SignalBoard): Promise<FrameSource> {
  const factory = cameraSources[camera.source.kind] as CameraFactory<CameraConfig['source']['kind']>;
  const group = approachGroup(camera);
  return factory(camera.id, camera.source, clock, log.child(`camera:${camera.id}`), group === null ? null : () => board.aspect(group));
}

/** The signal group a camera's approach obeys: its stop line's group, else the group its zones detect for. */
export function approachGroup(camera: CameraConfig): string | null {
  return camera.safety?.stopLines[0]?.group ?? camera.zones.find((zone) => zone.group !== undefined)?.group ?? null;
}

export interface ComposeOptions {
  config: Config;
  configHash: string;
  /** The config file, for set-config (edge/commands/config-trial.ts). */
  configPath?: string;
  stateDir: string;
  brokerUrl: string;
  log: Logger;
  summary: (line: string) => void;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  /** Parts a harness supplies itself (the intersection simulator keeps its GPIO bench and lamps to inject faults). */
  overrides?: Partial<Pick<NodeParts, 'gpio' | 'lampSensor' | 'cameras' | 'system' | 'watchdog' | 'signalBoard'>>;
}

export class CompositionError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
    this.name = 'CompositionError';
  }
}

export async function composeNode(options: ComposeOptions): Promise<IntersectionNode> {
  const { config } = options;
  const clock = options.clock ?? new RealClock();
  const secrets = resolveSecrets(config, options.env ?? process.env);
  if (!secrets.ok) throw new CompositionError(secrets.errors);
  const tls = readTls(config);
  const overrides = options.overrides ?? {};
  const gpio = overrides.gpio ?? (await openGpio(config.hardware.gpio, clock));
  const lampSensor = overrides.lampSensor ?? (await openLampSensor(config, gpio, clock));
  const signalBoard = overrides.signalBoard ?? new SignalBoard();
  const cameras = overrides.cameras ?? (await Promise.all(config.cameras.map((camera) => openCamera(camera, clock, options.log, signalBoard))));
  const parts: NodeParts = {
    config,
    configHash: options.configHash,
    ...(options.configPath === undefined ? {} : { configPath: options.configPath }),
    version: packageVersion(),
    stateDir: options.stateDir,
    brokerUrl: options.brokerUrl,
    clock,
    gpio,
    lampSensor,
    signalBoard,
    system: overrides.system ?? new LinuxSystemInfo({ diskPath: options.stateDir }),
    watchdog: overrides.watchdog ?? (await watchdogDrivers[config.hardware.watchdog.driver](clock, options.env ?? process.env, options.log)),
    cameras,
    log: options.log,
    summary: options.summary,
  };
  if (secrets.mqttPassword !== undefined) parts.mqttPassword = secrets.mqttPassword;
  if (tls) parts.tls = tls;
  return new IntersectionNode(parts);
}

export function readTls(config: Config): MqttSessionOptions['tls'] | undefined {
  const tls = config.mqtt.tls;
  if (!tls) return undefined;
  const errors: string[] = [];
  const read = (field: 'ca' | 'cert' | 'key'): Buffer | undefined => {
    const path = tls[field];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      errors.push(`mqtt.tls.${field}: cannot read ${path} (${(error as Error).message})`);
      return undefined;
    }
  };
  const result: NonNullable<MqttSessionOptions['tls']> = { rejectUnauthorized: tls.rejectUnauthorized };
  const ca = read('ca');
  const cert = read('cert');
  const key = read('key');
  if (errors.length > 0) throw new CompositionError(errors);
  if (ca) result.ca = ca;
  if (cert) result.cert = cert;
  if (key) result.key = key;
  return result;
}
