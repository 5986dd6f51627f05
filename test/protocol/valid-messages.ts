/** Valid messages of every kind for tests to start from and break one field at a time. */
import type { MessageByKind } from '../../protocol/messages.js';

const envelope = { v: 1, node: 'node-07', boot: 3, ts: 1_764_201_600_000 };

export function validMessages(): MessageByKind & { stateOffline: MessageByKind['state'] } {
  return {
    state: {
      ...envelope,
      status: 'online',
      site: 'hcm-q1',
      version: '0.1.0',
      configHash: 'abc123',
      capabilities: ['signal', 'vision.counts'],
      startedAt: 1_764_201_590_000,
      mqttProtocol: '3.1.1',
      healthIntervalS: 30,
    },
    stateOffline: { ...envelope, status: 'offline', reason: 'clean stop' },
    health: {
      ...envelope,
      uptimeS: 12.5,
      load1PerCpu: 0.3,
      processCpuPercent: 4,
      memRssBytes: 1,
      memHeapUsedBytes: 2,
      memFreeBytes: 3,
      memTotalBytes: 4,
      cpuTempC: null,
      diskFreeBytes: 5,
      link: { reconnects: 0, queued: 0, dropped: 0 },
    },
    event: { ...envelope, seq: 0, type: 'node.started', severity: 'info', message: 'started' },
    counts: { ...envelope, seq: 1, camera: 'cam-n', periodStart: 1_764_201_540_000, periodS: 60, lines: { L1: { lr: 1, rl: 2 } } },
    signal: { ...envelope, seq: 2, mode: 'normal', groups: { G1: 'green', G2: 'red' }, phase: 'A' },
    request: { v: 1, id: 'req-1', cmd: 'ping', ts: 1_764_201_600_000 },
    response: { ...envelope, id: 'req-1', cmd: 'ping', status: 'ok', result: { pong: true } },
  };
}
