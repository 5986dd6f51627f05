import { test } from 'uvu';
import * as assert from 'uvu/assert';
import mqtt from 'mqtt';
import { BirthRegistry, SCHEMA_VERSION, decodeMessage, decodeTopicMessage, encodeMessage, type ResponseMessage } from '../../protocol/index.js';
import { MosquittoBroker } from '../support/mosquitto.js';
import { NodeProcess, writeTestConfig } from '../support/node-process.js';

/**
 * The birth tells the central system a node is there, and goes out on connect, before the node has
 * started its signal, cameras and command handlers. A request sent the moment the birth arrives must
 * still be answered: the node subscribes to its requests before the birth and holds them until its
 * handlers are up.
 */
const BASE = 'nutgiao/v1/demo/early-1';

test('a request sent as soon as the birth arrives is answered, though the node has not finished starting', async () => {
  const broker = await MosquittoBroker.start();
  const central = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: `central-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
  let node: NodeProcess | undefined;
  try {
    let startedSeen = false;
    const births = new BirthRegistry();
    let sentBeforeStarted: boolean | null = null;
    const id = `early-${Math.random().toString(16).slice(2)}`;
    const answered = new Promise<ResponseMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response to the early get-config within 30 s')), 30_000);
      central.on('message', (topic, payload) => {
        if (topic === `${BASE}/central/response`) {
          const decoded = decodeMessage('response', payload);
          if (decoded.ok && decoded.message.id === id) {
            clearTimeout(timer);
            resolve(decoded.message);
          }
          return;
        }
        const message = decodeTopicMessage('nutgiao/v1', topic, payload, births);
        if (!message.ok) return;
        if (message.topic.kind === 'event' && (message.message as { type?: string }).type === 'node.started') startedSeen = true;
        if (message.topic.kind === 'state' && (message.message as { status?: string }).status === 'online' && sentBeforeStarted === null) {
          sentBeforeStarted = !startedSeen;
          const request = encodeMessage('request', { v: SCHEMA_VERSION, id, cmd: 'get-config', ts: Date.now() });
          central.publish(`${BASE}/request/get-config`, request, { qos: 1, properties: { responseTopic: `${BASE}/central/response` } });
        }
      });
    });
    await central.subscribeAsync([`${BASE}/state`, `${BASE}/event`, `${BASE}/central/response`], { qos: 1 });
    const { configPath } = await writeTestConfig({ nodeId: 'early-1', broker: broker.url });
    node = NodeProcess.spawn(['run', '--config', configPath]);
    const response = await answered.catch((error: Error) => {
      throw new Error(`${error.message}\nnode stdout:\n${node?.stdout.join('\n')}\nnode stderr:\n${node?.stderr.join('\n')}`);
    });
    assert.is(sentBeforeStarted, true, 'the request went out before node.started (else this test proves nothing)');
    assert.is(response.status, 'ok', `get-config answered ${response.status}: ${response.error ?? ''}`);
  } finally {
    await node?.stop();
    await central.endAsync(true);
    await broker.stop();
  }
});

test.run();
