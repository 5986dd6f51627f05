/**
 * Rules that span fields, which a schema cannot express: references between ids, the conflict matrix
 * against the phases, pedestrian timing, shared output pins, and a few MQTT pairings.
 *
 * Each check names the parts of the config it reads, so validateConfig can skip a check whose input
 * already failed the schema (its findings would be noise on top of the real error).
 */
import { configPath } from './config-path.js';
import { claimPins, controllerInputPinUses, outputPinUses, type PinClaims } from './pin-usage.js';
import { MONITOR_CROSS_CHECKS } from './monitor-cross-check.js';
import { checkOutboxConfig } from './outbox-schema.js';
import { checkWebConfig } from './web-schema.js';
import type { Config } from './schema.js';
import { closestName } from './suggest.js';
import { GroundPlane } from '../vision/ground-plane.js';

export interface CrossCheck {
  /** Config paths (`signal.phases`, `mqtt.reconnect`) this check reads. */
  reads: readonly string[];
  run(config: Config): string[];
}

/** Errors for items whose `key` (id, name) repeats an earlier item's, naming both paths. */
function duplicateKeys<K extends string>(items: ReadonlyArray<Record<K, string>>, key: K, base: string): string[] {
  const firstIndex = new Map<string, number>();
  const errors: string[] = [];
  items.forEach((item, index) => {
    const value = item[key];
    const first = firstIndex.get(value);
    if (first === undefined) firstIndex.set(value, index);
    else errors.push(`${base}[${index}].${key}: duplicate ${key} '${value}' (first used at ${base}[${first}].${key})`);
  });
  return errors;
}

function duplicateIds(items: ReadonlyArray<{ id: string }>, base: string): string[] {
  return duplicateKeys(items, 'id', base);
}

function unknownReference(path: string, what: string, id: string, known: readonly string[]): string {
  const suggestion = closestName(id, known);
  const hint = suggestion !== undefined ? `did you mean '${suggestion}'?` : `${what}s: ${known.join(', ')}`;
  return `${path}: unknown ${what} '${id}' (${hint})`;
}

const pairKey = (a: string, b: string): string => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

const uniqueGroupIds: CrossCheck = {
  reads: ['signal.groups'],
  run: (config) => duplicateIds(config.signal.groups, 'signal.groups'),
};

const uniquePhaseIds: CrossCheck = {
  reads: ['signal.phases'],
  run: (config) => duplicateIds(config.signal.phases, 'signal.phases'),
};

const uniqueCameraIds: CrossCheck = {
  reads: ['cameras'],
  run: (config) => duplicateIds(config.cameras, 'cameras'),
};

/** Count lines must lie inside the frames the camera delivers and have distinct names and two points. */
const countLinesFitTheImage: CrossCheck = {
  reads: ['cameras'],
  run(config) {
    const errors: string[] = [];
    config.cameras.forEach((camera, c) => {
      const { width, height } = camera.source;
      const firstIndex = new Map<string, number>();
      camera.lines.forEach((line, l) => {
        const first = firstIndex.get(line.name);
        if (first !== undefined) errors.push(`${configPath('cameras', c, 'lines', l, 'name')}: duplicate line name '${line.name}' (first used at cameras[${c}].lines[${first}])`);
        else firstIndex.set(line.name, l);
        for (const end of ['a', 'b'] as const) {
          const point = line[end];
          if (point.x > width || point.y > height) {
            errors.push(`${configPath('cameras', c, 'lines', l, end)}: (${point.x}, ${point.y}) is outside the ${width}×${height} image of cameras[${c}].source`);
          }
        }
        if (line.a.x === line.b.x && line.a.y === line.b.y) errors.push(`${configPath('cameras', c, 'lines', l)}: a and b are the same point; a line needs two`);
      });
    });
    return errors;
  },
};

/**
 * @u4/opencv4nodejs is not context-aware: it works in one thread of a process, and a second thread that
 * loads it gets type errors (measured: "expected argument 0 to be of type Size"), so at most one camera's
 * vision worker may run the opencv backend.
 */
const oneOpenCvCamera: CrossCheck = {
  reads: ['cameras'],
  run(config) {
    const first = config.cameras.findIndex((camera) => camera.motionBackend === 'opencv');
    if (first < 0) return [];
    const errors: string[] = [];
    config.cameras.forEach((camera, c) => {
      if (c > first && camera.motionBackend === 'opencv') {
        errors.push(`${configPath('cameras', c, 'motionBackend')}: only one camera can use 'opencv' (cameras[${first}] does; @u4/opencv4nodejs runs in one thread per process): use 'auto' here`);
      }
    });
    return errors;
  },
};

