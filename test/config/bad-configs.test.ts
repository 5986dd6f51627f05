/**
 * Each row is a small edit of the example config and the exact errors it must produce: one clear line
 * per problem, no cascade of follow-on errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateConfig } from '../../edge/config/index.js';
import { exampleRaw, spareVehicleGroup, type RawConfig } from './example-raw.js';

interface BadConfigCase {
  name: string;
  mutate(raw: RawConfig): void;
  errors: string[];
}

const ALL_GROUPS = 'groups: G1, G2, G3, G4, G5, G6, G7, G8, P1, P2, P3, P4';
const ALL_PHASES = 'phases: ns-left, ns-through, ew-left, ew-through';

const schemaCases: BadConfigCase[] = [
  {
    name: 'minGreen below its minimum',
    mutate: (raw) => (raw.signal.phases[2].minGreen = 3),
    errors: ['signal.phases[2].minGreen: must be >= 5 s'],
  },
  {
    name: 'yellow below 3 s',
    mutate: (raw) => (raw.signal.phases[0].yellow = 2.5),
    errors: ['signal.phases[0].yellow: must be >= 3 s'],
  },
  {
    name: 'maxGreen above its maximum',
    mutate: (raw) => (raw.signal.phases[1].maxGreen = 400),
    errors: ['signal.phases[1].maxGreen: must be <= 300 s'],
  },
  {
    name: 'speeds without a calibration',
    mutate: (raw) => delete raw.cameras[0].calibration,
    errors: ['cameras[0].speeds[0]: speeds need cameras[0].calibration (four image points and their ground positions in metres)'],
  },
  {
    name: 'speeds between a line that does not exist and the same line twice',
    mutate: (raw) => raw.cameras[0].speeds.push({ name: 'approach', between: ['stpo', 'stpo'] }),
    errors: [
      "cameras[0].speeds[1].name: duplicate name 'approach' (first used at cameras[0].speeds[0].name)",
      "cameras[0].speeds[1].between[0]: unknown count line 'stpo' (did you mean 'stop'?)",
      "cameras[0].speeds[1].between[1]: unknown count line 'stpo' (did you mean 'stop'?)",
      "cameras[0].speeds[1].between: a speed needs two different lines, both are 'stpo'",
    ],
  },
  {
    name: 'a calibration with three image points on one line',
    mutate: (raw) => (raw.cameras[0].calibration.image = [{ x: 0, y: 0 }, { x: 50, y: 50 }, { x: 100, y: 100 }, { x: 0, y: 200 }]),
    errors: ['cameras[0].calibration: three of the four image points lie on one line: pick points spread over the road'],
  },
  {
    name: 'a calibration with three ground points',
    mutate: (raw) => raw.cameras[0].calibration.ground.pop(),
    errors: ['cameras[0].calibration.ground: must have at least 4 items'],
  },
  {
    name: 'an opencv camera source without its device',
    mutate: (raw) => (raw.cameras[0].source = { kind: 'opencv', width: 320, height: 240, fps: 15 }),
    errors: ['cameras[0].source.device: is required'],
  },
  {
    name: 'an opencv camera source with a device that is neither an index nor a path',
    mutate: (raw) => (raw.cameras[0].source = { kind: 'opencv', device: true }),
    errors: ['cameras[0].source.device: must be a camera index (0 for /dev/video0), a device path, a stream URL or a video file'],
  },
  {
    name: 'an unknown motion backend',
    mutate: (raw) => (raw.cameras[0].motionBackend = 'cuda'),
    errors: ["cameras[0].motionBackend: must be one of 'auto', 'wasm', 'ts', 'opencv'"],
  },
  {
    name: 'walk below its minimum',
    mutate: (raw) => (raw.signal.phases[1].walk = 2),
    errors: ['signal.phases[1].walk: must be >= 4 s'],
  },
  {
    name: 'a time written with a unit',
    mutate: (raw) => (raw.signal.phases[0].minGreen = '7s'),
    errors: ['signal.phases[0].minGreen: must be a number (write a plain number of seconds, without quotes or unit)'],
  },
  {
    name: 'a fractional keepalive',
    mutate: (raw) => (raw.mqtt.keepaliveS = 2.5),
    errors: ['mqtt.keepaliveS: must be a whole number'],
  },
  {
    name: 'reconnect minMs below its minimum',
    mutate: (raw) => (raw.mqtt.reconnect.minMs = 50),
    errors: ['mqtt.reconnect.minMs: must be >= 100 ms'],
  },
  {
    name: 'camera fps of zero',
    mutate: (raw) => (raw.cameras[0].source.fps = 0),
    errors: ['cameras[0].source.fps: must be >= 1 fps'],
  },
  {
    name: 'a pin line beyond 1023',
    mutate: (raw) => (raw.signal.groups[3].outputs.green.line = 2000),
    errors: ['signal.groups[3].outputs.green.line: must be <= 1023'],
  },
  {
    name: 'an empty chip name',
    mutate: (raw) => (raw.signal.groups[0].outputs.red.chip = ''),
    errors: ['signal.groups[0].outputs.red.chip: must not be empty'],
  },
  {
    name: 'activeLow not a boolean',
    mutate: (raw) => (raw.signal.flashRelay.activeLow = 'yes'),
    errors: ['signal.flashRelay.activeLow: must be true or false'],
  },
  {
    name: 'an unknown protocol',
    mutate: (raw) => (raw.mqtt.protocol = '4'),
    errors: ["mqtt.protocol: must be one of 'auto', '5', '3.1.1'"],
  },
  {
    name: 'protocol 5 unquoted (YAML reads a number)',
    mutate: (raw) => (raw.mqtt.protocol = 5),
    errors: ["mqtt.protocol: must be one of 'auto', '5', '3.1.1' (quote it: '5')"],
  },
  {
    name: 'an unknown recall mode',
    mutate: (raw) => (raw.signal.phases[1].recall = 'always'),
    errors: ["signal.phases[1].recall: must be one of 'none', 'min', 'max', 'ped'"],
  },
  {
    name: 'a GPIO driver that does not exist',
    mutate: (raw) => (raw.hardware.gpio.driver = 'pigpio'),
    errors: ["hardware.gpio.driver: must be one of 'sim', 'onoff', 'gpiod', 'firmata'"],
  },
  {
    name: 'an unknown watchdog driver',
    mutate: (raw) => (raw.hardware.watchdog.driver = 'hw'),
    errors: ["hardware.watchdog.driver: must be one of 'none', 'sim', 'systemd'"],
  },
  {
    name: 'a camera source kind that does not exist',
    mutate: (raw) => (raw.cameras[0].source.kind = 'webcam'),
    errors: ["cameras[0].source.kind: must be one of 'sim', 'file', 'v4l2', 'rtsp', 'rpicam', 'opencv'"],
  },
  {
    name: 'an rtsp camera without a URL',
    mutate: (raw) => (raw.cameras[0].source = { kind: 'rtsp', width: 320, height: 240 }),
    errors: ["cameras[0].source.url: is required"],
  },
  {
    name: 'a count line outside the camera image',
    mutate: (raw) => (raw.cameras[0].lines[1].b = { x: 400, y: 192 }),
    errors: ['cameras[0].lines[1].b: (400, 192) is outside the 320×240 image of cameras[0].source'],
  },
  {
    name: 'a zone bound to a signal group that does not exist',
    mutate: (raw) => (raw.cameras[0].zones[0].group = 'G9'),
    errors: ["cameras[0].zones[0].group: unknown signal group 'G9' (signal groups: G1, G2, G3, G4, G5, G6, G7, G8, P1, P2, P3, P4)"],
  },
  {
    name: 'a queue zone measured from a line the camera does not have',
    mutate: (raw) => (raw.cameras[0].zones[1].stopLine = 'stopp'),
    errors: ["cameras[0].zones[1].stopLine: unknown count line 'stopp' (did you mean 'stop'?)"],
  },
  {
    name: 'a red-light rule on an unknown line, a wrong-way rule on an unknown zone',
    mutate: (raw) => {
      raw.cameras[0].safety.stopLines[0].line = 'nope';
      raw.cameras[0].safety.lanes[1].zone = 'lane-in-7';
    },
    errors: [
      "cameras[0].safety.stopLines[0].line: unknown count line 'nope' (count lines: stop, count)",
      "cameras[0].safety.lanes[1].zone: unknown zone 'lane-in-7' (zones: queue-in-0, queue-in-1, no-stopping, lane-in-0, lane-in-1)",
    ],
  },
  {
    name: 'a lane direction of zero length',
    mutate: (raw) => (raw.cameras[0].safety.lanes[0].direction = { x: 0, y: 0 }),
    errors: ['cameras[0].safety.lanes[0].direction: must not be (0, 0); give the direction of travel in the image'],
  },
  {
    name: 'two count lines with one name',
    mutate: (raw) => (raw.cameras[0].lines[1].name = 'stop'),
    errors: ["cameras[0].lines[1].name: duplicate line name 'stop' (first used at cameras[0].lines[0])"],
  },
  {
    name: 'a misspelt phase field',
    mutate: (raw) => (raw.signal.phases[0].minGren = 6),
    errors: ["signal.phases[0].minGren: unknown field (did you mean 'minGreen'?)"],
  },
  {
    name: 'a misspelt section',
    mutate: (raw) => {
      raw.telemtry = raw.telemetry;
      delete raw.telemetry;
    },
    errors: ["telemtry: unknown field (did you mean 'telemetry'?)"],
  },
  {
    name: 'an unknown field nothing resembles',
    mutate: (raw) => (raw.node.location = 'corner'),
    errors: ['node.location: unknown field (allowed: id, site, name)'],
  },
  {
    name: 'a broker URL with another scheme',
    mutate: (raw) => (raw.mqtt.broker = 'tcp://broker.local:1883'),
    errors: ['mqtt.broker: must be a URL starting with mqtt://, mqtts://, ws:// or wss://'],
  },
  {
    name: 'a broker URL without a host',
    mutate: (raw) => (raw.mqtt.broker = 'mqtt://'),
    errors: ['mqtt.broker: must be a URL starting with mqtt://, mqtts://, ws:// or wss://'],
  },
  {
    name: 'a wildcard in the topic prefix',
    mutate: (raw) => (raw.mqtt.prefix = 'nutgiao/#'),
    errors: [
      "mqtt.prefix: must be topic levels separated by '/', without '+', '#', empty levels or a leading/trailing '/'",
    ],
  },
  {
    name: 'a leading slash in the topic prefix',
    mutate: (raw) => (raw.mqtt.prefix = '/nutgiao/v1'),
    errors: [
      "mqtt.prefix: must be topic levels separated by '/', without '+', '#', empty levels or a leading/trailing '/'",
    ],
  },
  {
    name: 'an id with a space',
    mutate: (raw) => (raw.node.id = 'sim 0001'),
    errors: ['node.id: must be 1 to 64 letters, digits, _ or -'],
  },
  {
    name: 'a numeric id (YAML reads a number)',
    mutate: (raw) => (raw.node.id = 1234),
    errors: ["node.id: must be a string (quote it: '1234')"],
  },
  {
    name: 'a missing required field',
    mutate: (raw) => delete raw.node.site,
    errors: ['node.site: is required'],
  },
  {
    name: 'a missing required section',
    mutate: (raw) => delete raw.signal,
    errors: ['signal: is required'],
  },
  {
    name: 'a section that is not a mapping',
    mutate: (raw) => (raw.mqtt = 'mqtt://broker'),
    errors: ['mqtt: must be a mapping of fields'],
  },
  {
    name: 'an unknown group kind',
    mutate: (raw) => (raw.signal.groups[1].kind = 'car'),
    errors: ["signal.groups[1].kind: must be one of 'vehicle', 'pedestrian'"],
  },
  {
    name: 'a group kind that is an object which cannot become a string',
    mutate: (raw) => (raw.signal.groups[2].kind = { toString: 0 }),
    errors: ["signal.groups[2].kind: must be one of 'vehicle', 'pedestrian'"],
  },
  {
    name: 'an enum value that is an object which cannot become a string',
    mutate: (raw) => (raw.mqtt.protocol = { toString: 0 }),
    errors: ["mqtt.protocol: must be one of 'auto', '5', '3.1.1'"],
  },
  {
    name: 'a group without a kind',
    mutate: (raw) => delete raw.signal.groups[0].kind,
    errors: ["signal.groups[0].kind: is required (one of 'vehicle', 'pedestrian')"],
  },
  {
    name: 'a vehicle group wired with pedestrian outputs',
    mutate: (raw) => (raw.signal.groups[0].outputs = { dontWalk: { line: 0 }, walk: { line: 1 } }),
    errors: [
      'signal.groups[0].outputs.red: is required',
      'signal.groups[0].outputs.amber: is required',
      'signal.groups[0].outputs.green: is required',
      'signal.groups[0].outputs.dontWalk: unknown field (allowed: red, amber, green)',
      'signal.groups[0].outputs.walk: unknown field (allowed: red, amber, green)',
    ],
  },
  {
    name: 'a typo inside a pedestrian group keeps its pin defaults',
    mutate: (raw) => (raw.signal.groups[8].outputs.dontwalk = raw.signal.groups[8].outputs.dontWalk),
    errors: ["signal.groups[8].outputs.dontwalk: unknown field (did you mean 'dontWalk'?)"],
  },
  {
    name: 'a password naming both an env variable and a file',
    mutate: (raw) => (raw.mqtt.password = { env: 'PW', file: 'pw.txt' }),
    errors: ['mqtt.password: must be a string, { env: VARIABLE_NAME } or { file: PATH }'],
  },
  {
    name: 'a numeric password',
    mutate: (raw) => (raw.mqtt.password = 42),
    errors: ['mqtt.password: must be a string, { env: VARIABLE_NAME } or { file: PATH }'],
  },
  {
    name: 'a password env that is not a variable name',
    mutate: (raw) => (raw.mqtt.password = { env: 'mqtt-password' }),
    errors: ['mqtt.password.env: must be an environment variable name'],
  },
  {
    name: 'a conflict that is not a pair',
    mutate: (raw) => raw.signal.conflicts.push(['G1']),
    errors: ['signal.conflicts[36]: must be a pair [groupId, groupId]'],
  },
  {
    name: 'no phases',
    mutate: (raw) => {
      raw.signal.phases = [];
      delete raw.signal.ring;
    },
    errors: ['signal.phases: must not be empty'],
  },
  {
    name: 'a phase with no groups',
    mutate: (raw) => (raw.signal.phases[0].groups = []),
    errors: ['signal.phases[0].groups: must not be empty'],
  },
];

const crossCases: BadConfigCase[] = [
  {
    name: 'a duplicate group id',
    mutate: (raw) => raw.signal.groups.push(spareVehicleGroup('G2')),
    errors: ["signal.groups[12].id: duplicate id 'G2' (first used at signal.groups[1].id)"],
  },
  {
    name: 'a duplicate phase id',
    mutate: (raw) => raw.signal.phases.push({ ...raw.signal.phases[0] }),
    errors: ["signal.phases[4].id: duplicate id 'ns-left' (first used at signal.phases[0].id)"],
  },
  {
    name: 'a second camera on the opencv motion backend',
    mutate: (raw) => {
      raw.cameras[0].motionBackend = 'opencv';
      raw.cameras.push({ id: 'cam2', source: { kind: 'sim' }, motionBackend: 'opencv' });
    },
    errors: ["cameras[1].motionBackend: only one camera can use 'opencv' (cameras[0] does; @u4/opencv4nodejs runs in one thread per process): use 'auto' here"],
  },
  {
    name: 'a duplicate camera id',
    mutate: (raw) => raw.cameras.push({ id: 'cam1', source: { kind: 'sim' } }),
    errors: ["cameras[1].id: duplicate id 'cam1' (first used at cameras[0].id)"],
  },
  {
    name: 'a phase naming an unknown group',
    mutate: (raw) => raw.signal.phases[0].groups.push('G9'),
    errors: [`signal.phases[0].groups[2]: unknown group 'G9' (${ALL_GROUPS})`],
  },
  {
    name: 'a phase naming a near-miss group',
    mutate: (raw) => raw.signal.phases[1].groups.push('P22'),
    errors: ["signal.phases[1].groups[4]: unknown group 'P22' (did you mean 'P2'?)"],
  },
  {
    name: 'a group listed twice in one phase',
    mutate: (raw) => raw.signal.phases[0].groups.push('G1'),
    errors: ["signal.phases[0].groups[2]: group 'G1' is listed twice in this phase"],
  },
  {
    name: 'a conflict naming an unknown group',
    mutate: (raw) => raw.signal.conflicts.push(['G1', 'X1']),
    errors: [`signal.conflicts[36][1]: unknown group 'X1' (${ALL_GROUPS})`],
  },
  {
    name: 'a group conflicting with itself',
    mutate: (raw) => raw.signal.conflicts.push(['G3', 'G3']),
    errors: ["signal.conflicts[36]: group 'G3' cannot conflict with itself"],
  },
  {
    name: 'a ring naming an unknown phase',
    mutate: (raw) => (raw.signal.ring[3] = 'ew-thru'),
    errors: [
      `signal.ring[3]: unknown phase 'ew-thru' (${ALL_PHASES})`,
      "signal.ring: phase 'ew-through' (signal.phases[3]) is missing, so it would never run",
    ],
  },
  {
    name: 'a ring naming a misspelt phase',
    mutate: (raw) => (raw.signal.ring[3] = 'ew-thruogh'),
    errors: [
      "signal.ring[3]: unknown phase 'ew-thruogh' (did you mean 'ew-through'?)",
      "signal.ring: phase 'ew-through' (signal.phases[3]) is missing, so it would never run",
    ],
  },
  {
    name: 'a ring listing a phase twice',
    mutate: (raw) => raw.signal.ring.push('ns-left'),
    errors: ["signal.ring[4]: phase 'ns-left' is listed twice (first at signal.ring[0])"],
  },
  {
    name: 'a ring leaving a phase out',
    mutate: (raw) => (raw.signal.ring = ['ns-left', 'ns-through', 'ew-through']),
    errors: ["signal.ring: phase 'ew-left' (signal.phases[2]) is missing, so it would never run"],
  },
  {
    name: 'a phase serving two conflicting groups',
    mutate: (raw) => (raw.signal.phases[0].groups = ['G1', 'G2', 'G5']),
    errors: ['signal.phases[0].groups: G1 and G2 conflict (signal.conflicts[0])'],
  },
  {
    name: 'conflicts are symmetric: every conflicting pair in a phase is named',
    mutate: (raw) => raw.signal.phases[3].groups.push('G2'),
    errors: [
      'signal.phases[3].groups: G4 and G2 conflict (signal.conflicts[9])',
      'signal.phases[3].groups: G8 and G2 conflict (signal.conflicts[11])',
      'signal.phases[3].groups: P1 and G2 conflict (signal.conflicts[20])',
      'signal.phases[3].groups: P3 and G2 conflict (signal.conflicts[28])',
    ],
  },
  {
    name: 'a group in no phase',
    mutate: (raw) => raw.signal.groups.push(spareVehicleGroup('G9')),
    errors: ["signal.groups[12]: group 'G9' is in no phase, so it would never be served"],
  },
  {
    name: 'maxGreen below minGreen',
    mutate: (raw) => (raw.signal.phases[1].maxGreen = 10),
    errors: ['signal.phases[1].maxGreen: must be >= minGreen (12 s)'],
  },
  {
    name: 'walk on a phase without pedestrians',
    mutate: (raw) => (raw.signal.phases[0].walk = 7),
    errors: ['signal.phases[0].walk: only allowed on a phase that serves a pedestrian group'],
  },
  {
    name: 'pedClearance missing on a phase with pedestrians',
    mutate: (raw) => delete raw.signal.phases[3].pedClearance,
    errors: ["signal.phases[3].pedClearance: is required, because the phase serves pedestrian group 'P1'"],
  },
  {
    name: 'one output line used by two groups',
    mutate: (raw) => (raw.signal.groups[1].outputs.green.line = 2),
    errors: ['signal.groups[1].outputs.green: gpiochip0 line 2 is already used by signal.groups[0].outputs.green'],
  },
  {
    name: 'the flash relay on a lamp line',
    mutate: (raw) => (raw.signal.flashRelay.line = 31),
    errors: ['signal.flashRelay: gpiochip0 line 31 is already used by signal.groups[11].outputs.walk'],
  },
  {
    name: 'reconnect maxMs below minMs',
    mutate: (raw) => (raw.mqtt.reconnect = { minMs: 5000, maxMs: 2000 }),
    errors: ['mqtt.reconnect.maxMs: must be >= minMs (5000 ms)'],
  },
  {
    name: 'TLS with a plain mqtt:// broker',
    mutate: (raw) => Object.assign(raw.mqtt, { broker: 'mqtt://broker.local:1883', tls: { ca: 'ca.pem' } }),
    errors: ["mqtt.tls: only used with an mqtts:// or wss:// broker (mqtt.broker is 'mqtt://broker.local:1883')"],
  },
  {
    name: 'TLS with the embedded broker',
    mutate: (raw) => (raw.mqtt.tls = { ca: 'ca.pem' }),
    errors: ['mqtt.tls: only used with an mqtts:// or wss:// broker (mqtt.broker is not set: the embedded broker has no TLS)'],
  },
  {
    name: 'a client certificate without its key',
    mutate: (raw) => Object.assign(raw.mqtt, { broker: 'mqtts://broker.local', tls: { cert: 'node.pem' } }),
    errors: ['mqtt.tls.key: is required with mqtt.tls.cert (a client certificate and its key go together)'],
  },
];

for (const { name, mutate, errors } of [...schemaCases, ...crossCases]) {
  test(`rejects ${name}`, () => {
    const raw = exampleRaw();
    mutate(raw);
    const result = validateConfig(raw);
    assert.equal(result.ok ? [] : result.errors, errors);
  });
}

test('reports every error at once: schema errors, then cross-field errors', () => {
  const raw = exampleRaw();
  raw.signal.phases[2].minGreen = 3;
  raw.mqtt.keepalive = 30;
  raw.mqtt.reconnect = { minMs: 5000, maxMs: 2000 };
  raw.cameras.push({ id: 'cam1', source: { kind: 'sim' } });
  raw.signal.groups[1].outputs.green.line = 2;
  raw.signal.conflicts.push(['G3', 'G3']);
  const result = validateConfig(raw);
  assert.equal(result.ok ? [] : result.errors, [
    "mqtt.keepalive: unknown field (did you mean 'keepaliveS'?)",
    'signal.phases[2].minGreen: must be >= 5 s',
    "cameras[1].id: duplicate id 'cam1' (first used at cameras[0].id)",
    "signal.conflicts[36]: group 'G3' cannot conflict with itself",
    'signal.groups[1].outputs.green: gpiochip0 line 2 is already used by signal.groups[0].outputs.green',
    'mqtt.reconnect.maxMs: must be >= minMs (5000 ms)',
  ]);
});

test('an unknown field does not hide cross-field errors in the same section', () => {
  const raw = exampleRaw();
  raw.signal.phases[0].note = 'x';
  raw.signal.phases[0].groups = ['G1', 'G2', 'G5'];
  const result = validateConfig(raw);
  assert.equal(result.ok ? [] : result.errors, [
    'signal.phases[0].note: unknown field (allowed: id, groups, minGreen, maxGreen, passage, yellow, redClearance, walk, pedClearance, recall)',
    'signal.phases[0].groups: G1 and G2 conflict (signal.conflicts[0])',
  ]);
});

test('an empty config is one error', () => {
  assert.equal(validateConfig(null), { ok: false, errors: ['(root): the config is empty'] });
});

test('a config that is a list or a scalar is one error', () => {
  for (const raw of [['node'], 'node: x', 42]) {
    assert.equal(validateConfig(raw), { ok: false, errors: ['(root): must be a mapping of fields'] });
  }
});

test.run();
