/**
 * One MQTT message as the collector sees it: decoded and validated by protocol/, or rejected with the
 * reason. A v2 message whose node's birth the collector has not seen is neither: `awaitingBirth` says
 * so, and the collector holds it until the birth arrives. Pure apart from `births`, which learns every
 * valid birth decoded here, so the batch writer only deals with typed messages.
 */
import type { BirthRegistry } from '../../protocol/birth-registry.js';
import { decodeTopicMessage, type MissingBirth, type TopicMessage } from '../../protocol/codec.js';
import { isSequencedKind } from '../../protocol/messages.js';

export type IncomingMessage =
  | { ok: true; site: string; node: string; decoded: TopicMessage; sequence?: { boot: number; seq: number; historical: boolean } }
  | { ok: false; topic: string; payload: Buffer; reason: string; awaitingBirth?: MissingBirth & { site: string } };

export function classifyMessage(prefix: string, topic: string, payload: Buffer, births?: BirthRegistry): IncomingMessage {
  const decoded = decodeTopicMessage(prefix, topic, payload, births);
  if (!decoded.ok) {
    if (decoded.missingBirth === undefined) return { ok: false, topic, payload, reason: decoded.error };
    // The topic parsed (the decoder got as far as the payload), so its site level is there.
    const site = topic.slice(prefix.length + 1).split('/')[0]!;
    return { ok: false, topic, payload, reason: decoded.error, awaitingBirth: { site, ...decoded.missingBirth } };
  }
  const { ok: _ok, ...message } = decoded;
  if (message.kind === 'request' || message.kind === 'response') {
    // The subscription filter excludes command topics; anything else arriving here is misrouted.
    return { ok: false, topic, payload, reason: `${message.kind} messages are commands, not telemetry` };
  }
  const { site, node } = message.topic;
  if (isSequencedKind(message.kind)) {
    const body = message.message as { boot: number; seq: number; historical?: boolean };
    return { ok: true, site, node, decoded: message, sequence: { boot: body.boot, seq: body.seq, historical: body.historical === true } };
  }
  return { ok: true, site, node, decoded: message };
}
