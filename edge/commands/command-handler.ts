import type { CommandName } from '../../protocol/commands.js';

/** A command that ran but could not do what was asked: answered with status `error` and this message. */
export class CommandFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailure';
  }
}

/**
 * One command's behaviour. Its args arrive already validated against the command's schema in
 * protocol/commands.ts; the resolved value becomes the response's `result`.
 */
export interface CommandHandler {
  readonly name: CommandName;
  run(args: Record<string, unknown>): Promise<unknown>;
  /** Runs after the response was handed to the broker (restart uses it to stop only once it answered). */
  afterResponse?(): void;
}
