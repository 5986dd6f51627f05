/** GET /metrics (Prometheus text) and GET /health (JSON, 200 when broker and database are fine, else 503). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CollectorMetrics } from './collector-metrics.js';

export async function startMetricsServer(metrics: CollectorMetrics, port: number, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.prometheus());
    } else if (request.method === 'GET' && request.url === '/health') {
      const health = metrics.health();
      response.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(health));
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics or /health\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host}:${address.port}` };
}
