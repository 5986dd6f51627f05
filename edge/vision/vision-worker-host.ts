import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../spawn-worker.js';
import { SIGNAL_ASPECTS, type SignalAspect } from '../../protocol/index.js';
import type { SafetyEvent } from './safety-monitor.js';
import {
  FrameLoopViews,
  allocateBuffers,
  CONTROL,
  CROSSING_CAPACITY,
  CROSSING_FLOATS,
  CROSSING_INTS,
  SLOT_COUNT,
  SLOT_FREE,
  SLOT_READY,
  SLOT_WRITING,
  TRACK_FIELDS,
  IMAGE_STATS,
  ZONE_STATS_FIELDS,
  type FrameLoopBuffers,
  type FrameLoopOptions,
} from './shared-frame-loop.js';

/** Atomics.waitAsync (ES2024), typed here: the project's lib is ES2022. */
type AtomicsWaitAsync = (array: Int32Array, index: number, value: number, timeoutMs: number) => { async: false; value: string } | { async: true; value: Promise<string> };

/** Longest single wait in whenIdle(): a safety net should a notification be missed; the loop re-checks. */
const IDLE_WAIT_MS = 200;

export interface WorkerLoopStats {
  processed: number;
  dropped: number;
  /** Mean pipeline time per processed frame, ms. */
  msPerFrame: number;
}

export interface TrackSnapshot {
  id: number;
  cx: number;
  cy: number;
  w: number;
  h: number;
  vx: number;
  vy: number;
}

/**
 * The main-thread side of the vision worker. submit() copies a frame into a free shared slot and wakes
 * the worker; when every slot is full the oldest waiting frame is replaced (the newest frame wins, the
 * drop is counted). Counts and crossings are read from shared memory whenever the caller wants them.
 */
export class VisionWorkerHost extends FrameLoopViews {
  /** Running zone values, refreshed by readZones(): the shapes the count aggregator samples. */
  readonly zoneOccupancy: Float64Array;
  readonly zoneQueueM: Float64Array;
  readonly zoneVolume: Int32Array;
  private readonly signal: Int8Array;
  private readonly imageStats: Float64Array;
  private readonly groupIndex: Map<string, number>;
  private readonly exited: Promise<number>;
  private stopped = false;
  /** Frames handed to submit(), for whenIdle(). */
  private submitted = 0;
  /** The worker thread has exited (stopped or crashed): nothing will be processed any more. */
  private workerGone = false;

