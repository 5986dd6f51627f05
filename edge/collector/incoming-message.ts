/**
 * One MQTT message as the collector sees it: decoded and validated by protocol/, or rejected with the
 * reason. Pure, so the batch writer only deals with typed messages.
 */
import { decodeTopicMessage, type TopicMessage } from '../../protocol/codec.js';
import { isSequencedKind } from '../../protocol/messages.js';

export type IncomingMessage =
  | { ok: true; site: string; node: string; decoded: TopicMessage; sequence?: { boot: number; seq: number; historical: boolean } }
  | { ok: false; topic: string; payload: Buffer; reason: string };

export function classifyMessage(prefix: string, topic: string, payload: Buffer): IncomingMessage {
  const decoded = decodeTopicMessage(prefix, topic, payload);
  if (!decoded.ok) return { ok: false, topic, payload, reason: decoded.error };
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
