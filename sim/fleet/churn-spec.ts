/**
 * `--churn SPEC` of `nutgiao fleet`: what goes wrong in a city of nodes, as comma-separated items.
 *
 *   disconnect:RATE[:DOWN]   each node loses its link RATE times per hour or minute on average (Poisson),
 *                            and cannot reconnect for DOWN (default 0 s: a dropped TCP connection)
 *   reboot:RATE[:DOWN]       each node loses power RATE times per …, and boots again after DOWN (default 3 s):
 *                            a new boot id, the outbox on disk kept
 *   storm:AT                 at AT into the run every link drops at once, as when the broker restarts
 *
 * RATE is N/h or N/min; DOWN and AT are N s, N ms or N min. Example: `disconnect:6/h:5s,reboot:1/h,storm:60s`.
 */
export interface ChurnSpec {
  disconnect: { perHour: number; downMs: number } | null;
  reboot: { perHour: number; downMs: number } | null;
  /** Ms into the run at which every link drops at once. */
  stormsAtMs: number[];
}

export const NO_CHURN: ChurnSpec = { disconnect: null, reboot: null, stormsAtMs: [] };

const DEFAULT_DISCONNECT_DOWN_MS = 0;
const DEFAULT_REBOOT_DOWN_MS = 3000;

/** The spec, or an Error naming the item that is wrong and how to write it. */
export function parseChurnSpec(text: string): ChurnSpec {
  const spec: ChurnSpec = { disconnect: null, reboot: null, stormsAtMs: [] };
  if (text.trim() === '' || text.trim() === 'none') return spec;
  for (const item of text.split(',').map((part) => part.trim())) {
    const [kind, ...args] = item.split(':');
    if (kind === 'disconnect' || kind === 'reboot') {
      if (args.length < 1 || args.length > 2) throw new Error(`--churn: '${item}': expected ${kind}:RATE[:DOWN], e.g. ${kind}:6/h:5s`);
      if (spec[kind] !== null) throw new Error(`--churn: '${kind}' given twice; give one rate`);
      const downMs = args[1] === undefined ? (kind === 'reboot' ? DEFAULT_REBOOT_DOWN_MS : DEFAULT_DISCONNECT_DOWN_MS) : durationMs(args[1], item);
      spec[kind] = { perHour: ratePerHour(args[0]!, item), downMs };
    } else if (kind === 'storm') {
      if (args.length !== 1) throw new Error(`--churn: '${item}': expected storm:AT, e.g. storm:60s`);
      spec.stormsAtMs.push(durationMs(args[0]!, item));
    } else {
      throw new Error(`--churn: unknown item '${item}': expected disconnect:RATE[:DOWN], reboot:RATE[:DOWN] or storm:AT`);
    }
  }
  spec.stormsAtMs.sort((a, b) => a - b);
  return spec;
}

export function describeChurn(spec: ChurnSpec): string {
  const parts: string[] = [];
  if (spec.disconnect) parts.push(`disconnect ${spec.disconnect.perHour}/h (down ${spec.disconnect.downMs / 1000} s)`);
  if (spec.reboot) parts.push(`reboot ${spec.reboot.perHour}/h (down ${spec.reboot.downMs / 1000} s)`);
  for (const at of spec.stormsAtMs) parts.push(`storm at ${at / 1000} s`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function ratePerHour(text: string, item: string): number {
  const match = /^(\d+(?:\.\d+)?)\/(h|min)$/.exec(text);
  if (!match) throw new Error(`--churn: '${item}': rate '${text}' must be N/h or N/min, e.g. 6/h`);
  const value = Number(match[1]);
  return match[2] === 'min' ? value * 60 : value;
}

function durationMs(text: string, item: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|min)$/.exec(text);
  if (!match) throw new Error(`--churn: '${item}': time '${text}' must be N ms, N s or N min, e.g. 5s`);
  const value = Number(match[1]);
  return Math.round(match[2] === 'ms' ? value : match[2] === 's' ? value * 1000 : value * 60_000);
}
