/** The collector's counters, rendered in the Prometheus text format; plain numbers, no client library. */
export const BATCH_LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class CollectorMetrics {
  messagesReceived = 0;
  sequencedStored = 0;
  duplicates = 0;
  rejected = 0;
  rowsWritten = 0;
  batchesCommitted = 0;
  dbErrors = 0;
  gapsDetected = 0;
  replayRequests = 0;
  /** v2 messages stored as rejected because their node's birth did not arrive in time (or too many waited). */
  refusedWithoutBirth = 0;
  /** v2 messages waiting, unacknowledged, for their node's birth. */
  heldForBirth = 0;
  /** Messages received but not yet committed (and so not yet acknowledged). */
  pending = 0;
  mqttConnected = false;
  databaseOk = false;
  lastCommitAtMs: number | null = null;
  private readonly latencyCounts = new Array<number>(BATCH_LATENCY_BUCKETS_S.length).fill(0);
  private latencySumS = 0;
  private latencyCount = 0;
  /** Received-message counts per second over the last minute, for a rate without a Prometheus server. */
  private readonly perSecond = new Map<number, number>();

  constructor(private readonly now: () => number = Date.now) {}

  received(count = 1): void {
    this.messagesReceived += count;
    const second = Math.floor(this.now() / 1000);
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + count);
    for (const key of this.perSecond.keys()) if (key < second - 60) this.perSecond.delete(key);
  }

  batchLatency(seconds: number): void {
    this.latencySumS += seconds;
    this.latencyCount++;
    BATCH_LATENCY_BUCKETS_S.forEach((bound, i) => {
      if (seconds <= bound) this.latencyCounts[i]!++;
    });
  }

  /** Mean messages per second over the last `windowS` complete seconds. */
  messagesPerSecond(windowS = 10): number {
    const current = Math.floor(this.now() / 1000);
    let total = 0;
    for (let s = current - windowS; s < current; s++) total += this.perSecond.get(s) ?? 0;
    return total / windowS;
  }

  health(): Record<string, unknown> {
    return {
      ok: this.mqttConnected && this.databaseOk,
      mqttConnected: this.mqttConnected,
      databaseOk: this.databaseOk,
      pending: this.pending,
      messagesPerSecond: this.messagesPerSecond(),
      lastCommitAgeS: this.lastCommitAtMs === null ? null : (this.now() - this.lastCommitAtMs) / 1000,
    };
  }

  prometheus(): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
    };
    metric('nutgiao_collector_messages_received_total', 'counter', 'MQTT messages received', this.messagesReceived);
    metric('nutgiao_collector_messages_per_second', 'gauge', 'messages received per second, mean of the last 10 s', this.messagesPerSecond());
    metric('nutgiao_collector_sequenced_stored_total', 'counter', 'sequenced messages stored (new node/boot/seq)', this.sequencedStored);
    metric('nutgiao_collector_duplicates_total', 'counter', 'sequenced messages already stored, not written again', this.duplicates);
    metric('nutgiao_collector_rejected_total', 'counter', 'messages refused by the protocol decoder', this.rejected);
    metric('nutgiao_collector_rows_written_total', 'counter', 'rows written across all tables', this.rowsWritten);
    metric('nutgiao_collector_batches_total', 'counter', 'batches committed', this.batchesCommitted);
    metric('nutgiao_collector_db_errors_total', 'counter', 'failed batch transactions (retried)', this.dbErrors);
    metric('nutgiao_collector_gaps_total', 'counter', 'sequence gaps confirmed missing in the database', this.gapsDetected);
    metric('nutgiao_collector_replay_requests_total', 'counter', 'replay requests sent to nodes', this.replayRequests);
    metric('nutgiao_collector_refused_without_birth_total', 'counter', 'v2 messages stored as rejected because their node\'s birth never arrived', this.refusedWithoutBirth);
    metric('nutgiao_collector_held_for_birth', 'gauge', 'v2 messages waiting, unacknowledged, for their node\'s birth', this.heldForBirth);
    metric('nutgiao_collector_pending_messages', 'gauge', 'messages received, not yet committed nor acknowledged', this.pending);
    metric('nutgiao_collector_mqtt_connected', 'gauge', '1 when connected to the broker', this.mqttConnected ? 1 : 0);
    metric('nutgiao_collector_database_ok', 'gauge', '1 when the last database operation succeeded', this.databaseOk ? 1 : 0);
    const histogram = 'nutgiao_collector_batch_seconds';
    lines.push(`# HELP ${histogram} time to write and commit one batch`, `# TYPE ${histogram} histogram`);
    BATCH_LATENCY_BUCKETS_S.forEach((bound, i) => lines.push(`${histogram}_bucket{le="${bound}"} ${this.latencyCounts[i]}`));
    lines.push(`${histogram}_bucket{le="+Inf"} ${this.latencyCount}`, `${histogram}_sum ${this.latencySumS}`, `${histogram}_count ${this.latencyCount}`);
    return lines.join('\n') + '\n';
  }
}
