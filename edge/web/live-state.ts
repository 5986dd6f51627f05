import type { CachedSystemInfo, NodeView } from './node-view.js';
import type { SelftestStatus } from '../selftest/selftest-check.js';
import type { LiveState, LoggedEvent } from './page-protocol.js';

export type { LiveState } from './page-protocol.js';

export async function liveState(view: NodeView, system: CachedSystemInfo, events: readonly LoggedEvent[], selftest: SelftestStatus): Promise<LiveState> {
  const signal = view.signal();
  const snapshot = signal.phaseController().snapshot();
  const fault = signal.conflictMonitor().latchedFault();
  const link = view.link().stats();
  const host = await system.snapshot();
  return {
    at: Math.round(view.clock.now()),
    node: { id: view.config.node.id, site: view.config.node.site, boot: view.boot(), version: view.version, configHash: view.configHash },
    signal: {
      mode: signal.mode(),
      aspects: signal.aspects(),
      phase: snapshot?.phase ?? null,
      interval: snapshot?.interval ?? null,
      plan: snapshot?.plan ?? null,
      calls: snapshot?.calls ?? [],
      stepPending: snapshot?.stepPending ?? false,
      remaining: snapshot ? { ...snapshot.remaining } : null,
    },
    monitor: { latched: fault !== null, fault: fault && { kind: fault.kind, detail: fault.detail, trippedAt: fault.trippedAt } },
    cameras: view.cameras().map((camera) => {
      const summary = camera.summary();
      const live = camera.liveView();
      const source = view.sources.find((candidate) => candidate.id === summary.id);
      const zoneNames = view.config.cameras.find((config) => config.id === summary.id)?.zones.map((zone) => zone.name) ?? [];
      return {
        id: summary.id,
        width: source?.width ?? 0,
        height: source?.height ?? 0,
        fps: summary.fps,
        processed: summary.processed,
        dropped: summary.dropped,
        sourceDropped: source?.stats().framesDropped ?? 0,
        msPerFrame: Math.round(summary.msPerFrame * 100) / 100,
        totals: summary.totals,
        tracks: live.tracks.map((track) => ({ id: track.id, x: round1(track.cx - track.w / 2), y: round1(track.cy - track.h / 2), w: round1(track.w), h: round1(track.h) })),
        zones: zoneNames.map((name, z) => ({ name, occupancy: Math.round((live.zoneOccupancy[z] ?? 0) * 1000) / 1000, present: live.zonePresent[z] ?? false })),
      };
    }),
    health: {
      cpuPercent: Math.round(host.processCpuPercent * 10) / 10,
      load1PerCpu: Math.round(host.load1PerCpu * 100) / 100,
      tempC: host.cpuTempC,
      rssBytes: host.memRssBytes,
      link: link.state,
      reconnects: link.reconnects,
      backlog: link.queued,
      droppedMessages: link.dropped,
    },
    events,
    selftest: selftestSummary(selftest),
  };
}

/** The state stream carries only this; the rows come from GET /api/selftest when it changes. */
function selftestSummary(status: SelftestStatus): LiveState['selftest'] {
  const { running, last } = status;
  return { running: running !== null, step: running?.step ?? null, done: running?.done ?? 0, total: running?.total ?? 0, lastStartedAt: last?.report.startedAt ?? null };
}

const round1 = (value: number) => Math.round(value * 10) / 10;
