/**
 * Finds lost sequence numbers and asks their node to send them again.
 *
 * A SequenceTracker per (node, boot) sees jumps in what this collector received. With a shared
 * subscription the other collectors of the group received the rest, so a jump is only a candidate: after
 * a grace period the range is checked against received_messages (which every collector writes), and only
 * what is still missing there is a gap. Each gap is recorded in sequence_gaps and, when a command key is
 * configured, a signed `replay` request goes to the node, rate-limited per node and overall.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { encodeMessage } from '../../protocol/codec.js';
import { SCHEMA_VERSION, type RequestMessage } from '../../protocol/messages.js';
import { SequenceTracker } from '../../protocol/sequence-tracker.js';
import { signRequest, type Signer } from '../../protocol/sign.js';
import { buildTopic } from '../../protocol/topics.js';
import type { CollectorMetrics } from './collector-metrics.js';

export interface GapReplayerOptions {
  prefix: string;
  /** Without a signer gaps are recorded only. */
  signer: Signer | null;
  publish: (topic: string, payload: Buffer) => Promise<void>;
  /** Wait this long for other collectors' (and late) messages before checking the database. */
  graceMs: number;
  /** At most one replay request per node per this interval. */
  perNodeIntervalMs: number;
  /** Replay requests per second across all nodes. */
  maxRequestsPerS: number;
  /** Whether messages of the node wait for its birth: its gaps are checked only once they are read. */
  awaitingBirth?: (site: string, node: string) => boolean;
  onError: (error: Error) => void;
  /** A gap still missing this long after its replay was asked for is asked for again, at most `attempts` times. */
  retry?: { afterMs: number; attempts: number };
}

export const DEFAULT_REPLAY_RETRY = { afterMs: 60_000, attempts: 5 };

/** Missing ranges longer than this are checked (and replayed) in their first part only. */
const MAX_CHECKED_RANGE = 100_000;

interface Candidate {
  site: string;
  node: string;
  boot: number;
  from: number;
  to: number;
}

