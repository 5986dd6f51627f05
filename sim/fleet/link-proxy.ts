/**
 * A TCP pass-through between a worker's simulated nodes and the broker, one upstream connection per
 * node connection, so the fleet can break links the way a network does (the socket just dies: no
 * DISCONNECT, so the broker publishes the node's last will) and see when the broker breaks them. It
 * reads the client id from each CONNECT, so links are cut and refused by node.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { connectClientId } from './mqtt-connect-client-id.js';

/** Why a link ended: cut by the fleet, closed by the broker side, or by the node (a clean stop). */
export type LinkEnd = 'cut' | 'broker' | 'node';

interface Link {
  clientId: string;
  node: Socket;
  broker: Socket | null;
  ended: boolean;
}

/** Bytes a connection may send before its CONNECT is complete; more means it is not MQTT. */
const MAX_CONNECT_BYTES = 64 * 1024;

export class LinkProxy {
  private readonly links = new Map<string, Set<Link>>();
  /** Client ids refused until the given monotonic time (an outage of that node's link). */
  private readonly refusedUntil = new Map<string, number>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly broker: { host: string; port: number },
    private readonly onEnd: (clientId: string, end: LinkEnd) => void,
    private readonly now: () => number,
  ) {}

  static async start(brokerUrl: string, onEnd: (clientId: string, end: LinkEnd) => void, now: () => number): Promise<LinkProxy> {
    const url = new URL(brokerUrl);
    if (url.protocol !== 'mqtt:' && url.protocol !== 'tcp:') throw new Error(`--broker: the fleet's link proxy carries plain MQTT over TCP (mqtt://HOST:PORT), not ${url.protocol}`);
    const broker = { host: url.hostname, port: url.port === '' ? 1883 : Number(url.port) };
    const server = createServer();
    server.maxConnections = Infinity;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    const proxy = new LinkProxy(server, typeof address === 'object' && address ? address.port : 0, broker, onEnd, now);
    server.on('connection', (socket) => proxy.accept(socket));
    return proxy;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Breaks the node's link now; with downMs > 0 its reconnects are refused for that long. */
  cut(clientId: string, downMs = 0): void {
    if (downMs > 0) this.refusedUntil.set(clientId, this.now() + downMs);
    for (const link of [...(this.links.get(clientId) ?? [])]) this.end(link, 'cut');
  }

  /** Breaks every link at once. */
  cutAll(): void {
    for (const clientId of [...this.links.keys()]) this.cut(clientId);
  }

  /** Lets every node connect again (the end of a run). */
  endOutages(): void {
    this.refusedUntil.clear();
  }

  async close(): Promise<void> {
    for (const links of this.links.values()) for (const link of [...links]) this.end(link, 'node');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(node: Socket): void {
    node.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const clientId = connectClientId(buffered);
      if (clientId === 'incomplete' && buffered.length < MAX_CONNECT_BYTES) return;
      node.off('data', onData);
      node.pause();
      this.open(node, typeof clientId === 'string' ? clientId : '', buffered);
    };
    node.on('data', onData);
    node.on('error', () => node.destroy());
  }

  private open(node: Socket, clientId: string, first: Buffer): void {
    const refused = this.refusedUntil.get(clientId);
    if (refused !== undefined) {
      if (this.now() < refused) {
        node.destroy();
        return;
      }
      this.refusedUntil.delete(clientId);
    }
    const link: Link = { clientId, node, broker: null, ended: false };
    let links = this.links.get(clientId);
    if (!links) this.links.set(clientId, (links = new Set()));
    links.add(link);
    const broker = connect(this.broker.port, this.broker.host);
    link.broker = broker;
    broker.setNoDelay(true);
    broker.once('connect', () => {
      if (link.ended) return;
      broker.write(first);
      node.pipe(broker);
      broker.pipe(node);
      node.resume();
    });
    broker.on('error', () => this.end(link, 'broker'));
    broker.on('close', () => this.end(link, 'broker'));
    node.on('close', () => this.end(link, 'node'));
  }

  private end(link: Link, end: LinkEnd): void {
    if (link.ended) return;
    link.ended = true;
    const links = this.links.get(link.clientId);
    links?.delete(link);
    if (links?.size === 0) this.links.delete(link.clientId);
    link.node.destroy();
    link.broker?.destroy();
    this.onEnd(link.clientId, end);
  }
}
