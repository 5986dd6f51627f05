import { test } from 'uvu';
import * as assert from 'uvu/assert';
import jpeg from 'jpeg-js';
import { encodeMessage } from '../../protocol/index.js';
import type { Frame, FrameSource, FrameSourceStats } from '../../edge/hal/camera.js';
import { createMemoryLogger } from '../../edge/log.js';
import { CameraService } from '../../edge/vision/camera-service.js';
import type { CountsPeriod } from '../../edge/vision/count-aggregator.js';
import type { SafetyEvent } from '../../edge/vision/safety-monitor.js';
import { ApproachScene } from '../../sim/scene/approach-scene.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

/**
 * A scene whose signal is always red, with injected red-light runners, pushed frame by frame through a
 * camera service (worker thread, zones, safety rules): the runner must come out as a red-light event with
 * an evidence JPEG, and the queue zones must see the queue.
 */
class SceneFrames implements FrameSource {
  readonly id = 'cam1';
  readonly fps: number;
  readonly width: number;
  readonly height: number;
  private listener: ((frame: Frame) => void) | null = null;
  private readonly data: Uint8Array;
  delivered = 0;

  constructor(private readonly scene: ApproachScene) {
    this.fps = 15;
    this.width = scene.width;
    this.height = scene.height;
    this.data = new Uint8Array(scene.width * scene.height);
  }

  async start(onFrame: (frame: Frame) => void): Promise<void> {
    this.listener = onFrame;
  }

  push(index: number): void {
    this.scene.renderFrame(index, this.data);
    this.listener?.({ data: this.data, width: this.width, height: this.height, index, tsMs: this.scene.frameTimeMs(index) });
    this.delivered++;
  }

  async stop(): Promise<void> {
    this.listener = null;
  }

  stats(): FrameSourceStats {
    return { framesDelivered: this.delivered, framesDropped: 0, restarts: 0 };
  }
}

test('red-light runners become events with an evidence JPEG; queue zones fill at red; counts carry zones', async () => {
  const scene = new ApproachScene({ seed: 7, trafficLevel: 'medium', signal: () => 'red', safety: { redLightRunners: 2 }, durationSeconds: 60 });
  const source = new SceneFrames(scene);
  const clock = new VirtualClock({ epochMs: Date.UTC(2026, 10, 27, 8, 0, 0) });
  const stop = scene.countLines.find((line) => line.name === 'stop')!;
  const queueZones = scene.zones.filter((zone) => zone.name.startsWith('queue'));
  const events: Array<{ event: SafetyEvent; evidence: Buffer | null }> = [];
  const periods: CountsPeriod[] = [];
  const service = new CameraService({
    source,
    lines: [{ name: 'stop', a: stop.a, b: stop.b }],
    zones: queueZones.map((zone) => ({ name: zone.name, points: [...zone.points], phase: 'G2', stopLine: { a: stop.a, b: stop.b } })),
    groups: ['G2'],
    safety: { stopLines: [{ line: 'stop', group: 'G2', graceMs: 500, direction: 'lr' }] },
    countPeriodS: 60,
    maxWorkingWidth: 320,
    clock,
    log: createMemoryLogger(),
    onCounts: (period) => periods.push(period),
    onSafetyEvent: (event, evidence) => events.push({ event, evidence }),
  });
  await service.start();
  service.setSignal('G2', 'red');
  try {
    for (let index = 0; index < 60 * 15; index++) {
      source.push(index);
      // Let the worker take every frame, as a camera at its own pace would allow.
      while (service.summary().processed < index + 1) await new Promise((resolve) => setImmediate(resolve));
      if (index % 15 === 0) {
        clock.advance(1000);
        service.collect();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50)); // events are posted from the worker
    const truth = scene.truth().safety.filter((event) => event.kind === 'red-light');
    assert.ok(truth.length >= 1, 'the scene injected a runner');
    const redLight = events.filter(({ event }) => event.kind === 'red-light');
    assert.ok(redLight.length >= 1, `a red-light event (truth ${truth.length}, got ${events.map((e) => e.event.kind).join(',') || 'none'})`);
    const { event, evidence } = redLight[0]!;
    assert.is(event.line, 'stop');
    assert.is(event.group, 'G2');
    assert.is(event.signal, 'red');
    assert.ok(evidence && evidence.length > 100, 'evidence JPEG');
    const image = jpeg.decode(evidence!, { useTArray: true });
    assert.ok(image.width > 0 && image.width <= 160 && image.height <= 160);
    // The event as the node publishes it is a valid protocol message, evidence included as binary.
    encodeMessage('event', { v: 1, node: 'n', boot: 0, ts: 1, seq: 0, type: 'safety.red-light', severity: 'warning', message: 'x', data: { camera: 'cam1', ...event, evidenceJpeg: evidence! } });

  } finally {
    await service.stop();
  }
  // Stopping reports the period in progress.
  assert.ok(periods.length >= 1, 'a counting period');
  let maxOccupancy = 0;
  for (const period of periods) for (const zone of queueZones) maxOccupancy = Math.max(maxOccupancy, period.zones![zone.name]!.occupancyPct);
  assert.ok(maxOccupancy > 5, `vehicles queued at red occupy the queue zones (max ${maxOccupancy} %)`);
});

test.run();