export class GapReplayer {
  private readonly tracker = new SequenceTracker();
  private readonly candidates = new Map<string, Candidate>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly lastRequestAt = new Map<string, number>();
  private tokens: number;
  private tokensAt = Date.now();
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly metrics: CollectorMetrics,
    private readonly options: GapReplayerOptions,
  ) {
    this.tokens = options.maxRequestsPerS;
  }

  /** Called for each stored or duplicate sequenced message, after its batch committed. */
  observe(site: string, node: string, boot: number, seq: number): void {
    const observation = this.tracker.observe(node, boot, seq);
    if (observation.status === 'first') {
      this.resumeFromStored(site, node, boot, seq).catch((error: Error) => this.options.onError(error));
      return;
    }
    if (observation.missing) this.addCandidate(site, node, boot, observation.missing.from, observation.missing.to);
  }

  /**
   * The first message of a (node, boot) this collector sees (it started, or forgot the node) is measured
   * against what the database already holds of that boot: messages lost while this collector was down
   * (a broker restart in between, say) would otherwise never be seen as a gap. A boot the database holds
   * nothing of is not: its start may be long gone from the node's outbox.
   */
  private async resumeFromStored(site: string, node: string, boot: number, seq: number): Promise<void> {
    const result = await this.pool.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM received_messages WHERE node = $1 AND boot = $2 AND seq < $3', [node, boot, seq]);
    const stored = result.rows[0]?.seq;
    if (stored === null || stored === undefined || this.stopped) return;
    if (Number(stored) < seq - 1) this.addCandidate(site, node, boot, Number(stored) + 1, seq - 1);
  }

  private addCandidate(site: string, node: string, boot: number, from: number, to: number): void {
    const key = `${node}\u0000${boot}`;
    const known = this.candidates.get(key);
    if (known) {
      known.from = Math.min(known.from, from);
      known.to = Math.max(known.to, to);
      return;
    }
    this.candidates.set(key, { site, node, boot, from, to });
    this.checkAfterGrace(key);
  }

  private checkAfterGrace(key: string): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const candidate = this.candidates.get(key);
      if (!candidate || this.stopped) return;
      // Messages held for the node's birth are not in the database yet, but neither are they lost.
      if (this.options.awaitingBirth?.(candidate.site, candidate.node)) return this.checkAfterGrace(key);
      this.candidates.delete(key);
      this.check(candidate).catch((error: Error) => this.options.onError(error));
    }, this.options.graceMs);
    this.timers.add(timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * What of the candidate is still missing in the database is a gap: recorded the first time, and asked
   * for again while it stays missing (the node may have been rebooting, or its link down, when first asked).
   */
  private async check(candidate: Candidate, attempt = 0): Promise<void> {
    const to = Math.min(candidate.to, candidate.from + MAX_CHECKED_RANGE - 1);
    const result = await this.pool.query<{ seq: string }>(
      `SELECT g AS seq FROM generate_series($3::bigint, $4::bigint) AS g
       WHERE NOT EXISTS (SELECT 1 FROM received_messages r WHERE r.node = $1 AND r.boot = $2 AND r.seq = g)
       ORDER BY g`,
      [candidate.node, candidate.boot, candidate.from, to],
    );
    const ranges = toRanges(result.rows.map((row) => Number(row.seq)));
    if (attempt > 0) {
      for (const range of ranges) {
        if (this.options.signer === null || !this.mayRequest(candidate.node)) continue;
        await this.requestReplay(candidate, range);
      }
      if (ranges.length > 0) this.checkAgainLater(candidate, attempt);
      return;
    }
    if (ranges.length > 0 && this.options.signer !== null) this.checkAgainLater(candidate, attempt);
    for (const range of ranges) {
      const requested = this.options.signer !== null && this.mayRequest(candidate.node);
      await this.pool.query('INSERT INTO sequence_gaps (node, site, boot, from_seq, to_seq, replay_requested) VALUES ($1, $2, $3, $4, $5, $6)', [
        candidate.node,
        candidate.site,
        candidate.boot,
        range.from,
        range.to,
        requested,
      ]);
      this.metrics.gapsDetected++;
      if (requested) await this.requestReplay(candidate, range);
    }
  }

  private checkAgainLater(candidate: Candidate, attempt: number): void {
    const retry = this.options.retry ?? DEFAULT_REPLAY_RETRY;
    if (attempt >= retry.attempts || this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      this.check(candidate, attempt + 1).catch((error: Error) => this.options.onError(error));
    }, retry.afterMs);
    this.timers.add(timer);
  }

  private mayRequest(node: string): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.options.maxRequestsPerS, this.tokens + ((now - this.tokensAt) / 1000) * this.options.maxRequestsPerS);
    this.tokensAt = now;
    const last = this.lastRequestAt.get(node);
    if (this.tokens < 1 || (last !== undefined && now - last < this.options.perNodeIntervalMs)) return false;
    this.tokens -= 1;
    this.lastRequestAt.set(node, now);
    return true;
  }

  private async requestReplay(candidate: Candidate, range: { from: number; to: number }): Promise<void> {
    const request: RequestMessage = {
      v: SCHEMA_VERSION,
      id: `collector-${randomBytes(8).toString('hex')}`,
      cmd: 'replay',
      ts: Date.now(),
      args: { boot: candidate.boot, fromSeq: range.from, toSeq: range.to },
    };
    const signed = signRequest(request, this.options.signer!, { site: candidate.site, node: candidate.node });
    await this.options.publish(buildTopic(this.options.prefix, candidate.site, candidate.node, 'request', 'replay'), encodeMessage('request', signed));
    this.metrics.replayRequests++;
  }
}

/** Sorted seq numbers → inclusive consecutive ranges. */
export function toRanges(sorted: number[]): Array<{ from: number; to: number }> {
  const ranges: Array<{ from: number; to: number }> = [];
  for (const seq of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && seq === last.to + 1) last.to = seq;
    else ranges.push({ from: seq, to: seq });
  }
  return ranges;
}
