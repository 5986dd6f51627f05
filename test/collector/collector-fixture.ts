import { randomBytes } from 'node:crypto';
import { createLogger } from '../../edge/log.js';
import { Collector, DEFAULT_COLLECTOR_OPTIONS, type CollectorOptions } from '../../edge/collector/collector.js';
import { DEFAULT_PREFIX } from '../../protocol/topics.js';

/** An in-process collector with short batching and gap timings, quiet unless NUTGIAO_LOG asks. */
export async function startCollector(brokerUrl: string, databaseUrl: string, overrides: Partial<CollectorOptions> = {}): Promise<Collector> {
  const collector = new Collector({
    ...DEFAULT_COLLECTOR_OPTIONS,
    brokerUrl,
    databaseUrl,
    clientId: `test-collector-${randomBytes(4).toString('hex')}`,
    // Its own group per test, so no session of an earlier test takes a share.
    shareGroup: `test-${randomBytes(4).toString('hex')}`,
    prefix: DEFAULT_PREFIX,
    batchSize: 100,
    batchMs: 20,
    metricsPort: null,
    signer: null,
    retry: { minMs: 50, maxMs: 500 },
    gaps: { graceMs: 300, perNodeIntervalMs: 0, maxRequestsPerS: 100 },
    log: createLogger('collector', () => undefined, 99),
    ...overrides,
  });
  await collector.start();
  return collector;
}
