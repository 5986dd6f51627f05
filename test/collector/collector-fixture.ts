import { randomBytes } from 'node:crypto';
import { createLogger } from '../../edge/log.js';
import { Collector, DEFAULT_COLLECTOR_OPTIONS, type CollectorOptions } from '../../edge/collector/collector.js';
import { DEFAULT_PREFIX } from '../../protocol/topics.js';
import type { Test } from 'uvu';
import { MosquittoBroker } from '../support/mosquitto.js';
import { TelemetryPublisher } from './telemetry-publisher.js';
import { TestDatabase } from './test-database.js';

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

export interface CollectorRig {
  broker: MosquittoBroker;
  db: TestDatabase;
  publisher: TelemetryPublisher;
}

/**
 * The lifecycle the collector suites share: one Mosquitto for the suite; for each test a fresh database
 * and publisher, closed after it once `stopCollectors` has stopped the test's collectors.
 */
export function collectorRig(test: Test, stopCollectors: () => Promise<void>): CollectorRig {
  const rig = {} as CollectorRig;
  test.before(async () => {
    rig.broker = await MosquittoBroker.start();
  });
  test.after(async () => {
    await rig.broker.stop();
  });
  test.before.each(async () => {
    rig.db = await TestDatabase.create();
    rig.publisher = await TelemetryPublisher.connect(rig.broker.url);
  });
  test.after.each(async () => {
    await rig.publisher.close();
    await stopCollectors();
    await rig.db.drop();
  });
  return rig;
}