/**
 * A camera's calibration, wherever given (queues are measured through it, and speeds), defines a ground
 * plane (four points, no three on one line, in the image and on the ground); a speed pair names two
 * distinct lines of its camera, which has a calibration.
 */
const speedsMeasurable: CrossCheck = {
  reads: ['cameras'],
  run(config) {
    const errors: string[] = [];
    config.cameras.forEach((camera, c) => {
      if (camera.calibration !== undefined) {
        try {
          GroundPlane.fromPoints(camera.calibration.image, camera.calibration.ground);
        } catch (error) {
          errors.push(`${configPath('cameras', c, 'calibration')}: ${(error as Error).message}`);
        }
      }
      const lines = camera.lines.map((line) => line.name);
      // With two lines of one name (reported by countLinesFitTheImage) which one is meant is unknown.
      const linesUnique = new Set(lines).size === lines.length;
      errors.push(...duplicateKeys(camera.speeds, 'name', configPath('cameras', c, 'speeds')));
      camera.speeds.forEach((pair, p) => {
        const path = (...rest: Array<string | number>) => configPath('cameras', c, 'speeds', p, ...rest);
        pair.between.forEach((name, i) => {
          if (linesUnique && !lines.includes(name)) errors.push(unknownReference(path('between', i), 'count line', name, lines));
        });
        if (pair.between[0] === pair.between[1]) errors.push(`${path('between')}: a speed needs two different lines, both are '${pair.between[0]}'`);
        if (camera.calibration === undefined) errors.push(`${path()}: speeds need cameras[${c}].calibration (four image points and their ground positions in metres)`);
      });
    });
    return errors;
  },
};

/** Zones and safety rules refer to this camera's lines and zones and to the signal groups. */
const cameraReferencesExist: CrossCheck = {
  reads: ['cameras', 'signal.groups'],
  run(config) {
    const groups = config.signal.groups.map((group) => group.id);
    const errors: string[] = [];
    config.cameras.forEach((camera, c) => {
      const lines = camera.lines.map((line) => line.name);
      const zones = camera.zones.map((zone) => zone.name);
      const { width, height } = camera.source;
      const firstIndex = new Map<string, number>();
      camera.zones.forEach((zone, z) => {
        const path = (...rest: Array<string | number>) => configPath('cameras', c, 'zones', z, ...rest);
        const first = firstIndex.get(zone.name);
        if (first !== undefined) errors.push(`${path('name')}: duplicate zone name '${zone.name}' (first used at cameras[${c}].zones[${first}])`);
        else firstIndex.set(zone.name, z);
        if (zone.group !== undefined && !groups.includes(zone.group)) errors.push(unknownReference(path('group'), 'signal group', zone.group, groups));
        if (zone.stopLine !== undefined && !lines.includes(zone.stopLine)) errors.push(unknownReference(path('stopLine'), 'count line', zone.stopLine, lines));
        zone.points.forEach((point, p) => {
          if (point.x > width || point.y > height) errors.push(`${path('points', p)}: (${point.x}, ${point.y}) is outside the ${width}×${height} image`);
        });
      });
      const safety = camera.safety;
      if (!safety) return;
      safety.stopLines.forEach((rule, r) => {
        const path = (field: string) => configPath('cameras', c, 'safety', 'stopLines', r, field);
        if (!lines.includes(rule.line)) errors.push(unknownReference(path('line'), 'count line', rule.line, lines));
        if (!groups.includes(rule.group)) errors.push(unknownReference(path('group'), 'signal group', rule.group, groups));
      });
      for (const kind of ['lanes', 'noStopping'] as const) {
        safety[kind].forEach((rule, r) => {
          if (!zones.includes(rule.zone)) errors.push(unknownReference(configPath('cameras', c, 'safety', kind, r, 'zone'), 'zone', rule.zone, zones));
        });
      }
      safety.lanes.forEach((rule, r) => {
        if (rule.direction.x === 0 && rule.direction.y === 0) errors.push(`${configPath('cameras', c, 'safety', 'lanes', r, 'direction')}: must not be (0, 0); give the direction of travel in the image`);
      });
    });
    return errors;
  },
};

