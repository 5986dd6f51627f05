import { Unpackr } from 'msgpackr';
import { COMMANDS, isCommandName } from '../../protocol/commands.js';
import { SCHEMA_VERSION, decodeMessage, encodeMessage, parseTopic, type RequestMessage, type ResponseMessage } from '../../protocol/index.js';
import { compileValidator, type Validator } from '../../protocol/schema-validator.js';
import type { Clock } from '../hal/clock.js';
import type { Logger } from '../log.js';
import { CommandFailure, type CommandHandler } from './command-handler.js';
import type { AuthOutcome } from './request-authenticator.js';

export interface RequestProperties {
  /** MQTT 5: where the requester wants the answer. */
  responseTopic?: string;
  /** MQTT 5: opaque bytes echoed back so the requester can match the answer. */
  correlationData?: Buffer;
}

export interface RoutedResponse {
  topic: string;
  payload: Buffer;
  properties: RequestProperties;
  message: ResponseMessage;
  /** Set by handlers with work to do once the answer is out (restart). */
  afterResponse?: () => void;
}

export type AuditEvent = { type: 'command.refused' | 'command.malformed' | 'command.executed' | 'command.failed'; severity: 'info' | 'warning'; message: string; data: Record<string, unknown> };

export interface CommandRouterOptions {
  prefix: string;
  site: string;
  node: string;
  boot: number;
  handlers: readonly CommandHandler[];
  /** Checks signature, timestamp and nonce (RequestAuthenticator); absent = no keys, signed commands refused. */
  authenticate: ((request: RequestMessage & { auth?: unknown }) => Promise<AuthOutcome>) | null;
  signReadOnly: boolean;
  clock: Clock;
  log: Logger;
  audit: (event: AuditEvent) => void;
}

const lenientUnpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });
const argValidators = new Map<string, Validator>(Object.entries(COMMANDS).map(([name, spec]) => [name, compileValidator(spec.args)]));

/**
 * Request in, response out, with no MQTT in between: decode, check the topic, authenticate what must be
 * signed, validate args, run the handler. Every request that names a command on this node gets an answer,
 * and nothing a sender puts in a payload can throw out of here.
 */
export class CommandRouter {
  private readonly handlers = new Map<string, CommandHandler>();

  constructor(private readonly options: CommandRouterOptions) {
    for (const handler of options.handlers) this.handlers.set(handler.name, handler);
  }

  /** The filter to subscribe to: every command of this node. */
  filter(): string {
    const { prefix, site, node } = this.options;
    return `${prefix}/${site}/${node}/request/+`;
  }

  /** Null when the topic is not a request to this node (nothing to answer). */
  async handle(topic: string, payload: Buffer, properties: RequestProperties = {}): Promise<RoutedResponse | null> {
    const { options } = this;
    const parsed = parseTopic(options.prefix, topic);
    if (!parsed.ok || parsed.kind !== 'request' || parsed.site !== options.site || parsed.node !== options.node || parsed.command === undefined) return null;
    const topicCommand = parsed.command;
    try {
      return await this.route(topicCommand, payload, properties);
    } catch (error) {
      options.log.error('command handling failed', { cmd: topicCommand, error: error as Error });
      return this.respond(topicCommand, recoverId(payload) ?? 'unknown', properties, { status: 'error', error: `internal error: ${(error as Error).message}` });
    }
  }

