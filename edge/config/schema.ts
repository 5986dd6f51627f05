/**
 * The one source of truth for the node's config: every field, range, default and unit lives here, and the
 * TypeScript type is derived from it. Objects reject unknown fields, because a typo in a safety config must
 * not be silently ignored.
 *
 * Annotations read by schema-errors.ts: `unit` (appended to range messages: "must be >= 5 s") and `allowed`
 * (what a pattern or a union accepts, in words an installer understands).
 */
import { Type, type ObjectOptions, type Static, type TProperties } from '@sinclair/typebox';
import type { PinSpec } from '../hal/gpio.js';
import { GREEN_RANGES, signalControlFields } from './signal-schema-parts.js';
import { monitorSchema } from './monitor-schema.js';
import { CommandsSchema } from './commands-schema.js';
import { OutboxSchema } from './outbox-schema.js';
import { UpdateSchema } from './update-schema.js';
import { WebSchema } from './web-schema.js';
import { MOTION_BACKENDS } from '../vision/motion-backends.js';

/** GPIO drivers the runtime can bind; adding a driver is one entry here, one branch of GpioSchema, and its binding. */
export const GPIO_DRIVERS = ['sim', 'onoff', 'gpiod', 'firmata'] as const;
export type GpioDriver = (typeof GPIO_DRIVERS)[number];

/** none: no supervisor watchdog; sim: the simulator's; systemd: sd_notify to the nutgiao.service unit (Type=notify, WatchdogSec=). */
export const WATCHDOG_DRIVERS = ['none', 'sim', 'systemd'] as const;
export type WatchdogDriver = (typeof WATCHDOG_DRIVERS)[number];

export const MQTT_PROTOCOLS = ['auto', '5', '3.1.1'] as const;
export const RECALL_MODES = ['none', 'min', 'max', 'ped'] as const;

