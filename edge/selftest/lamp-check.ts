import { GpioError, type GpioBinding, type PinSpec } from '../hal/gpio.js';
import { LAMP_ORDER, litLampNames, type LampReading, type LampSensor, type SignalGroupKind } from '../hal/lamp-sensor.js';
import { openLogicalOutputs, type LogicalOutputBank } from '../hal/lines.js';
import type { CheckRow, SelftestCheck } from './selftest-check.js';
import { row } from './selftest-check.js';

/** A signal group as wired to the node's outputs (the shape of config signal.groups[]). */
export interface LampTestGroup {
  id: string;
  kind: SignalGroupKind;
  outputs: Readonly<Record<string, PinSpec>>;
}

export interface LampCheckOptions {
  gpio: GpioBinding;
  /** Opened on the same binding after the outputs (a readback sensor's inputs); closed by the check. */
  openSensor: () => Promise<LampSensor>;
  groups: readonly LampTestGroup[];
  /** signal.flashRelay: held released for the whole test, so the node's outputs never reach the lamps. */
  flashRelay: PinSpec | undefined;
  /** How long to wait after a write before reading the sensor (readback debounce plus the relay's switching time). */
  settleMs: number;
  timeoutMs?: number;
}

/** What one lamp did: lit on command, dark on command, or the way it failed. */
export type LampFault = 'stuck-on' | 'dark-when-driven' | 'crossed';

const FAULT_TEXT: Record<LampFault, string> = {
  'stuck-on': 'stuck on: lit while its output is off (shorted load switch or welded relay)',
  'dark-when-driven': 'dark when driven: no current with its output on (lamp out, or output stuck off / dead driver; current sensing cannot tell which)',
  crossed: 'crossed: driving it lit another lamp',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The lamp test: every output driven on and off, one at a time, and read back through the LampSensor.
 * It runs only in a safe context: the flash-transfer relay held released (the cabinet flashes on its own
 * flasher and the node's outputs reach no lamp; sensing sits on the node's side of the relay), so a
 * driven green is never shown to traffic. Without a configured relay, or with the relay sensed energised,
 * it refuses. Lines held by another process (the running node) fail with EBUSY, reported as such.
 */
export function lampCheck(options: LampCheckOptions): SelftestCheck {
  const lampCount = options.groups.reduce((sum, group) => sum + LAMP_ORDER[group.kind].length, 0);
  return {
    name: 'lamps',
    timeoutMs: options.timeoutMs ?? 5000 + lampCount * 4 * (options.settleMs + 20),
    run: () => runLampTest(options),
  };
}

async function runLampTest(options: LampCheckOptions): Promise<CheckRow[]> {
  const { gpio, groups, flashRelay, settleMs } = options;
  if (flashRelay === undefined) {
    return [row('lamps', 'fail', 'refused: no signal.flashRelay in the config, so driving an output would light a lamp facing traffic; wire and configure the flash-transfer relay, or test the lamps by hand with the cabinet in flash')];
  }
  const opened: LogicalOutputBank[] = [];
  const banks = new Map<string, LogicalOutputBank>();
  let sensor: LampSensor | null = null;
  try {
    // Released first: logical 0 de-energises the relay, as the conflict monitor does at start.
    opened.push(await openLogicalOutputs(gpio, [flashRelay], 0));
    for (const group of groups) {
      const pins = LAMP_ORDER[group.kind].map((lamp) => group.outputs[lamp]!);
      const bank = await openLogicalOutputs(gpio, pins, 0);
      opened.push(bank);
      banks.set(group.id, bank);
    }
    sensor = await options.openSensor();
    await sleep(settleMs);
    const baseline = sensor.read();
    if (baseline.flashRelayEnergised === true) {
      return [row('lamps', 'fail', 'refused: the flash-transfer relay reads energised although it is commanded released (welded contact?); the outputs would reach the lamps', { relay: 'energised' })];
    }
    const faults: CheckRow[] = [];
    for (const group of groups) {
      const bank = banks.get(group.id)!;
      for (const [bit, lamp] of LAMP_ORDER[group.kind].entries()) {
        const mask = 1 << bit;
        await bank.write(mask, mask);
        await sleep(settleMs);
        const on = sensor.read();
        await bank.write(mask, 0);
        await sleep(settleMs);
        const off = sensor.read();
        if (on.flashRelayEnergised === true || off.flashRelayEnergised === true) throw new Error('the flash-transfer relay became energised during the test: stopped');
        const fault = classify(groups, group.id, mask, baseline, on, off);
        if (fault) faults.push(row(`lamp ${group.id}.${lamp}`, 'fail', FAULT_TEXT[fault.kind] + fault.extra, { fault: fault.kind }));
      }
    }
    const sensed = baseline.flashRelayEnergised !== null;
    const relay = sensed ? 'released (sensed)' : 'released (commanded; not sensed)';
    const measured = { lamps: countLamps(groups), faulty: faults.length, relay };
    // Without a relay contact readback a welded relay cannot be seen: the technician must confirm the flash.
    const unsensed = sensed ? '' : '; no monitor.flashRelayReadback, so confirm the cabinet showed flash throughout';
    const summary =
      faults.length === 0
        ? row('lamps', sensed ? 'pass' : 'warn', `${measured.lamps} lamps each lit on command and dark when released, flash-transfer relay ${relay}${unsensed}`, measured)
        : row('lamps', 'fail', `${faults.length} of ${measured.lamps} lamps faulty (rows below), flash-transfer relay ${relay}${unsensed}`, measured);
    return [summary, ...faults];
  } catch (error) {
    if (error instanceof GpioError && error.code === 'EBUSY') {
      return [row('lamps', 'fail', `refused: a GPIO line is held by another process (${error.message}); stop the running node first (systemctl stop nutgiao), then run the self-test again`, { code: 'EBUSY' })];
    }
    throw error;
  } finally {
    // Every lamp output off before the lines are let go; the relay stays released.
    for (const bank of banks.values()) await bank.write(0xffff_ffff >>> (32 - bank.size), 0).catch(() => undefined);
    await sensor?.close().catch(() => undefined);
    for (const bank of opened.reverse()) await bank.close().catch(() => undefined);
  }
}

function classify(groups: readonly LampTestGroup[], groupId: string, mask: number, baseline: LampReading, on: LampReading, off: LampReading): { kind: LampFault; extra: string } | null {
  const litOn = ((on.lit[groupId] ?? 0) & mask) !== 0;
  const litOff = ((off.lit[groupId] ?? 0) & mask) !== 0;
  if (litOff) return { kind: 'stuck-on', extra: '' };
  if (!litOn) return { kind: 'dark-when-driven', extra: '' };
  // Lamps that lit with this output and were dark before it (a lamp stuck on is reported on its own row).
  const others = groups.flatMap((group) => {
    const extra = ((on.lit[group.id] ?? 0) & ~(baseline.lit[group.id] ?? 0) & (group.id === groupId ? ~mask : ~0)) >>> 0;
    return litLampNames(group.kind, extra).map((lamp) => `${group.id}.${lamp}`);
  });
  return others.length > 0 ? { kind: 'crossed', extra: ` (also lit: ${others.join(', ')})` } : null;
}

function countLamps(groups: readonly LampTestGroup[]): number {
  return groups.reduce((sum, group) => sum + LAMP_ORDER[group.kind].length, 0);
}
