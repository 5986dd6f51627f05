/**
 * Every GPIO line the config uses, with the path that uses it, so the cross-checks can say which two
 * fields claim one line (`signal.detectors[0].input: gpiochip0 line 5 is already used by signal.groups[1].outputs.red`).
 */
import { configPath } from './config-path.js';
import type { Config, Pin } from './schema.js';

export interface PinUse {
  path: string;
  pin: Pin;
}

/** A line, by chip and offset, whatever its active level. */
export type PinClaims = Map<string, string>;

const pinKey = (pin: Pin): string => `${pin.chip}\u0000${pin.line}`;

/** Lamp outputs, the flash-transfer relay, and the cameras' power relays and infrared illuminators. */
export function outputPinUses(config: Pick<Config, 'signal' | 'cameras'>): PinUse[] {
  const uses: PinUse[] = config.signal.groups.flatMap((group, g) =>
    Object.entries(group.outputs).map(([name, pin]) => ({ path: configPath('signal', 'groups', g, 'outputs', name), pin })),
  );
  if (config.signal.flashRelay) uses.push({ path: 'signal.flashRelay', pin: config.signal.flashRelay });
  config.cameras.forEach((camera, c) => {
    if (camera.health?.powerRelay) uses.push({ path: configPath('cameras', c, 'health', 'powerRelay'), pin: camera.health.powerRelay });
    if (camera.health?.infrared) uses.push({ path: configPath('cameras', c, 'health', 'infrared', 'output'), pin: camera.health.infrared.output });
  });
  return uses;
}

/** The controller's inputs: loop and button detectors, and the preempt input. */
export function controllerInputPinUses(config: Pick<Config, 'signal'>): PinUse[] {
  const uses: PinUse[] = config.signal.detectors.map((detector, d) => ({ path: configPath('signal', 'detectors', d, 'input'), pin: detector.input }));
  if (config.signal.preempt) uses.push({ path: 'signal.preempt.input', pin: config.signal.preempt.input });
  return uses;
}

/**
 * Claims each line in order: a line claimed before (in `claims` or earlier in `uses`) is an error naming
 * both paths. Pass the returned errors on, or ignore them for lines another check already reports.
 */
export function claimPins(uses: readonly PinUse[], claims: PinClaims = new Map()): string[] {
  const errors: string[] = [];
  for (const { path, pin } of uses) {
    const first = claims.get(pinKey(pin));
    if (first === undefined) claims.set(pinKey(pin), path);
    else errors.push(`${path}: ${pin.chip} line ${pin.line} is already used by ${first}`);
  }
  return errors;
}