function strictObject<T extends TProperties>(properties: T, options: ObjectOptions = {}) {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

function oneOf<const T extends readonly string[]>(values: T, options: { default?: T[number] } = {}) {
  return Type.Union(
    values.map((value) => Type.Literal(value as T[number])),
    options,
  );
}

const seconds = (minimum: number, maximum: number, defaultValue?: number) =>
  Type.Number({ minimum, maximum, unit: 's', ...(defaultValue === undefined ? {} : { default: defaultValue }) });

const wholeNumber = (minimum: number, maximum: number, unit: string, defaultValue: number) =>
  Type.Integer({ minimum, maximum, unit, default: defaultValue });

export const IdSchema = Type.String({
  pattern: '^[A-Za-z0-9_-]{1,64}$',
  allowed: '1 to 64 letters, digits, _ or -',
});

const NonEmptyString = Type.String({ minLength: 1 });

export const PinSchema = strictObject({
  chip: Type.String({ minLength: 1, default: 'gpiochip0' }),
  line: Type.Integer({ minimum: 0, maximum: 1023 }),
  activeLow: Type.Boolean({ default: false }),
});

/** Compile-time guard: a config pin must be usable wherever the HAL takes a PinSpec. */
type HalPin<T extends PinSpec> = T;
export type Pin = HalPin<Static<typeof PinSchema>>;

const NodeSchema = strictObject({
  id: IdSchema,
  site: IdSchema,
  name: Type.Optional(NonEmptyString),
});

const PasswordSchema = Type.Union(
  [
    Type.String(),
    strictObject({
      env: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', allowed: 'an environment variable name' }),
    }),
    strictObject({ file: NonEmptyString }),
  ],
  { allowed: 'a string, { env: VARIABLE_NAME } or { file: PATH }' },
);

const TlsSchema = strictObject({
  ca: Type.Optional(NonEmptyString),
  cert: Type.Optional(NonEmptyString),
  key: Type.Optional(NonEmptyString),
  rejectUnauthorized: Type.Boolean({ default: true }),
});

const MqttSchema = strictObject(
  {
    /** Absent: the CLI starts an embedded broker. */
    broker: Type.Optional(
      Type.String({
        pattern: '^(mqtts?|wss?)://[^\\s/?#]+([/?#]\\S*)?$',
        allowed: 'a URL starting with mqtt://, mqtts://, ws:// or wss://',
      }),
    ),
    prefix: Type.String({
      pattern: '^[^/+#\\u0000]+(/[^/+#\\u0000]+)*$',
      allowed: "topic levels separated by '/', without '+', '#', empty levels or a leading/trailing '/'",
      default: 'nutgiao/v1',
    }),
    /** auto = MQTT 5, falling back to 3.1.1. */
    protocol: oneOf(MQTT_PROTOCOLS, { default: 'auto' }),
    clientId: Type.Optional(NonEmptyString),
    username: Type.Optional(NonEmptyString),
    /** Secrets may come from the environment or a file, so they never have to sit in the config. */
    password: Type.Optional(PasswordSchema),
    keepaliveS: wholeNumber(5, 1200, 's', 30),
    connectTimeoutS: wholeNumber(1, 120, 's', 10),
    reconnect: strictObject(
      {
        minMs: wholeNumber(100, 60_000, 'ms', 500),
        maxMs: wholeNumber(1000, 3_600_000, 'ms', 60_000),
      },
      { default: {} },
    ),
    tls: Type.Optional(TlsSchema),
    /** Hold the backlog until the central host's retained state on `topic` says online (Sparkplug's STATE), at most timeoutS. */
    waitForHost: Type.Optional(strictObject({ topic: Type.String({ pattern: '^[^+#\\u0000]+$', allowed: "one topic, without '+' or '#'" }), timeoutS: wholeNumber(1, 86_400, 's', 300) })),
  },
  { default: {} },
);

const TelemetrySchema = strictObject(
  {
    healthIntervalS: wholeNumber(1, 3600, 's', 10),
    /** Period of the console summary line. */
    summaryIntervalS: wholeNumber(1, 3600, 's', 5),
  },
  { default: {} },
);

/** Boot id, fault records and the MQTT outbox live in state.dir. */
const StateSchema = strictObject({ dir: Type.String({ minLength: 1, default: './var' }) }, { default: {} });

/** Each GPIO driver with its own options, told apart by `driver`. */
const GpioSchema = Type.Union(
  [
    strictObject({ driver: Type.Literal('sim') }),
    /** Linux sysfs GPIO (/sys/class/gpio) through onoff; pins map to sysfs numbers through the chips' bases. */
    strictObject({ driver: Type.Literal('onoff') }),
    /** The GPIO character device through node-libgpiod (libgpiod 1.6); inputs are sampled every pollIntervalMs. */
    strictObject({ driver: Type.Literal('gpiod'), pollIntervalMs: wholeNumber(1, 100, 'ms', 5) }),
    /** A StandardFirmata board (Arduino driving a relay card) on a serial port; pins are {chip: firmata, line: board pin}. */
    strictObject({
      driver: Type.Literal('firmata'),
      port: Type.String({ pattern: '^/dev/\\S+$', allowed: 'a serial device path such as /dev/ttyACM0' }),
      baudRate: wholeNumber(300, 2_000_000, 'baud', 57_600),
    }),
  ],
  { default: { driver: 'sim' } },
);

const HardwareSchema = strictObject(
  {
    gpio: GpioSchema,
    watchdog: strictObject({ driver: oneOf(WATCHDOG_DRIVERS, { default: 'none' }) }, { default: {} }),
  },
  { default: {} },
);

const groupCommon = {
  id: IdSchema,
  name: Type.Optional(NonEmptyString),
  approach: Type.Optional(NonEmptyString),
};

export const VehicleGroupSchema = strictObject({
  ...groupCommon,
  kind: Type.Literal('vehicle'),
  outputs: strictObject({ red: PinSchema, amber: PinSchema, green: PinSchema }),
});

export const PedestrianGroupSchema = strictObject({
  ...groupCommon,
  kind: Type.Literal('pedestrian'),
  outputs: strictObject({ dontWalk: PinSchema, walk: PinSchema }),
});

export const SignalGroupSchema = Type.Union([VehicleGroupSchema, PedestrianGroupSchema]);

export const PhaseSchema = strictObject({
  id: IdSchema,
  groups: Type.Array(IdSchema, { minItems: 1 }),
  minGreen: seconds(...GREEN_RANGES.minGreen, 7),
  maxGreen: seconds(...GREEN_RANGES.maxGreen, 40),
  /** Green extension per detected vehicle. */
  passage: seconds(...GREEN_RANGES.passage, 3),
  yellow: seconds(3, 8, 3.5),
  redClearance: seconds(0, 10, 1.5),
  walk: Type.Optional(seconds(4, 60)),
  pedClearance: Type.Optional(seconds(3, 60)),
  recall: oneOf(RECALL_MODES, { default: 'none' }),
});

const SignalSchema = strictObject({
  groups: Type.Array(SignalGroupSchema, { minItems: 1 }),
  /** Pairs that must never show green/amber/walk together; symmetric. */
  conflicts: Type.Array(Type.Tuple([IdSchema, IdSchema], { allowed: 'a pair [groupId, groupId]' }), {
    default: [],
  }),
  phases: Type.Array(PhaseSchema, { minItems: 1 }),
  /** Defaults to the phases in order (filled by validateConfig, since it derives from another field). */
  ring: Type.Array(IdSchema, { minItems: 1 }),
  /** Energised = the controller drives the lamps; de-energised = the cabinet flashes. */
  flashRelay: Type.Optional(PinSchema),
  ...signalControlFields(IdSchema, PinSchema, oneOf(RECALL_MODES)),
});

// Every source delivers frames of width×height (ffmpeg scales to it), so count lines are checked against it.
const frameSize = {
  width: wholeNumber(64, 1920, 'px', 320),
  height: wholeNumber(48, 1080, 'px', 240),
  fps: Type.Number({ minimum: 1, maximum: 60, unit: 'fps', default: 10 }),
};

/** The simulator's rendered intersection approach (sim/scene), with ground truth. */
const SimCameraSourceSchema = strictObject({
  kind: Type.Literal('sim'),
  ...frameSize,
  seed: Type.Integer({ minimum: 0, default: 1 }),
  traffic: oneOf(['light', 'medium', 'heavy', 'saturated'] as const, { default: 'medium' }),
});

/** A video file played as a camera (looping, paced in real time): for bench setups and demos. */
const FileCameraSourceSchema = strictObject({
  kind: Type.Literal('file'),
  ...frameSize,
  path: Type.String({ minLength: 1 }),
  loop: Type.Boolean({ default: true }),
});

const V4l2CameraSourceSchema = strictObject({
  kind: Type.Literal('v4l2'),
  ...frameSize,
  device: Type.String({ pattern: '^/dev/', allowed: 'a device path such as /dev/video0' }),
  inputFormat: Type.Optional(Type.String({ minLength: 1 })),
});

const RtspCameraSourceSchema = strictObject({
  kind: Type.Literal('rtsp'),
  ...frameSize,
  url: Type.String({ pattern: '^rtsps?://', allowed: 'a URL starting with rtsp:// or rtsps://' }),
  transport: oneOf(['tcp', 'udp'] as const, { default: 'tcp' }),
});

/** The Raspberry Pi camera through rpicam-vid. */
const RpicamCameraSourceSchema = strictObject({
  kind: Type.Literal('rpicam'),
  ...frameSize,
});

/** A camera, device, stream or file opened by OpenCV's VideoCapture (needs scripts/install-opencv.sh). */
const OpenCvCameraSourceSchema = strictObject({
  kind: Type.Literal('opencv'),
  ...frameSize,
  device: Type.Union([Type.Integer({ minimum: 0, maximum: 63 }), Type.String({ minLength: 1 })], {
    allowed: 'a camera index (0 for /dev/video0), a device path, a stream URL or a video file',
  }),
});

const CameraSourceSchema = Type.Union([SimCameraSourceSchema, FileCameraSourceSchema, V4l2CameraSourceSchema, RtspCameraSourceSchema, RpicamCameraSourceSchema, OpenCvCameraSourceSchema]);
export const CAMERA_SOURCE_KINDS = ['sim', 'file', 'v4l2', 'rtsp', 'rpicam', 'opencv'] as const;

const ImagePointSchema = strictObject({
  x: Type.Number({ minimum: 0, unit: 'px' }),
  y: Type.Number({ minimum: 0, unit: 'px' }),
});

/** A count line A→B in the camera's image; `lr` counts moves from side(P) < 0 to side(P) > 0. */
const CountLineSchema = strictObject({
  name: IdSchema,
  a: ImagePointSchema,
  b: ImagePointSchema,
});

/** A polygon in the camera's image: a lane's queue zone, a no-stopping box, a lane for wrong-way checks. */
const ZoneSchema = strictObject({
  name: IdSchema,
  points: Type.Array(ImagePointSchema, { minItems: 3 }),
  /** The signal group this zone detects for; while that group is red, the background under it is not learned. */
  group: Type.Optional(IdSchema),
  /** The virtual detector: presence switches on/off after the occupancy held for these delays. */
  presence: Type.Optional(
    strictObject({
      onDelayMs: wholeNumber(0, 60_000, 'ms', 0),
      offDelayMs: wholeNumber(0, 60_000, 'ms', 500),
    }),
  ),
  /** A count line of this camera from which the queue length in this zone is measured. */
  stopLine: Type.Optional(IdSchema),
});

/** What the camera reports as traffic-safety events, each with a small evidence image. */
const SafetySchema = strictObject({
  /** Red-light running: crossing this line while the group is red, after the grace time. */
  stopLines: Type.Array(
    strictObject({
      line: IdSchema,
      group: IdSchema,
      graceMs: wholeNumber(0, 5000, 'ms', 500),
      /**
       * The crossing direction that enters the junction. The line's counter then also asks more of a
       * crossing the other way (a vehicle seen on its own, moving that way): a queue shuffling at the line
       * makes no wrong-direction counts.
       */
      direction: Type.Optional(oneOf(['lr', 'rl'] as const)),
      /** Crossings slower than this (queues shuffling at the line) are not reported as runners. */
      minSpeedPxPerS: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000, unit: 'px/s' })),
    }),
    { default: [] },
  ),
  /** Wrong way: moving against a lane's direction of travel (x, y in image pixels, any length). */
  lanes: Type.Array(strictObject({ zone: IdSchema, direction: strictObject({ x: Type.Number(), y: Type.Number() }) }), { default: [] }),
  /** Illegal stop: standing still in the zone longer than maxStopMs. */
  noStopping: Type.Array(strictObject({ zone: IdSchema, maxStopMs: wholeNumber(1000, 3_600_000, 'ms', 10_000) }), { default: [] }),
});

