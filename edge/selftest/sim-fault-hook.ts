import type { LampSensor } from '../hal/lamp-sensor.js';

/**
 * A documented test hook of `nutgiao selftest`: lamp faults injected into the simulated lamps, so the
 * command can be seen (and tested end to end) reporting them. Only the simulator's lamps accept them.
 */
export const SIM_FAULTS_ENV = 'NUTGIAO_SELFTEST_SIM_FAULTS';

const KINDS = ['stuck-on', 'stuck-off', 'lamp-out', 'ignore-writes'] as const;
export interface SimLampFaultSpec {
  kind: (typeof KINDS)[number];
  group: string;
  lamp: string;
}

/** `stuck-on:G1:green,lamp-out:G2:red` → specs; a clear error naming the bad entry. */
export function parseSimLampFaults(text: string | undefined): SimLampFaultSpec[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((entry) => {
    const [kind, group, lamp, ...rest] = entry.trim().split(':');
    if (!(KINDS as readonly string[]).includes(kind ?? '') || !group || !lamp || rest.length > 0) {
      throw new Error(`${SIM_FAULTS_ENV}: '${entry}' is not KIND:GROUP:LAMP with KIND one of ${KINDS.join(', ')} (e.g. stuck-on:G1:green)`);
    }
    return { kind: kind as SimLampFaultSpec['kind'], group, lamp };
  });
}

interface FaultableLamps {
  injectFault(group: string, lamp: string, fault: { kind: SimLampFaultSpec['kind'] }): void;
}

export function applySimLampFaults(sensor: LampSensor, faults: readonly SimLampFaultSpec[]): void {
  if (faults.length === 0) return;
  const lamps = sensor as Partial<FaultableLamps>;
  if (typeof lamps.injectFault !== 'function') throw new Error(`${SIM_FAULTS_ENV}: the lamp sensor is not the simulator's (monitor.sensor must be sim)`);
  for (const fault of faults) lamps.injectFault(fault.group, fault.lamp, { kind: fault.kind });
}
