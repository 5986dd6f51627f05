import { spawn, type ChildProcess } from 'node:child_process';
import type { Frame, FrameSourceStats } from '../camera.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../../log.js';
import { fullJitterDelayMs } from '../../telemetry/backoff.js';
import { FrameReassembler } from './frame-reassembler.js';
import { StderrTail } from './stderr-tail.js';

/**
 * starting: process spawned, no frame yet · streaming: frames arriving · stalled: no frame for
 * stallTimeoutMs, process being killed · restarting: waiting out the backoff · ended: a finite input
 * finished (or failed) · stopped: stop() was called.
 */
export type CameraState = 'starting' | 'streaming' | 'stalled' | 'restarting' | 'ended' | 'stopped';

export interface CameraStateChange {
  state: CameraState;
  previous: CameraState | null;
  /** Restarts since the last frame: the node power-cycles the camera after N. */
  consecutiveFailures: number;
  restarts: number;
  /** Why, for stalled / restarting / ended: exit code or stall, plus the process's last stderr lines. */
  reason?: string;
}

export type CameraStateListener = (change: CameraStateChange) => void;

export interface StreamEnd {
  state: 'ended' | 'stopped';
  /** Null when a finite input ended cleanly (or on stop); else why it failed, with the stderr tail. */
  error: string | null;
}

export interface RestartBackoff {
  minMs: number;
  maxMs: number;
}

export interface RawFrameStreamOptions {
  id: string;
  /** Size of the delivered (kept) plane. */
  width: number;
  height: number;
  /** Bytes per frame on the process's stdout; the kept plane is width*height bytes at keepOffset. */
  frameBytes: number;
  keepOffset: number;
  command: string;
  args: readonly string[];
  /** A live source is restarted when its process exits or stalls; a finite one ends. */
  live: boolean;
  clock: Clock;
  log: Logger;
  isConsumerBusy?: () => boolean;
  restart?: RestartBackoff;
  stallTimeoutMs?: number;
  /** SIGTERM first so the process can close its device cleanly, SIGKILL after this. Default 1000 ms. */
  killGraceMs?: number;
  /** Uniform [0, 1) for the backoff jitter. Default Math.random. */
  random?: () => number;
}

/** A stream of bare gray planes of width × height (ffmpeg's gray output, the OpenCV capture's). */
export function grayPlanes(options: { id: string; width: number; height: number }): Pick<RawFrameStreamOptions, 'id' | 'width' | 'height' | 'frameBytes' | 'keepOffset'> {
  return { id: options.id, width: options.width, height: options.height, frameBytes: options.width * options.height, keepOffset: 0 };
}

/** What every child-process source passes through to its stream unchanged: clock, log and supervision. */
export type StreamSupervision = Pick<RawFrameStreamOptions, 'clock' | 'log' | 'isConsumerBusy' | 'restart' | 'stallTimeoutMs' | 'killGraceMs' | 'random'>;

