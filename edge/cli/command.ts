/** What a CLI command may touch of the outside world, passed in so tests can drive commands. */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Registers what to do on Ctrl-C / SIGTERM. */
  onInterrupt(handler: () => void): void;
}

/** A mistake in how the command was called: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A numeric option's value, or a UsageError naming the option and its limits. */
export function parseNumberOption(option: string, text: string, limits: { integer?: boolean; min?: number; max?: number } = {}): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${option}: '${text}' is not a number`);
  if (limits.integer === true && !Number.isInteger(value)) throw new UsageError(`${option}: '${text}' must be an integer`);
  if (limits.min !== undefined && value < limits.min) throw new UsageError(`${option}: must be >= ${limits.min}`);
  if (limits.max !== undefined && value > limits.max) throw new UsageError(`${option}: must be <= ${limits.max}`);
  return value;
}
