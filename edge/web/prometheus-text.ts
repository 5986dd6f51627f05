/**
 * The Prometheus text exposition format (version 0.0.4), written by hand: a few dozen gauges and counters
 * read at scrape time need no client library or global registry.
 */
export type Labels = Record<string, string>;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export class PrometheusText {
  private readonly lines: string[] = [];
  private readonly declared = new Set<string>();

  /** Declares a family once (HELP and TYPE), then adds one sample; families must not interleave. */
  sample(name: string, type: 'gauge' | 'counter', help: string, value: number, labels: Labels = {}): this {
    if (!this.declared.has(name)) {
      this.declared.add(name);
      this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
    }
    const pairs = Object.entries(labels).map(([key, label]) => `${key}="${escapeLabel(label)}"`);
    this.lines.push(`${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`);
    return this;
  }

  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
