import type { LinkStats } from '../telemetry/mqtt-session.js';
import type { SelftestCheck } from './selftest-check.js';
import { row } from './selftest-check.js';

export interface NodeLinkCheckOptions {
  /** Where the node connects, for the rows' text. */
  broker: string;
  stats: () => LinkStats;
  /** Publishes a QoS 1 probe through the node's own telemetry; true once the broker acknowledged it. */
  publishProbe: () => Promise<boolean>;
  timeoutMs?: number;
}

/**
 * The broker as a running node sees it: its own session (a second client would only prove the network),
 * connected or not, and a numbered QoS 1 event through its durable telemetry acknowledged by the broker.
 */
export function nodeLinkCheck(options: NodeLinkCheckOptions): SelftestCheck {
  return {
    name: 'broker',
    timeoutMs: options.timeoutMs ?? 10_000,
    async run() {
      const stats = options.stats();
      const link = { state: stats.state, protocol: stats.protocol, reconnects: stats.reconnects, backlog: stats.queued };
      if (stats.state !== 'connected') {
        return [row('broker', 'fail', `the node's link to ${options.broker} is ${stats.state}: check mqtt.broker, the network, credentials and TLS (the journal names the error)`, link)];
      }
      const rows = [row('broker connect', 'pass', `connected to ${options.broker} with MQTT ${stats.protocol}`, link)];
      const started = Date.now();
      const acknowledged = await options.publishProbe();
      const publishMs = Date.now() - started;
      rows.push(
        acknowledged
          ? row('broker round trip', 'pass', `a QoS 1 publish was acknowledged in ${publishMs} ms`, { publishMs })
          : row('broker round trip', 'fail', 'a QoS 1 publish was not acknowledged (it stays in the outbox for replay)', { publishMs }),
      );
      return rows;
    },
  };
}