  private constructor(
    private readonly worker: Worker,
    buffers: FrameLoopBuffers,
    readonly options: FrameLoopOptions,
    readonly workingWidth: number,
    readonly workingHeight: number,
    readonly backend: string,
    /** Why the motion backend asked for could not run (backend is then auto's), or null. */
    readonly backendFallback: string | null,
  ) {
    super(buffers, options);
    const zoneCount = options.zones?.length ?? 0;
    this.zoneOccupancy = new Float64Array(zoneCount);
    this.zoneQueueM = new Float64Array(zoneCount).fill(Number.NaN);
    this.zoneVolume = new Int32Array(buffers.zoneVolume, 0, zoneCount);
    this.signal = new Int8Array(buffers.signal);
    this.imageStats = new Float64Array(buffers.imageStats);
    this.groupIndex = new Map((options.groups ?? []).map((group, index) => [group, index]));
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code: number) => {
        this.workerGone = true;
        resolve(code);
      }),
    );
  }

  static async start(options: FrameLoopOptions): Promise<VisionWorkerHost> {
    // A plain copy: workerData is structured-cloned, and config objects may carry prototypes.
    const loopOptions: FrameLoopOptions = JSON.parse(JSON.stringify(options)) as FrameLoopOptions;
    const buffers = allocateBuffers(loopOptions);
    const worker = spawnWorker(new URL('./vision-worker.ts', import.meta.url), { buffers, options: loopOptions });
    const ready = await new Promise<{ workingWidth: number; workingHeight: number; backend: string; backendFallback: string | null }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`vision worker exited with code ${code} before it was ready`)));
    });
    return new VisionWorkerHost(worker, buffers, loopOptions, ready.workingWidth, ready.workingHeight, ready.backend, ready.backendFallback);
  }

  /** Hands a frame to the worker; false when an older waiting frame had to be dropped for it. */
  submit(frame: Uint8Array, tsMs: number, index: number): boolean {
    this.submitted++;
    let slot = -1;
    for (let i = 0; i < SLOT_COUNT && slot < 0; i++) {
      if (Atomics.compareExchange(this.slotState, i, SLOT_FREE, SLOT_WRITING) === SLOT_FREE) slot = i;
    }
    let dropped = false;
    if (slot < 0) {
      // Every slot is busy or waiting: replace the oldest waiting frame.
      let oldest = -1;
      for (let i = 0; i < SLOT_COUNT; i++) {
        if (Atomics.load(this.slotState, i) === SLOT_READY && (oldest < 0 || this.slotMeta[i * 2 + 1]! < this.slotMeta[oldest * 2 + 1]!)) oldest = i;
      }
      if (oldest >= 0 && Atomics.compareExchange(this.slotState, oldest, SLOT_READY, SLOT_WRITING) === SLOT_READY) slot = oldest;
      dropped = true;
      Atomics.add(this.control, CONTROL.dropped, 1);
      if (slot < 0) return false;
    }
    const target = this.slots[slot]!;
    // A view only when the frame is longer than a slot: subarray() is an object per frame on the main thread.
    target.set(frame.length === target.length ? frame : frame.subarray(0, target.length));
    this.slotMeta[slot * 2] = tsMs;
    this.slotMeta[slot * 2 + 1] = index;
    Atomics.store(this.slotState, slot, SLOT_READY);
    Atomics.add(this.control, CONTROL.wake, 1);
    Atomics.notify(this.control, CONTROL.wake);
    return !dropped;
  }

  /** Whether the worker has a frame waiting or in work (for sources that pace themselves). */
  busy(): boolean {
    for (let i = 0; i < SLOT_COUNT; i++) if (Atomics.load(this.slotState, i) !== SLOT_FREE) return true;
    return false;
  }

  /**
   * Resolves once every submitted frame has been processed (or dropped) and published, without polling: the worker notifies on every finished
   * frame, and Atomics.waitAsync wakes this thread only then (a source that paces itself on the worker
   * sleeps instead of spinning the event loop).
   */
  async whenIdle(): Promise<void> {
    const waitAsync = (Atomics as unknown as { waitAsync: AtomicsWaitAsync }).waitAsync;
    // Every submitted frame ends processed or dropped; the worker bumps `processed` last, after publishing.
    while (!this.stopped && !this.workerGone) {
      const processed = Atomics.load(this.control, CONTROL.processed);
      if (processed + Atomics.load(this.control, CONTROL.dropped) >= this.submitted) return;
      const result = waitAsync(this.control, CONTROL.processed, processed, IDLE_WAIT_MS);
      if (result.async) await result.value;
    }
  }

  lineTotals(line: number): { lr: number; rl: number } {
    return { lr: Atomics.load(this.counts, line * 2), rl: Atomics.load(this.counts, line * 2 + 1) };
  }

  /** Every crossing published since the last call, oldest first: x, y the track's centre, bottom its box's lower edge (source px). */
  drainCrossings(fn: (line: number, direction: number, trackId: number, frame: number, tsMs: number, x: number, y: number, bottom: number) => void): void {
    const head = Atomics.load(this.control, CONTROL.crossingHead);
    let tail = Atomics.load(this.control, CONTROL.crossingTail);
    while (tail < head) {
      const slot = tail % CROSSING_CAPACITY;
      const i = slot * CROSSING_INTS;
      const f = slot * CROSSING_FLOATS;
      fn(this.crossingInts[i]!, this.crossingInts[i + 1]!, this.crossingInts[i + 2]!, this.crossingInts[i + 3]!, this.crossingFloats[f]!, this.crossingFloats[f + 1]!, this.crossingFloats[f + 2]!, this.crossingFloats[f + 3]!);
      tail++;
    }
    Atomics.store(this.control, CONTROL.crossingTail, tail);
  }

  /** A consistent copy of the current tracks (for overlays; allocates, so not per frame). */
  trackSnapshot(): TrackSnapshot[] {
    for (;;) {
      const before = Atomics.load(this.control, CONTROL.trackVersion);
      if (before % 2 === 1) continue;
      const count = Atomics.load(this.control, CONTROL.trackCount);
      const copy = this.tracks.slice(0, count * TRACK_FIELDS);
      if (Atomics.load(this.control, CONTROL.trackVersion) !== before) continue;
      const result: TrackSnapshot[] = [];
      for (let n = 0; n < count; n++) {
        const b = n * TRACK_FIELDS;
        result.push({ id: copy[b]!, cx: copy[b + 1]!, cy: copy[b + 2]!, w: copy[b + 3]!, h: copy[b + 4]!, vx: copy[b + 5]!, vy: copy[b + 6]! });
      }
      return result;
    }
  }

  stats(): WorkerLoopStats {
    const processed = Atomics.load(this.control, CONTROL.processed);
    return {
      processed,
      dropped: Atomics.load(this.control, CONTROL.dropped),
      msPerFrame: this.timing[1] === 0 ? 0 : this.timing[0]! / this.timing[1]!,
    };
  }

  /** Tells the worker a signal group's aspect (zones bound to a red group stop learning background). */
  setSignal(group: string, aspect: SignalAspect): void {
    const index = this.groupIndex.get(group);
    if (index !== undefined) Atomics.store(this.signal, index, SIGNAL_ASPECTS.indexOf(aspect));
  }

  /** Copies the worker's latest zone values into zoneOccupancy / zoneQueueM (zoneVolume is live). */
  readZones(): void {
    for (let z = 0; z < this.zoneOccupancy.length; z++) {
      this.zoneOccupancy[z] = this.zoneStats[z * ZONE_STATS_FIELDS]!;
      this.zoneQueueM[z] = this.zoneStats[z * ZONE_STATS_FIELDS + 1]!;
    }
  }

  /** The last frame's brightness, sharpness, change from the frame before, and background resets so far. */
  image(): { mean: number; sharpness: number; change: number; suddenChanges: number } {
    const stats = this.imageStats;
    return { mean: stats[IMAGE_STATS.mean]!, sharpness: stats[IMAGE_STATS.sharpness]!, change: stats[IMAGE_STATS.change]!, suddenChanges: stats[IMAGE_STATS.suddenChanges]! };
  }

  zonePresent(zone: number): boolean {
    return this.zoneStats[zone * ZONE_STATS_FIELDS + 2] === 1;
  }

  /** Safety events from the worker, each with its evidence JPEG (null if it could not be made). */
  onSafetyEvent(listener: (event: SafetyEvent, evidence: Buffer | null) => void): void {
    this.worker.on('message', (message: { type?: string; event?: SafetyEvent; evidence?: Uint8Array | null }) => {
      if (message.type === 'safety' && message.event) listener(message.event, message.evidence ? Buffer.from(message.evidence) : null);
    });
  }

  onError(listener: (error: Error) => void): void {
    this.worker.on('error', listener);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.control, CONTROL.stop, 1);
    Atomics.add(this.control, CONTROL.wake, 1);
    Atomics.notify(this.control, CONTROL.wake);
    await this.exited;
  }
}

