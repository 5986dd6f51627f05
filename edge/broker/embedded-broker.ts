import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../log.js';

export interface EmbeddedBroker {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * An in-process MQTT broker (aedes, MQTT 3.1.1 only) for a self-contained simulated node, so
 * `npm start` needs no broker installed. It binds to loopback; when the preferred port is taken (1883
 * usually is, by a system broker) it takes a free one and says which.
 */
export async function startEmbeddedBroker(options: { host?: string; port?: number; log: Logger }): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const preferred = options.port ?? 1884;
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  let port: number;
  try {
    port = await listen(server, host, preferred);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || preferred === 0) throw error;
    options.log.info(`port ${preferred} is taken; the embedded broker takes a free port`);
    port = await listen(server, host, 0);
  }
  const url = `mqtt://${host}:${port}`;
  return {
    url,
    port,
    close: () =>
      // Closing aedes first ends its client sockets, so server.close can finish.
      new Promise<void>((resolve) => broker.close(() => server.close(() => resolve()))),
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