const phaseGroupsExist: CrossCheck = {
  reads: ['signal.groups', 'signal.phases'],
  run(config) {
    const known = config.signal.groups.map((group) => group.id);
    const errors: string[] = [];
    config.signal.phases.forEach((phase, p) => {
      const seen = new Set<string>();
      phase.groups.forEach((id, g) => {
        const path = configPath('signal', 'phases', p, 'groups', g);
        if (!known.includes(id)) errors.push(unknownReference(path, 'group', id, known));
        else if (seen.has(id)) errors.push(`${path}: group '${id}' is listed twice in this phase`);
        seen.add(id);
      });
    });
    return errors;
  },
};

const conflictMembersValid: CrossCheck = {
  reads: ['signal.groups', 'signal.conflicts'],
  run(config) {
    const known = config.signal.groups.map((group) => group.id);
    const errors: string[] = [];
    config.signal.conflicts.forEach(([a, b], c) => {
      [a, b].forEach((id, m) => {
        if (!known.includes(id)) errors.push(unknownReference(configPath('signal', 'conflicts', c, m), 'group', id, known));
      });
      if (a === b) errors.push(`${configPath('signal', 'conflicts', c)}: group '${a}' cannot conflict with itself`);
    });
    return errors;
  },
};

const ringValid: CrossCheck = {
  reads: ['signal.phases', 'signal.ring'],
  run(config) {
    const known = config.signal.phases.map((phase) => phase.id);
    const firstIndex = new Map<string, number>();
    const errors: string[] = [];
    config.signal.ring.forEach((id, r) => {
      const path = configPath('signal', 'ring', r);
      const first = firstIndex.get(id);
      if (!known.includes(id)) errors.push(unknownReference(path, 'phase', id, known));
      else if (first !== undefined) errors.push(`${path}: phase '${id}' is listed twice (first at signal.ring[${first}])`);
      else firstIndex.set(id, r);
    });
    known.forEach((id, p) => {
      if (!config.signal.ring.includes(id)) {
        errors.push(`signal.ring: phase '${id}' (signal.phases[${p}]) is missing, so it would never run`);
      }
    });
    return errors;
  },
};

/** The safety rule: groups that conflict must never be served by the same phase. */
const phasesHoldNoConflicts: CrossCheck = {
  reads: ['signal.phases', 'signal.conflicts'],
  run(config) {
    const conflictIndex = new Map<string, number>();
    config.signal.conflicts.forEach(([a, b], c) => {
      const key = pairKey(a, b);
      if (!conflictIndex.has(key)) conflictIndex.set(key, c);
    });
    const errors: string[] = [];
    config.signal.phases.forEach((phase, p) => {
      const groups = [...new Set(phase.groups)];
      groups.forEach((a, i) => {
        for (const b of groups.slice(i + 1)) {
          const c = conflictIndex.get(pairKey(a, b));
          if (c !== undefined) errors.push(`signal.phases[${p}].groups: ${a} and ${b} conflict (signal.conflicts[${c}])`);
        }
      });
    });
    return errors;
  },
};

const everyGroupServed: CrossCheck = {
  reads: ['signal.groups', 'signal.phases'],
  run(config) {
    const served = new Set(config.signal.phases.flatMap((phase) => phase.groups));
    return config.signal.groups.flatMap((group, g) =>
      served.has(group.id) ? [] : [`signal.groups[${g}]: group '${group.id}' is in no phase, so it would never be served`],
    );
  },
};

const greenRangeOrdered: CrossCheck = {
  reads: ['signal.phases'],
  run: (config) =>
    config.signal.phases.flatMap((phase, p) =>
      phase.maxGreen >= phase.minGreen ? [] : [`signal.phases[${p}].maxGreen: must be >= minGreen (${phase.minGreen} s)`],
    ),
};

/** Walk and pedestrian clearance belong to phases that serve a crosswalk, and such phases need both. */
const pedestrianTimesMatchGroups: CrossCheck = {
  reads: ['signal.groups', 'signal.phases'],
  run(config) {
    const pedestrianIds = new Set(config.signal.groups.filter((group) => group.kind === 'pedestrian').map((group) => group.id));
    const errors: string[] = [];
    config.signal.phases.forEach((phase, p) => {
      const pedestrian = phase.groups.find((id) => pedestrianIds.has(id));
      for (const field of ['walk', 'pedClearance'] as const) {
        const path = `signal.phases[${p}].${field}`;
        if (pedestrian === undefined && phase[field] !== undefined) {
          errors.push(`${path}: only allowed on a phase that serves a pedestrian group`);
        } else if (pedestrian !== undefined && phase[field] === undefined) {
          errors.push(`${path}: is required, because the phase serves pedestrian group '${pedestrian}'`);
        }
      }
    });
    return errors;
  },
};