/** Those options picked out of a source's own (which carries more). */
export function supervisionOf(options: StreamSupervision): StreamSupervision {
  const { clock, log, isConsumerBusy, restart, stallTimeoutMs, killGraceMs, random } = options;
  return { clock, log, isConsumerBusy, restart, stallTimeoutMs, killGraceMs, random };
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoff = { minMs: 1000, maxMs: 30_000 };
export const DEFAULT_STALL_TIMEOUT_MS = 5000;
const DEFAULT_KILL_GRACE_MS = 1000;

interface MutableFrame {
  data: Uint8Array;
  width: number;
  height: number;
  index: number;
  tsMs: number;
}

/**
 * One supervised child process writing raw frames to stdout, the shared core of the ffmpeg and rpicam
 * sources. Frames are reassembled into a ring of three preallocated slots and delivered newest-wins: a
 * frame completed while the consumer is busy is dropped and counted, never queued. A watchdog (as in
 * Frigate) kills a process that delivers no whole frame for stallTimeoutMs and, for a live source,
 * restarts it after a full-jitter backoff; so does an unexpected exit.
 */
export class RawFrameStream {
  readonly id: string;
  readonly width: number;
  readonly height: number;

  private readonly options: RawFrameStreamOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly reassembler: FrameReassembler;
  private readonly frames: MutableFrame[] = [];
  private readonly stderrTail = new StderrTail();
  private readonly restartBackoff: RestartBackoff;
  private readonly stallTimeoutMs: number;
  private readonly killGraceMs: number;
  private readonly random: () => number;
  private readonly counters: FrameSourceStats = { framesDelivered: 0, framesDropped: 0, restarts: 0 };
  private readonly stateListeners = new Set<CameraStateListener>();

  private currentState: CameraState | null = null;
  private failures = 0;
  private listener: ((frame: Frame) => void) | null = null;
  private child: ChildProcess | null = null;
  private childExited: Promise<void> = Promise.resolve();
  private stallTimer: TimerHandle | undefined;
  private killTimer: TimerHandle | undefined;
  private backoffTimer: TimerHandle | undefined;
  private lastFrameMs = 0;
  private nextIndex = 0;
  private everStarted = false;
  private stopping = false;
  private endedPromise: Promise<StreamEnd> = new Promise(() => undefined);
  private resolveEnded: (end: StreamEnd) => void = () => undefined;

  constructor(options: RawFrameStreamOptions) {
    if (!Number.isInteger(options.width) || !Number.isInteger(options.height) || options.width < 1 || options.height < 1) {
      throw new RangeError(`camera ${options.id}: width and height must be positive integers`);
    }
    this.options = options;
    this.id = options.id;
    this.width = options.width;
    this.height = options.height;
    this.clock = options.clock;
    this.log = options.log;
    this.restartBackoff = options.restart ?? DEFAULT_RESTART_BACKOFF;
    this.stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    this.random = options.random ?? Math.random;
    if (!(this.stallTimeoutMs > 0)) throw new RangeError(`camera ${options.id}: stallTimeoutMs must be > 0`);
    if (!(this.restartBackoff.minMs > 0) || this.restartBackoff.maxMs < this.restartBackoff.minMs) {
      throw new RangeError(`camera ${options.id}: restart backoff needs 0 < minMs <= maxMs`);
    }
    this.reassembler = new FrameReassembler({ frameBytes: options.frameBytes, keepOffset: options.keepOffset, keptBytes: options.width * options.height });
    for (let i = 0; i < this.reassembler.slotCount; i++) {
      this.frames.push({ data: this.reassembler.slot(i), width: this.width, height: this.height, index: -1, tsMs: 0 });
    }
  }

  /** Spawns the process; resolves at once (frames follow). A start after stop counts as a restart. */
  async start(onFrame: (frame: Frame) => void): Promise<void> {
    if (this.listener !== null) throw new Error(`camera ${this.id}: already started`);
    if (this.everStarted) this.counters.restarts++;
    this.everStarted = true;
    this.listener = onFrame;
    this.stopping = false;
    this.failures = 0;
    this.nextIndex = 0;
    this.endedPromise = new Promise((resolve) => (this.resolveEnded = resolve));
    this.spawnProcess();
  }

  /** Kills the process (SIGTERM, then SIGKILL after the grace) and resolves once it has exited. */
  async stop(): Promise<void> {
    if (this.listener === null) return;
    this.stopping = true;
    this.clock.clearTimer(this.backoffTimer);
    this.backoffTimer = undefined;
    const exited = this.childExited;
    if (this.child !== null) this.kill(this.child);
    await exited;
    this.listener = null;
    this.setState('stopped');
    this.resolveEnded({ state: 'stopped', error: null });
  }

  stats(): FrameSourceStats {
    return { ...this.counters };
  }

  get state(): CameraState | null {
    return this.currentState;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Settles when the current run ends: a finite input finished or failed, or stop() was called. */
  ended(): Promise<StreamEnd> {
    return this.endedPromise;
  }

  /** Calls listener on every state change; returns the unsubscribe function. */
  onStateChange(listener: CameraStateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private spawnProcess(): void {
    this.reassembler.reset();
    this.stderrTail.clear();
    this.setState('starting');
    const child = spawn(this.options.command, this.options.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let settle: () => void = () => undefined;
    this.childExited = new Promise((resolve) => (settle = resolve));
    let finished = false;
    const finish = (reason: string): void => {
      if (finished) return;
      finished = true;
      // A grandchild (a wrapper script's) may hold the pipes open after the process itself is gone.
      child.stdout?.destroy();
      child.stderr?.destroy();
      this.onProcessEnd(child, reason);
      settle();
    };
    child.stdout!.on('data', (chunk: Buffer) => this.onData(child, chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.stderrTail.push(chunk));
    child.on('error', (error) => finish(`could not run ${this.options.command}: ${error.message}`));
    child.on('exit', (code, signal) => {
      const reason = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
      // A finite input needs every byte: wait until stdout has been read to its end.
      if (this.options.live || this.stopping || this.currentState === 'stalled') finish(reason);
      else child.once('close', () => finish(code === 0 ? 'end of input' : reason));
    });
    this.lastFrameMs = this.clock.monotonic();
    this.armStallTimer(this.stallTimeoutMs);
  }

  private onData(child: ChildProcess, chunk: Buffer): void {
    if (child !== this.child) return;
    let offset = 0;
    while (offset < chunk.length) {
      offset = this.reassembler.consume(chunk, offset);
      if (this.reassembler.frameReady) this.completeFrame();
    }
  }

  private completeFrame(): void {
    const index = this.nextIndex++;
    this.lastFrameMs = this.clock.monotonic();
    if (this.currentState !== 'streaming') {
      this.failures = 0;
      this.setState('streaming');
    }
    const listener = this.listener;
    if (listener === null || this.stopping || this.options.isConsumerBusy?.() === true) {
      this.reassembler.dropFrame();
      this.counters.framesDropped++;
      return;
    }
    const frame = this.frames[this.reassembler.takeFrame()]!;
    frame.index = index;
    frame.tsMs = this.lastFrameMs;
    this.counters.framesDelivered++;
    listener(frame);
  }

  /** One timer per stall period rather than one per frame: it re-arms itself for the time remaining. */
  private armStallTimer(ms: number): void {
    this.stallTimer = this.clock.setTimer(() => this.checkStall(), ms);
  }

  private checkStall(): void {
    this.stallTimer = undefined;
    const child = this.child;
    if (child === null || this.stopping) return;
    const silentMs = this.clock.monotonic() - this.lastFrameMs;
    if (silentMs < this.stallTimeoutMs) {
      this.armStallTimer(this.stallTimeoutMs - silentMs);
      return;
    }
    const reason = `no frame for ${Math.round(silentMs)} ms`;
    this.log.warn('camera stalled; killing its process', { camera: this.id, reason, stderr: this.stderrTail.text() });
    this.setState('stalled', reason);
    this.kill(child);
  }

  private kill(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    this.clock.clearTimer(this.killTimer);
    this.killTimer = this.clock.setTimer(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, this.killGraceMs);
  }

  private onProcessEnd(child: ChildProcess, exitReason: string): void {
    if (child !== this.child) return;
    this.child = null;
    this.clock.clearTimer(this.stallTimer);
    this.clock.clearTimer(this.killTimer);
    this.stallTimer = undefined;
    this.killTimer = undefined;
    if (this.stopping) return;
    const stalled = this.currentState === 'stalled';
    const stderr = this.stderrTail.text();
    const reason = stalled ? `stalled (no frame for ${this.stallTimeoutMs} ms), ${exitReason}` : exitReason;
    if (!this.options.live) {
      const partial = this.reassembler.partialBytes;
      const clean = exitReason === 'end of input' && partial === 0;
      const error = clean ? null : `${reason}${partial > 0 ? `, truncated last frame (${partial} bytes)` : ''}${stderr ? `: ${stderr}` : ''}`;
      if (error !== null) this.log.warn('camera input failed', { camera: this.id, reason: error });
      this.listener = null;
      this.setState('ended', error ?? exitReason);
      this.resolveEnded({ state: 'ended', error });
      return;
    }
    this.failures++;
    const delayMs = fullJitterDelayMs(this.failures - 1, this.restartBackoff.minMs, this.restartBackoff.maxMs, this.random);
    this.log.warn('camera process ended; restarting', {
      camera: this.id,
      reason,
      consecutiveFailures: this.failures,
      delayMs,
      stderr,
    });
    this.setState('restarting', stderr ? `${reason}: ${stderr}` : reason);
    this.backoffTimer = this.clock.setTimer(() => {
      this.backoffTimer = undefined;
      this.counters.restarts++;
      this.spawnProcess();
    }, delayMs);
  }

  private setState(state: CameraState, reason?: string): void {
    const previous = this.currentState;
    if (previous === state) return;
    this.currentState = state;
    const change: CameraStateChange = { state, previous, consecutiveFailures: this.failures, restarts: this.counters.restarts };
    if (reason !== undefined) change.reason = reason;
    for (const listener of this.stateListeners) listener(change);
  }
}
