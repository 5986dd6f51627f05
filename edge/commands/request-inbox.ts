import { parseTopic, subscriptionFilter } from '../../protocol/topics.js';
import type { Logger } from '../log.js';
import type { MqttSession } from '../telemetry/mqtt-session.js';
import type { RequestProperties } from './command-router.js';

export type RequestListener = (topic: string, payload: Buffer, properties: RequestProperties) => void;

/** Requests held before the command handlers are up; a central system sends a few at a time, not hundreds. */
export const EARLY_REQUEST_LIMIT = 64;

/**
 * This node's request topic, subscribed from the first connect: the birth goes out on connect and tells
 * the central system the node is there, so a request sent right after it must not fall between the birth
 * and the moment the command handlers are ready (signal, cameras and web start in between). Requests
 * that arrive before then are held, in order, and handed over when a listener attaches.
 */
export class RequestInbox {
  private readonly held: Array<[string, Buffer, RequestProperties]> = [];
  private listener: RequestListener | null = null;
  /** Requests refused because too many were held before the handlers were ready. */
  overflowed = 0;

  readonly filter: string;

  constructor(
    session: MqttSession,
    target: { prefix: string; site: string; node: string },
    private readonly log: Logger,
  ) {
    const { prefix, site, node } = target;
    this.filter = subscriptionFilter(prefix, { site, node, kind: 'request' });
    session.onMessage((topic, payload, meta) => {
      // A retained request is stale by definition; the broker should hold none.
      if (meta.retained) return;
      const parsed = parseTopic(prefix, topic);
      if (!parsed.ok || parsed.kind !== 'request' || parsed.site !== site || parsed.node !== node) return;
      this.deliver(topic, payload, meta.properties);
    });
    session.subscribe(this.filter, 1);
  }

  /** From now on requests go to `listener`; those held so far go first, in arrival order. */
  attach(listener: RequestListener): void {
    if (this.listener !== null) throw new Error('RequestInbox: a listener is already attached');
    this.listener = listener;
    for (const [topic, payload, properties] of this.held.splice(0)) listener(topic, payload, properties);
  }

  private deliver(topic: string, payload: Buffer, properties: RequestProperties): void {
    if (this.listener !== null) return this.listener(topic, payload, properties);
    if (this.held.length >= EARLY_REQUEST_LIMIT) {
      this.overflowed++;
      this.log.warn('request refused: too many requests before the node finished starting; send it again once node.started is out', { topic, held: this.held.length });
      return;
    }
    this.held.push([topic, payload, properties]);
  }
}
