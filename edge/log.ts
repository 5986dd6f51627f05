/**
 * A small namespaced logger (`edge:telemetry`, `edge:signal`) writing one line per record to stderr, so
 * stdout stays free for the summary line and for machine-readable command output.
 * NUTGIAO_LOG sets the threshold: debug | info | warn | error | silent (default info).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(namespace: string): Logger;
}

export type LogSink = (line: string) => void;

function thresholdFromEnv(): number {
  const name = (process.env.NUTGIAO_LOG ?? 'info').toLowerCase();
  return RANK[name as LogLevel] ?? RANK.info;
}

function formatFields(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    const text = value instanceof Error ? value.message : typeof value === 'string' ? value : JSON.stringify(value);
    out += ` ${key}=${text}`;
  }
  return out;
}

export function createLogger(namespace: string, sink: LogSink = (line) => process.stderr.write(line + '\n'), threshold = thresholdFromEnv()): Logger {
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < threshold) return;
    sink(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${namespace} ${message}${formatFields(fields)}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (sub) => createLogger(`${namespace}:${sub}`, sink, threshold),
  };
}

/** A logger that keeps records in memory, for tests that assert on what was logged. */
export function createMemoryLogger(namespace = 'test'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger(namespace, (line) => lines.push(line), RANK.debug);
  return Object.assign(logger, { lines });
}
