/**
 * Child process of the allocation section, run as `node --expose-gc --import tsx allocation-child.ts
 * --raw FILE --width W --height H --fps F --line x1,y1,x2,y2 --frames N --warmup M`. Loops the raw gray
 * clip through the vision worker's per-frame path (SharedFrameProcessor: pipeline with a lane divider,
 * zones with a stop line and a signal group cycling red/green, safety rules, image statistics, results
 * published to the shared buffers) and prints one JSON object: heap before/after (after forced GCs), GC
 * events by kind from a PerformanceObserver, and bytes allocated per frame measured as heapUsed growth over
 * chunks of frames during which no GC ran (Node 20 has no total_allocated_bytes counter).
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import { SIGNAL_ASPECTS } from '../../protocol/index.js';
import { SharedFrameProcessor } from '../../edge/vision/shared-frame-processor.js';
import { CONTROL, SLOT_BUSY, allocateBuffers, type FrameLoopOptions } from '../../edge/vision/shared-frame-loop.js';

const { values } = parseArgs({
  options: {
    raw: { type: 'string' },
    width: { type: 'string' },
    height: { type: 'string' },
    fps: { type: 'string' },
    line: { type: 'string' },
    frames: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '500' },
    chunk: { type: 'string', default: '100' },
    'site-frames': { type: 'string', default: '2000' },
  },
  strict: true,
});

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const width = Number(values.width);
const height = Number(values.height);
const fps = Number(values.fps);
const frameBytes = width * height;
const all = readFileSync(values.raw!);
const clipFrames = Math.floor(all.length / frameBytes);
const views = Array.from({ length: clipFrames }, (_, i) => new Uint8Array(all.buffer, all.byteOffset + i * frameBytes, frameBytes));
const [x1, y1, x2, y2] = values.line!.split(',').map(Number) as [number, number, number, number];
const a = { x: x1, y: y1 };
const b = { x: x2, y: y2 };
// A setup that reaches every per-frame stage of the worker: a lane divider through the middle of the line,
// a zone around the line (queue measured from it, frozen while its group is red), and safety rules on both.
// The stop-line rule's group stays green (a red-light event would make an evidence JPEG: an event, not the
// steady state); the zone's group cycles red/green, which freezes its background half of the time.
const middleX = (x1 + x2) / 2;
const zone = [
  { x: x1, y: Math.max(0, y1 - 60) },
  { x: x2, y: Math.max(0, y2 - 60) },
  { x: x2, y: Math.min(height - 1, y2 + 60) },
  { x: x1, y: Math.min(height - 1, y1 + 60) },
];
const loopOptions: FrameLoopOptions = {
  sourceWidth: width,
  sourceHeight: height,
  lines: [{ name: 'L', a, b }],
  laneDividers: [{ a: { x: middleX, y: 0 }, b: { x: middleX, y: height - 1 } }],
  groups: ['main', 'turn'],
  zones: [{ name: 'approach', points: zone, phase: 'turn', stopLine: { a, b } }],
  safety: { stopLines: [{ line: 'L', group: 'main' }], lanes: [{ zone: 'approach', direction: { x: 0, y: 1 } }], noStopping: [{ zone: 'approach' }] },
  metresPerPixel: 0.1,
};
const buffers = allocateBuffers(loopOptions);
let safetyEvents = 0;
const processor = new SharedFrameProcessor(buffers, loopOptions, () => {
  safetyEvents++;
});
const control = new Int32Array(buffers.control);
const slotState = new Int32Array(buffers.slotState);
const slotMeta = new Float64Array(buffers.slotMeta);
const slotFrame = new Uint8Array(buffers.frames, 0, frameBytes);
const signal = new Int8Array(buffers.signal);
const GREEN = SIGNAL_ASPECTS.indexOf('green');
const RED = SIGNAL_ASPECTS.indexOf('red');
Atomics.store(signal, 0, GREEN);
/** Frames per half cycle of the zone's group. */
const HALF_CYCLE = 600;
const measuredFrames = Number(values.frames);
const warmupFrames = Number(values.warmup);
const chunk = Number(values.chunk);
const frameMs = 1000 / fps;

/** Bytes used in the young generation (where JS allocates), large young objects included. */
function youngUsed(): number {
  let used = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space' || space.space_name === 'new_large_object_space') used += space.space_used_size;
  }
  return used;
}

let index = 0;
/** As the host and the worker do: the frame into a slot with its time and index, processed, crossings taken. */
function step(n: number): void {
  for (let k = 0; k < n; k++) {
    Atomics.store(signal, 1, Math.floor(index / HALF_CYCLE) % 2 === 0 ? GREEN : RED);
    slotFrame.set(views[index % clipFrames]!);
    slotMeta[0] = index * frameMs;
    slotMeta[1] = index;
    Atomics.store(slotState, 0, SLOT_BUSY);
    processor.processSlot(0);
    Atomics.store(control, CONTROL.crossingTail, Atomics.load(control, CONTROL.crossingHead));
    index++;
  }
}

