import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCHEMA_VERSION, decodeMessage, encodeMessage, type RequestMessage, type ResponseMessage } from '../../protocol/index.js';
import { generateCommandKeyPair, signRequest } from '../../protocol/sign.js';
import type { CommandHandler } from '../../edge/commands/command-handler.js';
import { CommandRouter, type AuditEvent, type RequestProperties } from '../../edge/commands/command-router.js';
import { NonceStore } from '../../edge/commands/nonce-store.js';
import { RequestAuthenticator } from '../../edge/commands/request-authenticator.js';
import { createMemoryLogger } from '../../edge/log.js';
import { VirtualClock } from '../../sim/virtual-clock.js';

export const TARGET = { site: 'demo', node: 'n1' };
export const PREFIX = 'nutgiao/v1';
export const CENTRAL = generateCommandKeyPair();

/** A router for node n1 with one trusted key ("central"), a virtual clock and a nonce store in a fresh folder. */
export async function routerFixture(handlers: CommandHandler[], options: { signReadOnly?: boolean; stateDir?: string; clock?: VirtualClock } = {}) {
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'nutgiao-commands-')));
  const clock = options.clock ?? new VirtualClock();
  const nonces = await NonceStore.open(stateDir, 100);
  const authenticator = new RequestAuthenticator([{ id: 'central', publicKey: CENTRAL.publicKey }], TARGET, 60_000, nonces, clock);
  const audit: AuditEvent[] = [];
  const router = new CommandRouter({
    prefix: PREFIX,
    ...TARGET,
    boot: 3,
    handlers,
    authenticate: (request) => authenticator.check(request),
    signReadOnly: options.signReadOnly ?? false,
    clock,
    log: createMemoryLogger(),
    audit: (event) => audit.push(event),
  });
  let counter = 0;
  const request = (cmd: string, args?: Record<string, unknown>, ts = clock.now()): RequestMessage => ({ v: SCHEMA_VERSION, id: `req-${++counter}`, cmd, ts, ...(args ? { args } : {}) });
  const signed = (cmd: string, args?: Record<string, unknown>, ts?: number) => signRequest(request(cmd, args, ts), { keyId: 'central', privateKey: CENTRAL.privateKeyPem }, TARGET);
  const send = async (message: RequestMessage, properties: RequestProperties = {}) => {
    const routed = await router.handle(`${PREFIX}/demo/n1/request/${message.cmd}`, encodeMessage('request', message), properties);
    if (!routed) throw new Error('no response');
    const decoded = decodeMessage('response', routed.payload);
    if (!decoded.ok) throw new Error(`response does not decode: ${decoded.error}`);
    return { ...routed, response: decoded.message as ResponseMessage & { result?: any } };
  };
  return { router, clock, audit, stateDir, request, signed, send };
}

/** A stand-in for the signal service's mode switch that records what was asked (the real one is in the integration test). */
export function recordingModeControl() {
  const calls: string[] = [];
  let mode: any = 'normal';
  return {
    calls,
    control: {
      mode: () => mode,
      setMode: (next: any) => {
        calls.push(next);
        mode = next;
      },
    },
  };
}
