import type { Clock } from '../hal/clock.js';
import type { Logger } from '../log.js';
import {
  SCHEMA_VERSION,
  buildTopic,
  encodeMessage,
  type CountsMessage,
  type EventMessage,
  type HealthMessage,
  type SignalMessage,
  type StateMessage,
  type WireStructures,
} from '../../protocol/index.js';
import type { SequencedSink } from './durable-telemetry.js';
import type { MqttSession } from './mqtt-session.js';

export interface NodeIdentity {
  prefix: string;
  site: string;
  node: string;
  boot: number;
  /** With structures the birth carries them and counts, signal, health and event go out as v2 (compact). */
  structures?: WireStructures;
}

type Envelope = 'v' | 'node' | 'boot' | 'ts';
type SequencedBody<M> = Omit<M, Envelope | 'seq'>;
export type EventBody = SequencedBody<EventMessage>;
export type CountsBody = SequencedBody<CountsMessage>;
export type SignalBody = SequencedBody<SignalMessage>;
export type HealthBody = Omit<HealthMessage, Envelope>;

export interface PublisherStats {
  sent: number;
  lastSeq: number | null;
}

/**
 * Turns the node's facts into protocol messages on the right topics. Messages that must not be lost
 * (events, counts, signal) take the next number of the boot's one sequence, so any gap a receiver sees
 * is loss; sampled health takes none. Numbered messages go through the sink (the durable outbox) when
 * one is given, else straight to the session with QoS 1.
 */
export class TelemetryPublisher {
  private nextSeq = 0;
  private sent = 0;

  constructor(
    private readonly session: MqttSession,
    readonly identity: NodeIdentity,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly sink?: SequencedSink,
  ) {}

  topic(kind: Parameters<typeof buildTopic>[3], command?: string): string {
    return buildTopic(this.identity.prefix, this.identity.site, this.identity.node, kind, command);
  }

  stats(): PublisherStats {
    return { sent: this.sent, lastSeq: this.nextSeq === 0 ? null : this.nextSeq - 1 };
  }

  event(type: string, severity: EventBody['severity'], message: string, data?: Record<string, unknown>): Promise<boolean> {
    return this.numberedEvent(type, severity, message, data).delivered;
  }

  /** An event and the seq it took (null when it was refused as invalid). */
  numberedEvent(type: string, severity: EventBody['severity'], message: string, data?: Record<string, unknown>): { seq: number | null; delivered: Promise<boolean> } {
    const body: EventBody = data === undefined ? { type, severity, message } : { type, severity, message, data };
    const next = this.nextSeq;
    const delivered = this.sendSequenced('event', body);
    return { seq: this.nextSeq > next ? next : null, delivered };
  }

  counts(body: CountsBody): Promise<boolean> {
    return this.sendSequenced('counts', body);
  }

  signal(body: SignalBody): Promise<boolean> {
    return this.sendSequenced('signal', body);
  }

  health(body: HealthBody): Promise<boolean> {
    const message = { ...this.envelope(), ...body } as HealthMessage;
    const payload = this.encodeOrLog('health', message);
    if (!payload) return Promise.resolve(false);
    this.sent++;
    return this.session.publish(this.topic('health'), payload, { qos: 0 });
  }

  /** The retained birth (`status: online`). */
  birth(details: Omit<Extract<StateMessage, { status: 'online' }>, Envelope | 'status' | 'structures'>): Buffer {
    const structures = this.identity.structures === undefined ? {} : { structures: this.identity.structures };
    return encodeMessage('state', { ...this.envelope(), status: 'online', ...details, ...structures } as StateMessage);
  }

  /** The death: the last will at connect time, and published by hand on a clean stop. */
  death(reason: string): Buffer {
    return encodeMessage('state', { ...this.envelope(), status: 'offline', reason } as StateMessage);
  }

  private sendSequenced(kind: 'event' | 'counts' | 'signal', body: EventBody | CountsBody | SignalBody): Promise<boolean> {
    const seq = this.nextSeq;
    const message = { ...this.envelope(), seq, ...body } as EventMessage | CountsMessage | SignalMessage;
    const payload = this.encodeOrLog(kind, message);
    // An invalid message takes no number, or receivers would report a loss that did not happen.
    if (!payload) return Promise.resolve(false);
    this.nextSeq = seq + 1;
    this.sent++;
    const topic = this.topic(kind);
    if (this.sink) return this.sink.send({ boot: this.identity.boot, seq, topic, payload });
    return this.session.publish(topic, payload, { qos: 1 });
  }

  private envelope(): { v: number; node: string; boot: number; ts: number } {
    return { v: SCHEMA_VERSION, node: this.identity.node, boot: this.identity.boot, ts: Math.round(this.clock.now()) };
  }

  /**
   * v2 with the birth's structures; a valid message that names something they lack (a camera or phase
   * not in the config it was built from) goes out as v1, which every receiver reads without them.
   */
  private encodeOrLog(kind: 'event' | 'counts' | 'signal' | 'health', message: unknown): Buffer | null {
    const { structures } = this.identity;
    if (structures !== undefined) {
      try {
        return encodeMessage(kind, message as never, structures);
      } catch (error) {
        const v1 = this.encodeV1OrLog(kind, message);
        if (v1) this.log.warn(`${kind} message sent as v1`, { error: error as Error });
        return v1;
      }
    }
    return this.encodeV1OrLog(kind, message);
  }

  private encodeV1OrLog(kind: 'event' | 'counts' | 'signal' | 'health', message: unknown): Buffer | null {
    try {
      return encodeMessage(kind, message as never);
    } catch (error) {
      this.log.error(`refusing to send an invalid ${kind} message`, { error: error as Error });
      return null;
    }
  }
}