const gcKinds: Record<string, number> = { minor: 0, major: 0, incremental: 0, weakcb: 0, other: 0 };
let gcPauseMs = 0;
let counting = false;
const observer = new PerformanceObserver((list) => {
  if (!counting) return;
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcKinds.minor!++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcKinds.major!++;
    else if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) gcKinds.incremental!++;
    else if (kind === constants.NODE_PERFORMANCE_GC_WEAKCB) gcKinds.weakcb!++;
    else gcKinds.other!++;
    gcPauseMs += entry.duration;
  }
});
observer.observe({ entryTypes: ['gc'] });
const totalGcs = () => gcKinds.minor! + gcKinds.major! + gcKinds.incremental! + gcKinds.weakcb! + gcKinds.other!;
/** Lets queued GC entries reach the observer (they are delivered asynchronously). */
const settle = async () => {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await new Promise((resolve) => setImmediate(resolve));
};

step(warmupFrames);
// What reading heapUsed twice costs by itself (the result objects), subtracted from every chunk.
let overheadSum = 0;
let youngOverheadSum = 0;
for (let k = 0; k < 20; k++) {
  const a = process.memoryUsage().heapUsed;
  const ya = youngUsed();
  step(0);
  const yb = youngUsed();
  const b = process.memoryUsage().heapUsed;
  overheadSum += b - a;
  youngOverheadSum += yb - ya;
}
const readOverhead = overheadSum / 20;
const youngReadOverhead = youngOverheadSum / 20;
gc();
gc();
await settle();
const heapBefore = process.memoryUsage().heapUsed;
// A forced full collection deoptimises code that holds objects weakly (V8 drops optimised code whose
// embedded maps it collected), so the frame step runs interpreted again for a while, boxing floats: the
// measurement's own doing, not the steady state (a worker that allocates nothing is never collected). One
// more pass of the clip re-optimises it before the measured frames.
step(clipFrames);
counting = true;
const started = performance.now();
let cleanFrames = 0;
let cleanBytes = 0;
let cleanYoungBytes = 0;
let chunksWithGc = 0;
let chunks = 0;
// A safety event allocates by design (the event, its JPEG evidence crop): chunks that raised one are
// event-driven, not the steady state, and are reported apart.
let chunksWithEvents = 0;
let eventChunkYoungBytes = 0;
const eventsBefore = safetyEvents;
for (let done = 0; done < measuredFrames; done += chunk) {
  const n = Math.min(chunk, measuredFrames - done);
  const gcsBefore = totalGcs();
  const eventsBeforeChunk = safetyEvents;
  const heap0 = process.memoryUsage().heapUsed;
  const young0 = youngUsed();
  step(n);
  const young1 = youngUsed();
  const heap1 = process.memoryUsage().heapUsed;
  await settle();
  chunks++;
  if (safetyEvents !== eventsBeforeChunk) {
    chunksWithEvents++;
    if (totalGcs() === gcsBefore) eventChunkYoungBytes += young1 - young0 - youngReadOverhead;
  } else if (totalGcs() === gcsBefore && heap1 >= heap0) {
    cleanFrames += n;
    cleanBytes += heap1 - heap0 - readOverhead;
    cleanYoungBytes += young1 - young0 - youngReadOverhead;
  } else chunksWithGc++;
}
const elapsedMs = performance.now() - started;
const safetyEventsMeasured = safetyEvents - eventsBefore;
await settle();
counting = false;
const gcsDuringRun = { ...gcKinds };
gc();
gc();
await settle();
const heapAfter = process.memoryUsage().heapUsed;
observer.disconnect();

interface ProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: ProfileNode[];
}
/**
 * Where the steady-state bytes come from: V8's sampling heap profiler over further frames, counting objects
 * later collected too, attributed to function ← caller (line numbers are of tsx's output, so omitted).
 */
async function allocationSites(frames: number): Promise<{ site: string; bytesPerFrame: number }[]> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
    step(frames);
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
    const sites = new Map<string, number>();
    const label = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}`;
    const walk = (node: ProfileNode, parent: string) => {
      const name = label(node);
      if (node.selfSize > 0) sites.set(`${name} ← ${parent}`, (sites.get(`${name} ← ${parent}`) ?? 0) + node.selfSize);
      for (const child of node.children) walk(child, name);
    };
    walk(profile.head, '');
    return [...sites.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([site, bytes]) => ({ site, bytesPerFrame: Math.round((bytes / frames) * 10) / 10 }));
  } finally {
    session.disconnect();
  }
}
const sites = Number(values['site-frames']) > 0 ? await allocationSites(Number(values['site-frames'])) : [];

process.stdout.write(
  `${JSON.stringify({
    warmupFrames,
    frames: measuredFrames,
    clipFrames,
    chunkFrames: chunk,
    heapUsedBefore: heapBefore,
    heapUsedAfter: heapAfter,
    retainedGrowthBytes: heapAfter - heapBefore,
    bytesPerFrame: cleanFrames === 0 ? null : cleanBytes / cleanFrames,
    heapReadOverheadBytes: readOverhead,
    youngBytesPerFrame: cleanFrames === 0 ? null : cleanYoungBytes / cleanFrames,
    youngReadOverheadBytes: youngReadOverhead,
    framesMeasuredForBytes: cleanFrames,
    chunks,
    chunksWithGc,
    chunksWithEvents,
    safetyEventsMeasured,
    eventChunkYoungBytes,
    gcs: gcsDuringRun,
    gcPauseMs,
    minorGcsPer1000Frames: (gcsDuringRun.minor! * 1000) / measuredFrames,
    msPerFrameMean: elapsedMs / measuredFrames,
    crossings: Atomics.load(control, CONTROL.crossingHead),
    safetyEvents,
    allocationSites: sites,
  })}\n`,
);
