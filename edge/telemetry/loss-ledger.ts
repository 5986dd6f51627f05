/**
 * Receiver side: which sequence gaps a node explained with a `telemetry.dropped` event (loss the node
 * reported) and which it did not (still in flight, or lost without a word).
 */
export interface SeqRange {
  from: number;
  to: number;
}

export interface DroppedReport extends SeqRange {
  reason: string;
}

/** A gap reported earlier that a `telemetry.dropped` event now explains. */
export interface ExplainedGap extends SeqRange {
  node: string;
  boot: number;
  reason: string;
}

/** Gaps remembered per node and boot while unexplained; older ones are forgotten first. */
const MAX_OPEN_GAPS = 256;

export class LossLedger {
  private readonly dropped = new Map<string, DroppedReport[]>();
  private readonly openGaps = new Map<string, SeqRange[]>();

  /** A gap the receiver saw; returns the drop report that explains all of it, if there is one. */
  gap(node: string, boot: number, missing: SeqRange): DroppedReport | undefined {
    const explanation = this.dropped.get(key(node, boot))?.find((report) => covers(report, missing));
    if (explanation) return explanation;
    const gaps = this.openGaps.get(key(node, boot)) ?? [];
    gaps.push({ ...missing });
    if (gaps.length > MAX_OPEN_GAPS) gaps.shift();
    this.openGaps.set(key(node, boot), gaps);
    return undefined;
  }

  /** A seq that arrived late (historical backlog): it no longer counts as missing. */
  filled(node: string, boot: number, seq: number): void {
    const gaps = this.openGaps.get(key(node, boot));
    if (!gaps) return;
    const next: SeqRange[] = [];
    for (const gap of gaps) {
      if (seq < gap.from || seq > gap.to) next.push(gap);
      else {
        if (gap.from < seq) next.push({ from: gap.from, to: seq - 1 });
        if (seq < gap.to) next.push({ from: seq + 1, to: gap.to });
      }
    }
    this.openGaps.set(key(node, boot), next);
  }

  /** A `telemetry.dropped` event: returns the parts of earlier gaps it explains (they are closed). */
  reportDropped(node: string, boot: number, report: DroppedReport): ExplainedGap[] {
    const reports = this.dropped.get(key(node, boot)) ?? [];
    reports.push(report);
    if (reports.length > MAX_OPEN_GAPS) reports.shift();
    this.dropped.set(key(node, boot), reports);
    const explained: ExplainedGap[] = [];
    const remaining: SeqRange[] = [];
    for (const gap of this.openGaps.get(key(node, boot)) ?? []) {
      const from = Math.max(gap.from, report.from);
      const to = Math.min(gap.to, report.to);
      if (from > to) {
        remaining.push(gap);
        continue;
      }
      explained.push({ node, boot, from, to, reason: report.reason });
      if (gap.from < from) remaining.push({ from: gap.from, to: from - 1 });
      if (to < gap.to) remaining.push({ from: to + 1, to: gap.to });
    }
    this.openGaps.set(key(node, boot), remaining);
    return explained;
  }

  /** Gaps seen and not explained (nor filled) so far. */
  unexplained(node: string, boot: number): SeqRange[] {
    return (this.openGaps.get(key(node, boot)) ?? []).map((gap) => ({ ...gap }));
  }
}

const key = (node: string, boot: number): string => `${node}\u0000${boot}`;
const covers = (outer: SeqRange, inner: SeqRange): boolean => outer.from <= inner.from && inner.to <= outer.to;

/** The drop report in a decoded `telemetry.dropped` event, or undefined when the message is not one. */
export function droppedReportOf(message: Record<string, unknown>): ({ boot: number } & DroppedReport) | undefined {
  if (message.type !== 'telemetry.dropped' || typeof message.data !== 'object' || message.data === null) return undefined;
  const data = message.data as Record<string, unknown>;
  const { boot, fromSeq, toSeq, reason } = data;
  if (!Number.isSafeInteger(boot) || !Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(toSeq)) return undefined;
  return { boot: boot as number, from: fromSeq as number, to: toSeq as number, reason: typeof reason === 'string' ? reason : 'unknown' };
}
