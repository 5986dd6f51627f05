/**
 * Manual acknowledgement for QoS 1 on an mqtt.js client: the PUBACK of each message is held until the
 * collector releases it (after its rows are committed), and dropped if the connection closes first, so
 * the broker redelivers whatever was not stored.
 *
 * Why not mqtt.js's own hooks: `customHandleAcks` and `handleMessage` both defer the PUBACK by not
 * calling their callback, and mqtt.js handles incoming packets strictly one after another, so the next
 * message (and even PINGRESP) waits: one message per transaction, and a keepalive timeout while the
 * database is down. Holding only the PUBACK packet lets many messages be in flight at once; the broker's
 * flow control (the client's MQTT 5 Receive Maximum) bounds how many.
 */
import type { MqttClient } from 'mqtt';

type SendPacket = (packet: { cmd: string; messageId?: number }, callback?: (error?: Error) => void) => void;

export interface AckHandle {
  /** Sends the PUBACK now, if the connection that received the message is still the current one. */
  release(): void;
  /** False once that connection closed: the broker will deliver the message again. */
  isCurrent(): boolean;
}

export class DeferredAcks {
  private readonly held = new Map<number, { packet: { cmd: string; messageId?: number } }>();
  private connection = 0;
  private readonly send: SendPacket;

  constructor(private readonly client: MqttClient) {
    const internal = client as unknown as { _sendPacket: SendPacket };
    if (typeof internal._sendPacket !== 'function') throw new Error('this mqtt.js version has no _sendPacket: manual acknowledgement needs mqtt 5.x');
    this.send = internal._sendPacket.bind(client);
    internal._sendPacket = (packet, callback) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined) {
        this.held.set(packet.messageId, { packet });
        // mqtt.js goes on to the next incoming packet; the PUBACK itself waits for release().
        callback?.();
        return;
      }
      this.send(packet, callback);
    };
    // Packet ids belong to a connection: after a reconnect the broker resends the unacknowledged messages
    // (with new ids for this session), so held acks of the old connection must never be sent.
    client.on('close', () => {
      this.connection++;
      this.held.clear();
    });
  }

  get pending(): number {
    return this.held.size;
  }

  /** The handle for a message just received (called from the 'message' event, before mqtt.js builds the PUBACK). */
  handleFor(messageId: number | undefined): AckHandle {
    const connection = this.connection;
    return {
      release: () => {
        if (messageId === undefined || connection !== this.connection) return;
        const entry = this.held.get(messageId);
        if (!entry) return;
        this.held.delete(messageId);
        this.send(entry.packet);
      },
      isCurrent: () => messageId === undefined || connection === this.connection,
    };
  }
}