  private async route(topicCommand: string, payload: Buffer, properties: RequestProperties): Promise<RoutedResponse | null> {
    const { options } = this;
    const decoded = decodeMessage('request', payload);
    if (!decoded.ok) {
      const id = recoverId(payload);
      options.audit({ type: 'command.malformed', severity: 'warning', message: `malformed ${topicCommand} request: ${decoded.error}`, data: { cmd: topicCommand, error: decoded.error, bytes: payload.length, ...(id ? { id } : {}) } });
      // Without an id the requester could not match an answer (MQTT 5 correlation data still can).
      if (id === undefined && properties.correlationData === undefined && properties.responseTopic === undefined) return null;
      return this.respond(topicCommand, id ?? 'unknown', properties, { status: 'error', error: `malformed request: ${decoded.error}` });
    }
    const request = decoded.message as RequestMessage & { auth?: unknown };
    if (request.cmd !== topicCommand) {
      return this.refuseMalformed(request, topicCommand, properties, `cmd: "${request.cmd}" does not match the topic's command "${topicCommand}" (publish to .../request/${request.cmd})`);
    }
    if (!isCommandName(request.cmd) || !this.handlers.has(request.cmd)) {
      const known = [...this.handlers.keys()].join(', ');
      return this.respond(request.cmd, request.id, properties, { status: 'error', error: `cmd: unknown command "${request.cmd}" (this node knows ${known})` });
    }
    const spec = COMMANDS[request.cmd];
    if (spec.changesSignal || options.signReadOnly || request.auth !== undefined) {
      const outcome: AuthOutcome = options.authenticate ? await options.authenticate(request) : { ok: false, reason: 'no command keys configured: add commands.keys to the node config' };
      if (!outcome.ok) {
        options.audit({ type: 'command.refused', severity: 'warning', message: `${request.cmd} refused: ${outcome.reason}`, data: { cmd: request.cmd, id: request.id, reason: outcome.reason } });
        return this.respond(request.cmd, request.id, properties, { status: 'refused', error: outcome.reason });
      }
    }
    const args = request.args ?? {};
    const argsProblem = argValidators.get(request.cmd)!(args);
    if (argsProblem !== undefined) return this.respond(request.cmd, request.id, properties, { status: 'error', error: `args.${argsProblem}` });
    const handler = this.handlers.get(request.cmd)!;
    try {
      const result = await handler.run(args);
      if (spec.changesSignal) options.audit({ type: 'command.executed', severity: 'info', message: `${request.cmd} executed`, data: { cmd: request.cmd, id: request.id, args } });
      const response = this.respond(request.cmd, request.id, properties, { status: 'ok', result });
      if (handler.afterResponse) response.afterResponse = () => handler.afterResponse!();
      return response;
    } catch (error) {
      if (!(error instanceof CommandFailure)) throw error;
      if (spec.changesSignal) options.audit({ type: 'command.failed', severity: 'warning', message: `${request.cmd} failed: ${error.message}`, data: { cmd: request.cmd, id: request.id, error: error.message } });
      return this.respond(request.cmd, request.id, properties, { status: 'error', error: error.message });
    }
  }

  private refuseMalformed(request: RequestMessage, topicCommand: string, properties: RequestProperties, error: string): RoutedResponse {
    this.options.audit({ type: 'command.malformed', severity: 'warning', message: `malformed ${topicCommand} request: ${error}`, data: { cmd: topicCommand, id: request.id, error } });
    return this.respond(topicCommand, request.id, properties, { status: 'error', error });
  }

  private respond(cmd: string, id: string, properties: RequestProperties, outcome: { status: 'ok'; result: unknown } | { status: 'error' | 'refused'; error: string }): RoutedResponse {
    const { prefix, site, node, boot, clock } = this.options;
    const base = { v: SCHEMA_VERSION, node, boot, ts: Math.round(clock.now()), id: id.slice(0, 128) || 'unknown', cmd: /^[A-Za-z0-9_-]{1,64}$/.test(cmd) ? cmd : 'unknown' };
    const message: ResponseMessage = outcome.status === 'ok' ? { ...base, status: 'ok', ...(outcome.result === undefined ? {} : { result: outcome.result }) } : { ...base, ...outcome };
    const topic = properties.responseTopic ?? `${prefix}/${site}/${node}/response/${base.cmd}`;
    const echoed: RequestProperties = properties.correlationData === undefined ? {} : { correlationData: properties.correlationData };
    return { topic, payload: encodeMessage('response', message), properties: echoed, message };
  }
}

/** The request id from a payload that failed validation, when it is at least a map with a string id. */
function recoverId(payload: Buffer): string | undefined {
  try {
    const value = lenientUnpackr.unpack(payload) as unknown;
    if (value === null || typeof value !== 'object') return undefined;
    const id = (value as Record<string, unknown>).id;
    return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : undefined;
  } catch {
    return undefined;
  }
}
