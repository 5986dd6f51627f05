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
 * The lamp outputs and their sensing as the lamp test drives them, in a context where no driven lamp
 * reaches the road (the flash-transfer relay released): opened by the test on free GPIO lines (the
 * command, node stopped), or handed over by a running node once its intersection is in cabinet flash.
 */
export interface LampTestRig {
  /** Sets the outputs `mask` of one head to `value` (bit i is LAMP_ORDER[kind][i]). */
  write(groupId: string, mask: number, value: number): Promise<void>;
  read(): LampReading;
  /** Every lamp output off; the relay stays released. */
  close(): Promise<void>;
}

export interface LampRigCheckOptions {
  groups: readonly LampTestGroup[];
  flashRelay: PinSpec | undefined;
  settleMs: number;
  /** Called only when a relay is configured; a GpioError EBUSY is reported as the running node holding the lines. */
  openRig: () => Promise<LampTestRig>;
  timeoutMs?: number;
}

/**
 * The lamp test: every output driven on and off, one at a time, and read back through the LampSensor.
 * It runs only in a safe context: the flash-transfer relay held released (the cabinet flashes on its own
 * flasher and the node's outputs reach no lamp; sensing sits on the node's side of the relay), so a
 * driven green is never shown to traffic. Without a configured relay, or with the relay sensed energised,
 * it refuses. Lines held by another process (the running node) fail with EBUSY, reported as such.
 */
export function lampCheck(options: LampCheckOptions): SelftestCheck {
  const { gpio, groups, flashRelay, settleMs } = options;
  return lampCheckOnRig({
    groups,
    flashRelay,
    settleMs,
    openRig: () => openGpioLampRig(gpio, groups, flashRelay!, options.openSensor),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
}

/** The lamp test on outputs someone else opened (a running node's heads): the same steps, rows and texts. */
export function lampCheckOnRig(options: LampRigCheckOptions): SelftestCheck {
  return {
    name: 'lamps',
    timeoutMs: options.timeoutMs ?? 5000 + countLamps(options.groups) * 4 * (options.settleMs + 20),
    run: () => runLampTest(options),
  };
}

/** The test's own lines: the relay opened released first (as the conflict monitor does at start), then every head. */
async function openGpioLampRig(gpio: GpioBinding, groups: readonly LampTestGroup[], flashRelay: PinSpec, openSensor: () => Promise<LampSensor>): Promise<LampTestRig> {
  const opened: LogicalOutputBank[] = [];
  const banks = new Map<string, LogicalOutputBank>();
  let sensor: LampSensor | null = null;
  const close = async () => {
    for (const bank of banks.values()) await bank.write(0xffff_ffff >>> (32 - bank.size), 0).catch(() => undefined);
    await sensor?.close().catch(() => undefined);
    for (const bank of opened.reverse()) await bank.close().catch(() => undefined);
  };
  try {
    opened.push(await openLogicalOutputs(gpio, [flashRelay], 0));
    for (const group of groups) {
      const pins = LAMP_ORDER[group.kind].map((lamp) => group.outputs[lamp]!);
      const bank = await openLogicalOutputs(gpio, pins, 0);
      opened.push(bank);
      banks.set(group.id, bank);
    }
    sensor = await openSensor();
  } catch (error) {
    await close();
    throw error;
  }
  const reader = sensor;
  return { write: (groupId, mask, value) => banks.get(groupId)!.write(mask, value), read: () => reader.read(), close };
}

async function runLampTest(options: LampRigCheckOptions): Promise<CheckRow[]> {
  const { groups, flashRelay, settleMs } = options;
  if (flashRelay === undefined) {
    return [row('lamps', 'fail', 'refused: no signal.flashRelay in the config, so driving an output would light a lamp facing traffic; wire and configure the flash-transfer relay, or test the lamps by hand with the cabinet in flash')];
  }
  let rig: LampTestRig | null = null;
  try {
    rig = await options.openRig();
    await sleep(settleMs);
    const baseline = rig.read();
    if (baseline.flashRelayEnergised === true) {
      return [row('lamps', 'fail', 'refused: the flash-transfer relay reads energised although it is commanded released (welded contact?); the outputs would reach the lamps', { relay: 'energised' })];
    }
    const faults: CheckRow[] = [];
    for (const group of groups) {
      for (const [bit, lamp] of LAMP_ORDER[group.kind].entries()) {
        const mask = 1 << bit;
        await rig.write(group.id, mask, mask);
        await sleep(settleMs);
        const on = rig.read();
        await rig.write(group.id, mask, 0);
        await sleep(settleMs);
        const off = rig.read();
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
    await rig?.close().catch(() => undefined);
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
