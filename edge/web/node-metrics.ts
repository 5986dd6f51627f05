import { SIGNAL_MODES } from '../../protocol/index.js';
import type { CachedSystemInfo, NodeView } from './node-view.js';
import { PrometheusText } from './prometheus-text.js';

/** GET /metrics: what a fleet team scrapes (names follow Prometheus conventions: units in the name, _total counters). */
export async function nodeMetrics(view: NodeView, system: CachedSystemInfo): Promise<string> {
  const text = new PrometheusText();
  const node = { site: view.config.node.site, node: view.config.node.id };
  text.sample('nutgiao_info', 'gauge', 'Node identity and version (value always 1).', 1, { ...node, version: view.version, config_hash: view.configHash });
  text.sample('nutgiao_boot_id', 'gauge', 'Boot counter of this run.', view.boot());

  const cameras = view.cameras().map((camera) => ({ summary: camera.summary(), live: camera.liveView(), source: view.sources.find((source) => source.id === camera.id) }));
  for (const { summary } of cameras) text.sample('nutgiao_camera_fps', 'gauge', 'Configured camera frame rate.', summary.fps, { camera: summary.id });
  for (const { summary } of cameras) text.sample('nutgiao_vision_frames_processed_total', 'counter', 'Frames the vision worker processed.', summary.processed, { camera: summary.id });
  for (const { summary } of cameras) text.sample('nutgiao_vision_frames_dropped_total', 'counter', 'Frames skipped because vision was busy (newest frame wins).', summary.dropped, { camera: summary.id });
  for (const { summary, source } of cameras) if (source) text.sample('nutgiao_camera_frames_dropped_total', 'counter', 'Frames the camera source dropped before vision.', source.stats().framesDropped, { camera: summary.id });
  for (const { summary } of cameras) text.sample('nutgiao_vision_ms_per_frame', 'gauge', 'Mean vision time per frame, milliseconds.', summary.msPerFrame, { camera: summary.id });
  for (const { summary } of cameras) {
    for (const [line, totals] of Object.entries(summary.totals)) {
      text.sample('nutgiao_line_crossings_total', 'counter', 'Vehicles counted on a line since start, by direction (lr = A to B side).', totals.lr, { camera: summary.id, line, direction: 'lr' });
      text.sample('nutgiao_line_crossings_total', 'counter', 'Vehicles counted on a line since start, by direction (lr = A to B side).', totals.rl, { camera: summary.id, line, direction: 'rl' });
    }
  }
  for (const { summary, live } of cameras) {
    const zones = view.config.cameras.find((camera) => camera.id === summary.id)?.zones ?? [];
    zones.forEach((zone, z) => text.sample('nutgiao_zone_occupancy_ratio', 'gauge', 'Fraction of the zone covered by moving or queued objects.', live.zoneOccupancy[z] ?? 0, { camera: summary.id, zone: zone.name }));
  }
  for (const { summary, live } of cameras) {
    const zones = view.config.cameras.find((camera) => camera.id === summary.id)?.zones ?? [];
    zones.forEach((zone, z) => text.sample('nutgiao_zone_presence', 'gauge', "The zone's virtual detector (1 = call placed).", live.zonePresent[z] ? 1 : 0, { camera: summary.id, zone: zone.name }));
  }

  const link = view.link().stats();
  text.sample('nutgiao_mqtt_connected', 'gauge', 'Link to the broker up (1) or not (0).', link.state === 'connected' ? 1 : 0);
  text.sample('nutgiao_mqtt_reconnects_total', 'counter', 'Reconnections to the broker since start.', link.reconnects);
  text.sample('nutgiao_outbox_pending_messages', 'gauge', 'Telemetry waiting for a broker acknowledgement (in flight plus the durable backlog).', link.queued);
  text.sample('nutgiao_outbox_dropped_messages_total', 'counter', 'Telemetry the durable outbox dropped (bounds, age, damage).', link.dropped);

  const signal = view.signal();
  text.sample('nutgiao_monitor_latched', 'gauge', 'Conflict monitor fault latched (1: intersection in flash until reset).', signal.conflictMonitor().latchedFault() ? 1 : 0);
  const mode = signal.mode();
  for (const candidate of SIGNAL_MODES) text.sample('nutgiao_signal_mode', 'gauge', 'Controller mode (1 for the current one).', candidate === mode ? 1 : 0, { mode: candidate });

  const host = await system.snapshot();
  const memory = process.memoryUsage();
  text.sample('nutgiao_process_cpu_percent', 'gauge', 'CPU used by the node process, % of one core.', host.processCpuPercent);
  text.sample('nutgiao_process_resident_memory_bytes', 'gauge', 'Resident memory of the node process.', memory.rss);
  text.sample('nutgiao_process_heap_used_bytes', 'gauge', 'V8 heap in use.', memory.heapUsed);
  text.sample('nutgiao_process_uptime_seconds', 'gauge', 'Seconds since the process started.', Math.round(process.uptime()));
  text.sample('nutgiao_system_load1_per_cpu', 'gauge', '1-minute load average per CPU.', host.load1PerCpu);
  if (host.cpuTempC !== null) text.sample('nutgiao_system_cpu_temperature_celsius', 'gauge', 'SoC temperature.', host.cpuTempC);
  if (host.diskFreeBytes !== null) text.sample('nutgiao_state_disk_free_bytes', 'gauge', 'Free bytes on the filesystem holding state.dir.', host.diskFreeBytes);
  return text.toString();
}
