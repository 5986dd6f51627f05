import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { configHash, validateConfig, type Config } from '../../edge/config/index.js';
import { exampleRaw, type RawConfig } from './example-raw.js';
import { expectValid } from './expect-valid.js';

/** The same value with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, field]) => [key, reverseKeys(field)]));
}

test('the example config validates cleanly', () => {
  const result = validateConfig(exampleRaw());
  assert.equal(result.ok ? [] : result.errors, []);
});

test('the example describes the documented intersection', () => {
  const config = expectValid(exampleRaw());
  assert.is(config.node.id, 'sim-0001');
  assert.is(config.node.site, 'demo');
  assert.is(config.mqtt.broker, undefined);
  assert.equal(
    config.signal.groups.map((group) => group.id),
    ['G1', 'G2', 'G3', 'G4', 'G5', 'G6', 'G7', 'G8', 'P1', 'P2', 'P3', 'P4'],
  );
  assert.equal(config.cameras.map((camera) => camera.id), ['cam1']);
  assert.is(config.hardware.gpio.driver, 'sim');
  const lines = [
    ...config.signal.groups.flatMap((group) => Object.values(group.outputs).map((pin) => pin.line)),
    config.signal.flashRelay?.line,
  ];
  assert.equal([...lines].sort((a, b) => (a ?? 0) - (b ?? 0)), Array.from({ length: 33 }, (_, line) => line));
});

test('defaults fill every optional section of a minimal config', () => {
  const config = expectValid({
    node: { id: 'n1', site: 's1' },
    signal: {
      groups: [{ id: 'A', kind: 'vehicle', outputs: { red: { line: 0 }, amber: { line: 1 }, green: { line: 2 } } }],
      phases: [{ id: 'a', groups: ['A'] }],
    },
  });
  const expected: Config = {
    node: { id: 'n1', site: 's1' },
    mqtt: {
      prefix: 'nutgiao/v1',
      protocol: 'auto',
      keepaliveS: 30,
      connectTimeoutS: 10,
      reconnect: { minMs: 500, maxMs: 60000 },
    },
    telemetry: { healthIntervalS: 10, summaryIntervalS: 5 },
    state: { dir: './var' },
    hardware: { gpio: { driver: 'sim' }, watchdog: { driver: 'none' } },
    signal: {
      groups: [
        {
          id: 'A',
          kind: 'vehicle',
          outputs: {
            red: { chip: 'gpiochip0', line: 0, activeLow: false },
            amber: { chip: 'gpiochip0', line: 1, activeLow: false },
            green: { chip: 'gpiochip0', line: 2, activeLow: false },
          },
        },
      ],
      conflicts: [],
      phases: [{ id: 'a', groups: ['A'], minGreen: 7, maxGreen: 40, passage: 3, yellow: 3.5, redClearance: 1.5, recall: 'none' }],
      ring: ['a'],
      mode: 'actuated',
      flashAspect: 'flashing-amber',
      startup: { flashS: 5, allRedS: 3 },
      timeZone: 'UTC',
      plans: [],
      schedule: [],
      detectors: [],
    },
    cameras: [],
    monitor: { pollMs: 20, tripMs: 300, redFailTripMs: 300, heartbeatTimeoutMs: 1000, sensor: 'sim', readback: [], readbackDebounceMs: 0 },
    outbox: { maxBytes: 256 * 1024 * 1024, maxAgeH: 168, segmentBytes: 4 * 1024 * 1024, fsync: 'always', memoryMaxBytes: 16 * 1024 * 1024, replay: { messagesPerS: 200 } },
    commands: { enabled: true, keys: [], timestampWindowS: 60, signReadOnly: false, maxNonces: 10000, configTrialS: 120 },
    update: { keys: [], healthyWithinS: 120, maxBundleMiB: 200, downloadTimeoutS: 600, streamChunkTimeoutS: 30 },
    web: { enabled: false, bind: '127.0.0.1', port: 8080, streamFps: 4, streamMaxSide: 480 },
  };
  assert.equal(config, expected);
});

test('the ring defaults to the phases in order', () => {
  const raw = exampleRaw();
  delete raw.signal.ring;
  raw.signal.phases.reverse();
  assert.equal(expectValid(raw).signal.ring, ['ew-through', 'ew-left', 'ns-through', 'ns-left']);
});

test('camera source defaults apply', () => {
  const raw = exampleRaw();
  raw.cameras[0].source = { kind: 'sim' };
  assert.equal(expectValid(raw).cameras[0]?.source, { kind: 'sim', width: 320, height: 240, fps: 10, seed: 1, traffic: 'medium' });
  raw.cameras[0].source = { kind: 'rtsp', url: 'rtsp://10.0.0.20/stream1' };
  assert.equal(expectValid(raw).cameras[0]?.source, { kind: 'rtsp', url: 'rtsp://10.0.0.20/stream1', transport: 'tcp', width: 320, height: 240, fps: 10 });
});

test('validation does not modify its input', () => {
  const raw = exampleRaw();
  delete raw.signal.ring;
  delete raw.mqtt;
  const before = structuredClone(raw);
  expectValid(raw);
  assert.equal(raw, before);
});

test('accepted alternatives: password forms, secure broker with TLS, another chip', () => {
  const variants: Array<(raw: RawConfig) => void> = [
    (raw) => (raw.mqtt.password = 'inline'),
    (raw) => (raw.mqtt.password = { env: 'NUTGIAO_MQTT_PASSWORD' }),
    (raw) => (raw.mqtt.password = { file: 'secrets/mqtt' }),
    (raw) => Object.assign(raw.mqtt, { broker: 'mqtts://broker.example.net:8883', tls: { ca: 'ca.pem' } }),
    (raw) => Object.assign(raw.mqtt, { broker: 'wss://broker.example.net/mqtt', tls: { cert: 'c.pem', key: 'k.pem' } }),
    (raw) => (raw.mqtt.protocol = '3.1.1'),
    (raw) => (raw.signal.groups[1].outputs.green = { chip: 'gpiochip1', line: 2 }),
  ];
  for (const vary of variants) {
    const raw = exampleRaw();
    vary(raw);
    const result = validateConfig(raw);
    assert.equal(result.ok ? [] : result.errors, [], vary.toString());
  }
});

test('configHash is 16 hex chars and stable for the same content', () => {
  const hash = configHash(expectValid(exampleRaw()));
  assert.match(hash, /^[0-9a-f]{16}$/);
  assert.is(configHash(expectValid(exampleRaw())), hash);
});

test('configHash ignores key order', () => {
  assert.is(configHash(expectValid(reverseKeys(exampleRaw()))), configHash(expectValid(exampleRaw())));
});

test('configHash changes when a value changes', () => {
  const raw = exampleRaw();
  raw.signal.phases[1].maxGreen = 46;
  assert.is.not(configHash(expectValid(raw)), configHash(expectValid(exampleRaw())));
});

test('configHash sees defaults: writing a default explicitly does not change it', () => {
  const raw = exampleRaw();
  raw.signal.phases[0].recall = 'none';
  assert.is(configHash(expectValid(raw)), configHash(expectValid(exampleRaw())));
});

test.run();
