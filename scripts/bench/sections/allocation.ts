import { join } from 'node:path';
import { BENCH_DIR, log, run, type BenchContext } from '../context.js';
import type { BenchOptions } from '../main.js';
import { round } from '../stats.js';
import { loadClipTruth } from './real-footage.js';

interface ChildReport {
  warmupFrames: number;
  frames: number;
  heapUsedBefore: number;
  heapUsedAfter: number;
  retainedGrowthBytes: number;
  bytesPerFrame: number | null;
  heapReadOverheadBytes: number;
  framesMeasuredForBytes: number;
  chunks: number;
  chunksWithGc: number;
  chunksWithEvents: number;
  safetyEventsMeasured: number;
  eventChunkYoungBytes: number;
  gcs: Record<string, number>;
  gcPauseMs: number;
  minorGcsPer1000Frames: number;
  msPerFrameMean: number;
  youngBytesPerFrame: number | null;
  allocationSites: { site: string; bytesPerFrame: number }[];
}

/**
 * Steady-state allocation of the vision worker's per-frame path (pipeline, lane divider, zones, safety
 * rules, image statistics, shared-memory publishing): a child process with --expose-gc loops the clip
 * through it (whole passes of the clip as warm-up, about 30,000 frames, then N measured), counting GC events and heapUsed growth.
 */
/**
 * Frames run before measuring: about half an hour of a 15 fps camera, the time a field node takes to reach
 * its steady state (V8 optimises a function after enough of its bytecode has run, so a rule met once every
 * few seconds is optimised only after minutes).
 */
const WARMUP_FRAMES = 30_000;

export async function allocationSection(context: BenchContext, options: BenchOptions): Promise<Record<string, unknown>> {
  const clip = await context.nativeClip();
  const raw = context.writeRaw(clip);
  const line = loadClipTruth().line;
  const frames = Math.round(options.allocationFrames);
  // Warm-up: whole passes of the clip, at least WARMUP_FRAMES, so that every path the clip reaches
  // (crossings, merges, standing vehicles) has run often enough to be optimised. Code not yet optimised
  // boxes every float it computes: that garbage is the JIT warming up, not the steady state (with 500 frames
  // it was ~210 of ~255 bytes a frame; after two passes, 3,400 frames, still 3.3, from the safety rules'
  // rare paths, which V8 compiles only after thousands of calls; after 30,000 frames 0.7, measured here).
  const warmupFrames = Math.ceil(WARMUP_FRAMES / clip.frames.length) * clip.frames.length;
  log(`allocation: ${frames} frames (+${warmupFrames} warm-up) in a child process with --expose-gc`);
  const args = ['--expose-gc', '--import', 'tsx', join(BENCH_DIR, 'allocation-child.ts')];
  args.push('--raw', raw, '--width', String(clip.width), '--height', String(clip.height), '--fps', String(clip.fps), '--line', line.join(','));
  args.push('--frames', String(frames), '--warmup', String(warmupFrames));
  const { stdout } = await run(process.execPath, args);
  const child = JSON.parse(stdout.trim().split('\n').pop()!) as ChildReport;
  const bytesPerFrame = child.youngBytesPerFrame === null ? null : round(child.youngBytesPerFrame, 2);
  return {
    // Zero in steady state, allowing under one byte a frame of measurement noise, and no scavenges at all.
    ok: bytesPerFrame !== null && bytesPerFrame < 1 && child.gcs.minor === 0,
    target: '0 bytes allocated per frame in steady state (no minor GCs)',
    method: 'young-generation (new space) growth over 100-frame chunks with no GC and no safety event in them (an event allocates by design: the event and its JPEG evidence), minus the cost of reading it; heapUsed growth the same way as a cross-check; GC events from a PerformanceObserver on gc entries; forced gc() before/after; allocation sites from V8 sampling heap profiler over 2,000 more frames',
    warmupFrames: child.warmupFrames,
    frames: child.frames,
    heapUsedBefore: child.heapUsedBefore,
    heapUsedAfter: child.heapUsedAfter,
    retainedGrowthBytes: child.retainedGrowthBytes,
    bytesPerFrame,
    heapUsedBytesPerFrame: child.bytesPerFrame === null ? null : round(child.bytesPerFrame, 2),
    framesMeasuredForBytes: child.framesMeasuredForBytes,
    chunksWithGc: child.chunksWithGc,
    // Event-driven allocation, apart from the steady state: chunks that raised a safety event, and their bytes.
    chunksWithEvents: child.chunksWithEvents,
    safetyEventsMeasured: child.safetyEventsMeasured,
    bytesPerSafetyEvent: child.safetyEventsMeasured === 0 ? null : Math.round(child.eventChunkYoungBytes / child.safetyEventsMeasured),
    gcs: child.gcs,
    gcPauseMs: round(child.gcPauseMs, 2),
    minorGcsPer1000Frames: round(child.minorGcsPer1000Frames, 2),
    msPerFrameMean: round(child.msPerFrameMean, 4),
    allocationSites: child.allocationSites,
  };
}
