/**
 * `fleet`: the city-scale run of scripts/fleet-bench.ts (nutgiao fleet → Mosquitto → two collectors in
 * one shared group → PostgreSQL, a broker restart and a collector SIGKILL on the way), small by default
 * so `npm run bench` stays reasonable: --fleet-nodes 1000 --fleet-seconds 120 is the size.
 * ok = no sequence number missing after de-duplication and no message left undelivered in an outbox.
 */
import { FLEET_BENCH_DEFAULTS, measureFleet } from '../../fleet-bench.js';
import { log, type BenchContext } from '../context.js';
import type { BenchOptions } from '../main.js';

export async function fleetSection(_context: BenchContext, options: BenchOptions): Promise<Record<string, unknown>> {
  const result = await measureFleet({
    nodes: options.fleetNodes,
    durationS: options.fleetSeconds,
    churn: FLEET_BENCH_DEFAULTS.churn,
    restartBroker: true,
    killCollector: true,
    log: (line) => log(`fleet: ${line}`),
  });
  return { ok: (result.sequences as { ok: boolean }).ok, ...result };
}
