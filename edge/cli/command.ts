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
