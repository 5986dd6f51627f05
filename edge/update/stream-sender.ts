/**
 * The central side of an update streamed over MQTT (`nutgiao cmd … update --bundle FILE`), in the way
 * AWS IoT and ESP-IDF OTA over MQTT do it: the signed command names the transfer, its size, SHA-256 and
 * chunking; once the node answers with an update.stream-open event listing the chunks it wants, they go
 * out QoS 1 on update-stream/<transferId>/<index>, a few in flight at a time. When the node reports chunks
 * missing (a broker dropped some), the command is signed again with the same stream and only the
 * missing chunks are sent, up to `rounds` times.
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { MAX_UPDATE_CHUNK_BYTES, type UpdateStream } from '../../protocol/commands.js';
import { BirthRegistry } from '../../protocol/birth-registry.js';
import { decodeMessage, decodeTopicMessage, encodeMessage, type RequestMessage, type ResponseMessage } from '../../protocol/index.js';
import { updateStreamTopic } from '../../protocol/topics.js';
import { sha256 } from './bundle.js';
import { expandRanges, type ChunkRanges } from './stream-receiver.js';

/** Chunks published before waiting for the broker's acknowledgements. */
const CHUNKS_IN_FLIGHT = 16;

export function describeStream(bundle: Uint8Array, options: { transferId?: string; chunkSize?: number } = {}): UpdateStream {
  const chunkSize = options.chunkSize ?? MAX_UPDATE_CHUNK_BYTES;
  return { transferId: options.transferId ?? randomBytes(8).toString('hex'), size: bundle.length, sha256: sha256(bundle), chunkSize, chunks: Math.ceil(bundle.length / chunkSize) };
}

export function chunkBytes(bundle: Uint8Array, stream: UpdateStream, index: number): Uint8Array {
  return bundle.subarray(index * stream.chunkSize, Math.min(bundle.length, (index + 1) * stream.chunkSize));
}

export interface StreamedUpdateOptions {
  client: MqttClient;
  prefix: string;
  site: string;
  node: string;
  bundle: Uint8Array;
  stream: UpdateStream;
  /** A new signed update request (fresh id, ts and nonce) with these args. */
  request: (args: { stream: UpdateStream }) => Promise<RequestMessage>;
  /** How long to wait for the node after the request and after the last chunk of a round. */
  timeoutMs: number;
  /** Update commands sent at most (the first and the resends). */
  rounds: number;
  progress: (line: string) => void;
}

/** Resolves with the node's last answer to update, or null when none came in time. */
export async function sendStreamedUpdate(options: StreamedUpdateOptions): Promise<ResponseMessage | null> {
  const { client, prefix, site, node, stream } = options;
  const base = `${prefix}/${site}/${node}`;
  const births = new BirthRegistry({ maxNodes: 1 });
  let waiting: { id: string; onResponse: (response: ResponseMessage) => void; onOpen: (missing: ChunkRanges) => void } | null = null;
  const onMessage = (topic: string, payload: Buffer) => {
    if (topic === `${base}/state`) {
      decodeTopicMessage(prefix, topic, payload, births);
      return;
    }
    if (!waiting) return;
    if (topic === `${base}/response/update`) {
      const decoded = decodeMessage('response', payload);
      if (decoded.ok && decoded.message.id === waiting.id) waiting.onResponse(decoded.message);
    } else if (topic === `${base}/event`) {
      // Events travel in the compact (v2) layout: they are read with the structures of the node's birth,
      // which the retained state topic gives on subscribe.
      const decoded = decodeTopicMessage(prefix, topic, payload, births);
      if (!decoded.ok || decoded.kind !== 'event') return;
      const event = decoded.message as { type: string; data?: { transferId?: unknown; missing?: unknown } };
      const data = event.data;
      if (event.type === 'update.stream-open' && data?.transferId === stream.transferId && Array.isArray(data.missing)) waiting.onOpen(data.missing as ChunkRanges);
    }
  };
  client.on('message', onMessage);
  try {
    await client.subscribeAsync([`${base}/state`, `${base}/response/update`, `${base}/event`], { qos: 1 });
    let last: ResponseMessage | null = null;
    for (let round = 1; round <= options.rounds; round++) {
      const request = await options.request({ stream });
      const answer = new Promise<ResponseMessage | null>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        let settled = false;
        const settle = (response: ResponseMessage | null) => {
          settled = true;
          clearTimeout(timer);
          resolve(response);
        };
        const wait = () => {
          clearTimeout(timer);
          // Unref'd: a round given up on (a failed publish) must not hold the process.
          if (!settled) timer = setTimeout(() => settle(null), options.timeoutMs).unref();
        };
        wait();
        waiting = {
          id: request.id,
          onResponse: settle,
          onOpen: (missing) => {
            clearTimeout(timer);
            const indexes = expandRanges(missing);
            options.progress(`round ${round}: publishing ${indexes.length} of ${stream.chunks} chunks of transfer ${stream.transferId}`);
            publishChunks(options, indexes, (index) => chunkBytes(options.bundle, stream, index)).then(wait, (error: Error) => {
              options.progress(`publishing chunks failed: ${error.message}`);
              settle(null);
            });
          },
        };
      });
      await client.publishAsync(`${base}/request/update`, encodeMessage('request', request), { qos: 1 });
      last = await answer;
      waiting = null;
      if (!last || last.status !== 'error' || !/ incomplete: .*missing chunks /.test(last.error)) return last;
      if (round < options.rounds) options.progress(`round ${round}: ${last.error}; sending the update again`);
    }
    return last;
  } finally {
    client.off('message', onMessage);
  }
}

/** Publishes the chunks at `indexes` of the bundle, QoS 1, a few in flight at a time. */
export async function publishChunks(
  target: { client: MqttClient; prefix: string; site: string; node: string; stream: UpdateStream },
  indexes: readonly number[],
  payloadOf: (index: number) => Uint8Array,
): Promise<void> {
  const { client, prefix, site, node, stream } = target;
  let next = 0;
  const worker = async () => {
    while (next < indexes.length) {
      const index = indexes[next++]!;
      const payload = payloadOf(index);
      await client.publishAsync(updateStreamTopic(prefix, site, node, stream.transferId, index), Buffer.from(payload.buffer, payload.byteOffset, payload.length), { qos: 1 });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, indexes.length) }, worker));
}
