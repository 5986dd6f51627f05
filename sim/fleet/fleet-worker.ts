/**
 * A worker thread of `nutgiao fleet`: runs its share of the nodes behind its own link proxy, applies
 * their churn (disconnects, power cuts) and reports a tick every second to the coordinator.
 */
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { EXAMPLE_CONFIG_PATH, loadConfigFile } from '../../edge/config/index.js';
import { RealClock } from '../../edge/hal/real-clock.js';
import { createLogger } from '../../edge/log.js';
import { packageVersion } from '../../edge/version.js';
import { seededRandom } from '../seeded-random.js';
import { FleetNode } from './fleet-node.js';
import type { FleetWorkerData, FromWorker, NodeOutcome, ReconnectSample, ToWorker } from './fleet-messages.js';
import { LinkProxy } from './link-proxy.js';
import { nodeTiming } from './node-timing.js';

const TICK_MS = 1000;
/** At the end, nodes still down from a power cut get this long to come back before the drain. */
const REBOOT_BOUND_MS = 60_000;

const data = workerData as FleetWorkerData;
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

async function run(): Promise<void> {
  process.env.NUTGIAO_LOG = data.logLevel; // this thread's copy of the environment
  const loaded = await loadConfigFile(EXAMPLE_CONFIG_PATH);
  if (!loaded.ok) throw new Error(`example config: ${loaded.errors.join('; ')}`);
  const { hash } = loaded;
  const config = { ...loaded.config, commands: { ...loaded.config.commands, keys: data.commandKeys } };
  const timing = nodeTiming(config, data.rate);
  const clock = new RealClock();
  const log = createLogger('fleet');
  const version = packageVersion();

  const reconnects: ReconnectSample[] = [];
  const nodesByClient = new Map<string, FleetNode>();
  const proxy = await LinkProxy.start(
    data.brokerUrl,
    (clientId, end) => {
      if (end === 'broker') nodesByClient.get(clientId)?.linkLost('broker');
    },
    () => clock.monotonic(),
  );
  const nodes = data.nodes.map((spec) => {
    const node = new FleetNode(
      {
        site: spec.site,
        node: spec.node,
        stateDir: join(data.stateRoot, spec.site, spec.node),
        brokerUrl: proxy.url,
        config,
        configHash: hash,
        version,
        timing,
        random: seededRandom(Math.imul(data.seed + 1, 0x9e3779b1) ^ spec.index),
        clock,
        log: log.child(spec.node),
      },
      (cause, ms) => reconnects.push({ cause, ms }),
    );
    nodesByClient.set(node.clientId, node);
    return node;
  });
  const backlogPeak = new Map<FleetNode, number>();
  let disconnects = 0;
  let reboots = 0;
  const rebooting = new Map<FleetNode, Promise<void>>();
  const churnTimers = new Set<ReturnType<typeof setTimeout>>();

  const commands = new Map<ToWorker['type'], () => void>();
  const waitFor = (type: ToWorker['type']) => new Promise<void>((resolve) => commands.set(type, resolve));
  port.on('message', (message: ToWorker) => {
    if (message.type === 'storm') {
      for (const node of nodes) node.linkLost('storm');
      proxy.cutAll();
    } else commands.get(message.type)?.();
  });

  const started = waitFor('start');
  post({ type: 'ready', heapUsedBytes: getHeapStatistics().used_heap_size });
  await started;
  const finishing = waitFor('finish');

  const tick = setInterval(() => {
    let published = 0;
    let sequenced = 0;
    let acked = 0;
    let births = 0;
    let connected = 0;
    let backlog = 0;
    let nodeBacklogMax = 0;
    for (const node of nodes) {
      published += node.published();
      sequenced += node.counters.sequenced;
      acked += node.counters.acked;
      births += node.counters.births;
      if (node.linkState() === 'connected') connected++;
      const pending = node.pending();
      backlog += pending;
      nodeBacklogMax = Math.max(nodeBacklogMax, pending);
      if (pending > (backlogPeak.get(node) ?? 0)) backlogPeak.set(node, pending);
    }
    post({ type: 'tick', published, sequenced, acked, births, connected, backlog, nodeBacklogMax, reboots, disconnects, reconnects: reconnects.splice(0), heapUsedBytes: getHeapStatistics().used_heap_size });
  }, TICK_MS);

  // Starts spread over startSpreadMs, then each node's churn drawn from its own seeded stream.
  const churnRandom = seededRandom(data.seed ^ 0x5bd1e995 ^ (data.nodes[0]?.index ?? 0));
  await Promise.all(
    nodes.map(async (node, i) => {
      await clock.sleep((data.startSpreadMs * i) / Math.max(1, nodes.length));
      await node.start();
      const { disconnect, reboot } = data.churn;
      if (disconnect) {
        for (const at of poissonTimes(disconnect.perHour, data.durationMs, churnRandom)) {
          schedule(at, () => {
            disconnects++;
            node.linkLost('disconnect');
            proxy.cut(node.clientId, disconnect.downMs);
          });
        }
      }
      if (reboot) {
        for (const at of poissonTimes(reboot.perHour, data.durationMs, churnRandom)) {
          schedule(at, () => {
            if (rebooting.has(node)) return; // still down from the last power cut
            reboots++;
            const cycle = (async () => {
              await node.powerCut(() => proxy.cut(node.clientId));
              await clock.sleep(reboot.downMs);
              await node.start();
            })();
            rebooting.set(node, cycle);
            void cycle.finally(() => rebooting.delete(node));
          });
        }
      }
    }),
  );

  function schedule(atMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      churnTimers.delete(timer);
      action();
    }, atMs);
    churnTimers.add(timer);
  }

  await finishing;
  for (const timer of churnTimers) clearTimeout(timer);
  proxy.endOutages();
  await Promise.race([Promise.all([...rebooting.values()]), clock.sleep(REBOOT_BOUND_MS)]);
  for (const node of nodes) node.quiesce();
  const deadline = clock.monotonic() + data.drainMs;
  while (nodes.some((node) => node.pending() > 0) && clock.monotonic() < deadline) await clock.sleep(100);
  await clock.sleep(data.lingerMs);
  await Promise.all(nodes.map((node) => node.stop(1000)));
  clearInterval(tick);
  await proxy.close();
  const outcomes: NodeOutcome[] = data.nodes.map((spec, i) => ({ site: spec.site, node: spec.node, boots: nodes[i]!.boots, pending: nodes[i]!.pending(), backlogPeak: backlogPeak.get(nodes[i]!) ?? 0 }));
  post({ type: 'done', nodes: outcomes });
}

/** Event times (ms into the run) of a Poisson process at perHour. */
function poissonTimes(perHour: number, durationMs: number, random: () => number): number[] {
  const perMs = perHour / 3_600_000;
  const times: number[] = [];
  if (perMs <= 0) return times;
  for (let at = -Math.log(1 - random()) / perMs; at < durationMs; at += -Math.log(1 - random()) / perMs) times.push(at);
  return times;
}

run().catch((error: unknown) => {
  post({ type: 'failed', error: (error as Error).stack ?? String(error) });
});
