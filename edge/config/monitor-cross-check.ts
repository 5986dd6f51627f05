/**
 * Cross-field rules of the `monitor` section: readback inputs that match the signal groups, lines that no
 * output or other input uses, and trip times that leave room for more than one reading.
 */
import { configPath } from './config-path.js';
import type { CrossCheck } from './cross-check.js';
import { claimPins, controllerInputPinUses, outputPinUses, type PinClaims, type PinUse } from './pin-usage.js';
import type { Config } from './schema.js';
import { closestName } from './suggest.js';

const LAMPS = { vehicle: ['red', 'amber', 'green'], pedestrian: ['dontWalk', 'walk'] } as const;
const ALL_LAMPS = ['red', 'amber', 'green', 'dontWalk', 'walk'] as const;

/** With sensor gpio, every group has exactly one readback entry with an input for each of its lamps. */
const readbackMatchesGroups: CrossCheck = {
  reads: ['monitor.sensor', 'monitor.readback', 'signal.groups'],
  run(config) {
    const { sensor, readback } = config.monitor;
    if (sensor !== 'gpio') {
      return readback.length === 0 ? [] : [`monitor.readback: only used with monitor.sensor: gpio (sensor is '${sensor}'); remove it or set sensor: gpio`];
    }
    const groups = config.signal.groups;
    const known = groups.map((group) => group.id);
    const errors: string[] = [];
    const firstIndex = new Map<string, number>();
    readback.forEach((entry, r) => {
      const path = (...rest: Array<string | number>) => configPath('monitor', 'readback', r, ...rest);
      const group = groups.find((candidate) => candidate.id === entry.group);
      if (group === undefined) {
        const suggestion = closestName(entry.group, known);
        errors.push(`${path('group')}: unknown group '${entry.group}' (${suggestion !== undefined ? `did you mean '${suggestion}'?` : `groups: ${known.join(', ')}`})`);
        return;
      }
      const first = firstIndex.get(entry.group);
      if (first !== undefined) errors.push(`${path('group')}: group '${entry.group}' already has readback at monitor.readback[${first}]`);
      else firstIndex.set(entry.group, r);
      const wanted: readonly string[] = LAMPS[group.kind];
      for (const lamp of ALL_LAMPS) {
        const present = entry[lamp] !== undefined;
        if (present && !wanted.includes(lamp)) errors.push(`${path(lamp)}: ${group.id} is a ${group.kind} group; its lamps are ${wanted.join(', ')}`);
        if (!present && wanted.includes(lamp)) errors.push(`${path(lamp)}: is required: ${group.kind} group ${group.id} needs an input for each of ${wanted.join(', ')}`);
      }
    });
    groups.forEach((group, g) => {
      if (!firstIndex.has(group.id)) errors.push(`monitor.readback: group '${group.id}' (signal.groups[${g}]) has no readback entry, so the monitor could not see its lamps`);
    });
    return errors;
  },
};

/** Readback inputs each have their own line, which no output, detector or preempt input uses. */
const readbackPinsUnique: CrossCheck = {
  reads: ['monitor', 'signal.groups', 'signal.flashRelay', 'signal.detectors', 'signal.preempt', 'cameras'],
  run(config) {
    const claims: PinClaims = new Map();
    // Lines claimed twice among these are the other checks' to report.
    claimPins([...outputPinUses(config), ...controllerInputPinUses(config)], claims);
    const readbacks: PinUse[] = [];
    config.monitor.readback.forEach((entry, r) => {
      for (const lamp of ALL_LAMPS) {
        const pin = entry[lamp];
        if (pin !== undefined) readbacks.push({ path: configPath('monitor', 'readback', r, lamp), pin });
      }
    });
    if (config.monitor.flashRelayReadback) readbacks.push({ path: 'monitor.flashRelayReadback', pin: config.monitor.flashRelayReadback });
    return claimPins(readbacks, claims);
  },
};

/** The relay readback reads back signal.flashRelay, which must exist, and only the gpio sensor reads it. */
const flashRelayReadbackValid: CrossCheck = {
  reads: ['monitor.sensor', 'monitor.flashRelayReadback', 'signal.flashRelay'],
  run(config) {
    if (config.monitor.flashRelayReadback === undefined) return [];
    if (config.monitor.sensor !== 'gpio') return [`monitor.flashRelayReadback: only used with monitor.sensor: gpio (sensor is '${config.monitor.sensor}')`];
    if (config.signal.flashRelay === undefined) return ['monitor.flashRelayReadback: there is no signal.flashRelay to read back; configure the relay output or remove this'];
    return [];
  },
};

/** A trip time shorter than two poll periods would latch flash on a single reading (one glitch). */
const tripTimesSpanTwoReadings: CrossCheck = {
  reads: ['monitor.pollMs', 'monitor.tripMs', 'monitor.redFailTripMs', 'monitor.heartbeatTimeoutMs'],
  run({ monitor }) {
    return (['tripMs', 'redFailTripMs', 'heartbeatTimeoutMs'] as const).flatMap((field) =>
      monitor[field] >= 2 * monitor.pollMs ? [] : [`monitor.${field}: must be >= 2 × monitor.pollMs (${2 * monitor.pollMs} ms), so one glitchy reading cannot trip`],
    );
  },
};

export const MONITOR_CROSS_CHECKS: readonly CrossCheck[] = [readbackMatchesGroups, readbackPinsUnique, flashRelayReadbackValid, tripTimesSpanTwoReadings];