/** Two outputs on one line would light one lamp for another's command. */
const outputPinsUnique: CrossCheck = {
  reads: ['signal.groups', 'signal.flashRelay', 'cameras'],
  // Camera power relays and infrared illuminators are outputs too, and must not share a lamp's line.
  run: (config) => claimPins(outputPinUses(config)),
};

const reconnectRangeOrdered: CrossCheck = {
  reads: ['mqtt.reconnect'],
  run: ({ mqtt: { reconnect } }) =>
    reconnect.maxMs >= reconnect.minMs ? [] : [`mqtt.reconnect.maxMs: must be >= minMs (${reconnect.minMs} ms)`],
};

const tlsOnlyWithSecureBroker: CrossCheck = {
  reads: ['mqtt.broker', 'mqtt.tls'],
  run({ mqtt: { broker, tls } }) {
    if (tls === undefined) return [];
    if (broker === undefined) {
      return ['mqtt.tls: only used with an mqtts:// or wss:// broker (mqtt.broker is not set: the embedded broker has no TLS)'];
    }
    if (/^(mqtts|wss):/.test(broker)) return [];
    return [`mqtt.tls: only used with an mqtts:// or wss:// broker (mqtt.broker is '${broker}')`];
  },
};

const tlsClientCertificateComplete: CrossCheck = {
  reads: ['mqtt.tls'],
  run({ mqtt: { tls } }) {
    if (tls === undefined || (tls.cert === undefined) === (tls.key === undefined)) return [];
    const [missing, present] = tls.cert === undefined ? ['cert', 'key'] : ['key', 'cert'];
    return [`mqtt.tls.${missing}: is required with mqtt.tls.${present} (a client certificate and its key go together)`];
  },
};

/** Detectors call a phase that exists (directly or through a group); buttons call pedestrian service. */
const detectorsValid: CrossCheck = {
  reads: ['signal.detectors', 'signal.groups', 'signal.phases'],
  run(config) {
    const { groups, phases, detectors } = config.signal;
    const groupIds = groups.map((group) => group.id);
    const phaseIds = phases.map((phase) => phase.id);
    const pedestrianIds = new Set(groups.filter((group) => group.kind === 'pedestrian').map((group) => group.id));
    const errors = duplicateIds(detectors, 'signal.detectors');
    detectors.forEach((detector, d) => {
      const path = (field: string) => configPath('signal', 'detectors', d, field);
      if ((detector.phase === undefined) === (detector.group === undefined)) {
        errors.push(`${configPath('signal', 'detectors', d)}: give exactly one of phase or group (the phase this detector calls)`);
        return;
      }
      if (detector.phase !== undefined) {
        const phase = phases.find((candidate) => candidate.id === detector.phase);
        if (!phase) errors.push(unknownReference(path('phase'), 'phase', detector.phase, phaseIds));
        else if (detector.kind === 'button' && !phase.groups.some((id) => pedestrianIds.has(id))) {
          errors.push(`${path('phase')}: a button calls pedestrian service, but phase '${phase.id}' serves no pedestrian group`);
        }
      } else if (detector.group !== undefined) {
        if (!groupIds.includes(detector.group)) errors.push(unknownReference(path('group'), 'group', detector.group, groupIds));
        else if ((detector.kind === 'button') !== pedestrianIds.has(detector.group)) {
          const wanted = detector.kind === 'button' ? 'a pedestrian' : 'a vehicle';
          errors.push(`${path('group')}: a ${detector.kind} detector needs ${wanted} group, and '${detector.group}' is not one`);
        }
      }
    });
    return errors;
  },
};

const preemptPhasesExist: CrossCheck = {
  reads: ['signal.preempt', 'signal.phases'],
  run(config) {
    const preempt = config.signal.preempt;
    if (!preempt) return [];
    const known = config.signal.phases.map((phase) => phase.id);
    return (['phase', 'exitPhase'] as const).flatMap((field) =>
      known.includes(preempt[field]) ? [] : [unknownReference(`signal.preempt.${field}`, 'phase', preempt[field], known)],
    );
  },
};