/** Camera health events and what the node does about them. */
const CameraHealthSchema = strictObject({
  noFramesS: wholeNumber(1, 600, 's', 5),
  frozenS: wholeNumber(1, 600, 's', 10),
  /** Mean gray level below which the image is too dark. */
  darkBelow: wholeNumber(0, 255, 'gray levels', 20),
  /** Defocus when sharpness falls below this fraction of its usual value. */
  defocusRatio: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.35 }),
  /** A relay that powers the camera: opened for powerOffS when no frames arrived for powerCycleAfterS. */
  powerRelay: Type.Optional(PinSchema),
  powerCycleAfterS: wholeNumber(10, 3600, 's', 60),
  powerOffS: wholeNumber(1, 60, 's', 5),
  /** An infrared illuminator that follows the light level (on below onBelow, off above offAbove). */
  infrared: Type.Optional(
    strictObject({
      output: PinSchema,
      onBelow: wholeNumber(0, 255, 'gray levels', 40),
      offAbove: wholeNumber(0, 255, 'gray levels', 70),
    }),
  ),
});

const CameraSchema = strictObject({
  id: IdSchema,
  source: CameraSourceSchema,
  health: Type.Optional(CameraHealthSchema),
  lines: Type.Array(CountLineSchema, { default: [] }),
  zones: Type.Array(ZoneSchema, { default: [] }),
  /** Lines between adjacent lanes (A→B in image pixels): vehicles side by side are told apart along them. */
  laneDividers: Type.Array(strictObject({ a: ImagePointSchema, b: ImagePointSchema }), { default: [] }),
  safety: Type.Optional(SafetySchema),
  /** Polygons blanked in every image that leaves the node (evidence crops, snapshots). */
  privacyMasks: Type.Array(Type.Array(ImagePointSchema, { minItems: 3 }), { default: [] }),
  /**
   * Four image points and where they are on the road (metres in any flat frame, e.g. measured from a
   * kerb corner): the road plane, for vehicle speeds between two count lines (`speeds`).
   */
  calibration: Type.Optional(
    strictObject({
      image: Type.Array(ImagePointSchema, { minItems: 4, maxItems: 4 }),
      ground: Type.Array(strictObject({ x: Type.Number({ unit: 'm' }), y: Type.Number({ unit: 'm' }) }), { minItems: 4, maxItems: 4 }),
    }),
  ),
  /** Spot speeds of the vehicles that cross both lines of a pair, per counting period (needs `calibration`). */
  speeds: Type.Array(strictObject({ name: IdSchema, between: Type.Array(IdSchema, { minItems: 2, maxItems: 2 }) }), { default: [] }),
  /**
   * Ground distance per image pixel near the stop line, for queue lengths in metres, where there is no
   * `calibration` (which measures them on the road plane instead, right at every distance).
   */
  metresPerPixel: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10, unit: 'm' })),
  /** Counts are aggregated over periods of this length, aligned to the wall clock. */
  countPeriodS: wholeNumber(10, 3600, 's', 60),
  /** Frames wider than this are downscaled by an integer factor before vision. */
  maxWorkingWidth: wholeNumber(64, 1920, 'px', 320),
  /**
   * The motion stage: auto (WebAssembly SIMD where the runtime has it, else plain TypeScript), wasm, ts,
   * or opencv (needs scripts/install-opencv.sh). A backend that cannot run here falls back to auto, with
   * a camera.backend-fallback event: the camera keeps counting.
   */
  motionBackend: oneOf(MOTION_BACKENDS, { default: 'auto' }),
});

export const ConfigSchema = strictObject({
  node: NodeSchema,
  mqtt: MqttSchema,
  telemetry: TelemetrySchema,
  state: StateSchema,
  hardware: HardwareSchema,
  signal: SignalSchema,
  cameras: Type.Array(CameraSchema, { default: [] }),
  monitor: monitorSchema(IdSchema, PinSchema),
  commands: CommandsSchema,
  outbox: OutboxSchema,
  update: UpdateSchema,
  web: WebSchema,
});

/** The config after defaults are applied and validation passed. */
export type Config = Static<typeof ConfigSchema>;
export type SignalGroup = Static<typeof SignalGroupSchema>;
export type Phase = Static<typeof PhaseSchema>;
