/** What the fleet's coordinator and its worker threads say to each other. */
import type { CommandKey } from '../../edge/config/commands-schema.js';
import type { ChurnSpec } from './churn-spec.js';
import type { BootRecord, LinkLoss } from './fleet-node.js';

export interface WorkerNodeSpec {
  index: number;
  site: string;
  node: string;
}

export interface FleetWorkerData {
  brokerUrl: string;
  nodes: WorkerNodeSpec[];
  stateRoot: string;
  seed: number;
  /** Messages per node per second; absent: the node's default rates. */
  rate?: number;
  churn: ChurnSpec;
  durationMs: number;
  /** Node starts are spread over this long, as a city's nodes do not all power up in one instant. */
  startSpreadMs: number;
  drainMs: number;
  /** After the drain the nodes stay connected, without traffic, this long: a receiver may still ask for replays. */
  lingerMs: number;
  /** The central system's command keys (commands.keys): its signed replay requests are checked against them. */
  commandKeys: CommandKey[];
  /** NUTGIAO_LOG threshold of the nodes' logs in this worker. */
  logLevel: string;
}

export type ToWorker = { type: 'start' } | { type: 'storm' } | { type: 'finish' };

export interface ReconnectSample {
  cause: LinkLoss | 'reboot';
  ms: number;
}

export interface WorkerTick {
  type: 'tick';
  published: number;
  sequenced: number;
  acked: number;
  births: number;
  connected: number;
  /** Sum of the nodes' outbox backlogs now, and the largest one node holds. */
  backlog: number;
  nodeBacklogMax: number;
  reboots: number;
  disconnects: number;
  reconnects: ReconnectSample[];
  heapUsedBytes: number;
}

export interface NodeOutcome {
  site: string;
  node: string;
  boots: BootRecord[];
  /** Numbered messages still unacknowledged when the node stopped. */
  pending: number;
  backlogPeak: number;
}

export type FromWorker =
  | { type: 'ready'; heapUsedBytes: number }
  | WorkerTick
  | { type: 'done'; nodes: NodeOutcome[] }
  | { type: 'failed'; error: string };