/** Plans override timings of existing phases, once each, keeping maxGreen >= minGreen after the override. */
const plansValid: CrossCheck = {
  reads: ['signal.plans', 'signal.phases'],
  run(config) {
    const { plans, phases } = config.signal;
    const known = phases.map((phase) => phase.id);
    const errors = duplicateIds(plans, 'signal.plans');
    plans.forEach((plan, p) => {
      const firstIndex = new Map<string, number>();
      plan.timings.forEach((timing, t) => {
        const path = (field: string) => configPath('signal', 'plans', p, 'timings', t, field);
        const phase = phases.find((candidate) => candidate.id === timing.phase);
        const first = firstIndex.get(timing.phase);
        if (!phase) {
          errors.push(unknownReference(path('phase'), 'phase', timing.phase, known));
          return;
        }
        if (first !== undefined) errors.push(`${path('phase')}: phase '${timing.phase}' already has timings at signal.plans[${p}].timings[${first}]`);
        else firstIndex.set(timing.phase, t);
        const minGreen = timing.minGreen ?? phase.minGreen;
        const maxGreen = timing.maxGreen ?? phase.maxGreen;
        if (maxGreen < minGreen) {
          const field = timing.maxGreen !== undefined ? 'maxGreen' : 'minGreen';
          errors.push(`${path(field)}: makes maxGreen (${maxGreen} s) shorter than minGreen (${minGreen} s) for phase '${phase.id}'`);
        }
      });
    });
    return errors;
  },
};

/** The schedule names existing plans, a valid time zone, and no two entries start at the same moment. */
const scheduleValid: CrossCheck = {
  reads: ['signal.schedule', 'signal.plans', 'signal.timeZone'],
  run(config) {
    const { schedule, plans, timeZone } = config.signal;
    const known = [...new Set(plans.map((plan) => plan.id))];
    const errors: string[] = [];
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      errors.push(`signal.timeZone: '${timeZone}' is not a time zone (use an IANA name such as UTC or Asia/Ho_Chi_Minh)`);
    }
    const firstIndex = new Map<string, number>();
    schedule.forEach((entry, e) => {
      if (!known.includes(entry.plan)) {
        errors.push(known.length === 0 ? `signal.schedule[${e}].plan: unknown plan '${entry.plan}' (signal.plans is empty)` : unknownReference(`signal.schedule[${e}].plan`, 'plan', entry.plan, known));
      }
      for (const day of new Set(entry.days)) {
        const key = `${day} ${entry.start}`;
        const first = firstIndex.get(key);
        if (first !== undefined) errors.push(`signal.schedule[${e}].start: signal.schedule[${first}] already starts on ${day} at ${entry.start}`);
        else firstIndex.set(key, e);
      }
    });
    return errors;
  },
};

/** Detector and preempt inputs each have their own line, which no output uses. */
const inputPinsUnique: CrossCheck = {
  reads: ['signal.detectors', 'signal.preempt', 'signal.groups', 'signal.flashRelay', 'cameras'],
  run(config) {
    const claims: PinClaims = new Map();
    claimPins(outputPinUses(config), claims); // outputs sharing a line are outputPinsUnique's to report
    return claimPins(controllerInputPinUses(config), claims);
  },
};

export const CROSS_CHECKS: readonly CrossCheck[] = [
  uniqueGroupIds,
  uniquePhaseIds,
  uniqueCameraIds,
  countLinesFitTheImage,
  oneOpenCvCamera,
  speedsMeasurable,
  cameraReferencesExist,
  phaseGroupsExist,
  conflictMembersValid,
  ringValid,
  phasesHoldNoConflicts,
  everyGroupServed,
  greenRangeOrdered,
  pedestrianTimesMatchGroups,
  outputPinsUnique,
  reconnectRangeOrdered,
  tlsOnlyWithSecureBroker,
  tlsClientCertificateComplete,
  detectorsValid,
  preemptPhasesExist,
  plansValid,
  scheduleValid,
  inputPinsUnique,
  ...MONITOR_CROSS_CHECKS,
  { reads: ['outbox'], run: (config) => checkOutboxConfig(config.outbox) },
  { reads: ['web'], run: (config) => checkWebConfig(config.web) },
];

/** Every cross-field error in a schema-valid config, one `path: problem` line each. */
export function crossCheck(config: Config): string[] {
  return CROSS_CHECKS.flatMap((check) => check.run(config));
}
