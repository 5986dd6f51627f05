import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommandFailure } from '../commands/command-handler.js';
import type { WebConfig } from '../config/web-schema.js';
import type { Logger } from '../log.js';
import { CameraStream } from './camera-stream.js';
import { EventLog } from './event-log.js';
import type { GeometryEdit } from './geometry-edit.js';
import { HttpError, readJsonBody, sendJson } from './http-io.js';
import { liveState } from './live-state.js';
import { nodeMetrics } from './node-metrics.js';
import { CachedSystemInfo, type NodeView } from './node-view.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus-text.js';
import { requireConfirmation, SignalActions } from './signal-actions.js';
import { StateStream } from './state-stream.js';
import type { StaticAssets } from './static-assets.js';
import { sameSecret, type WebAuth } from './web-auth.js';
import type { PageConfig } from './page-protocol.js';
import type { RunningNodeSelftest } from '../selftest/running-node-selftest.js';

export interface WebServerOptions {
  settings: WebConfig;
  auth: WebAuth;
  metricsToken: string | null;
  view: NodeView;
  assets: StaticAssets;
  geometry: GeometryEdit;
  events: EventLog;
  /** The self-test on the running node (the page's self-test panel). */
  selftest: RunningNodeSelftest;
  log: Logger;
  /** How often the state stream sends, ms. */
  statePeriodMs?: number;
}

/** Sent with every answer: the page loads nothing from elsewhere and may not be framed. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The technician's page and /metrics over node:http. Everything under /api needs the credential
 * (WebAuth); requests that change the signal also need `confirm: true` (signal-actions.ts).
 */
export class WebServer {
  private server: Server | null = null;
  private readonly system: CachedSystemInfo;
  private readonly streams = new Map<string, CameraStream>();
  private readonly state: StateStream;
  private readonly actions: SignalActions;

  constructor(private readonly options: WebServerOptions) {
    const { view, log } = options;
    this.system = new CachedSystemInfo(view.system);
    this.actions = new SignalActions(view.signal);
    this.state = new StateStream(() => this.liveState(), options.statePeriodMs ?? 500, view.clock, log);
  }

  async start(): Promise<{ port: number; address: string }> {
    const { settings, log } = this.options;
    const server = createServer((request, response) => void this.handle(request, response));
    // A technician's phone on a flaky LAN must not keep sockets forever.
    server.headersTimeout = 10_000;
    server.requestTimeout = 0; // streams are long-lived by design
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.port, settings.bind, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    log.info(`technician's page on http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`, { auth: this.options.auth.open ? 'none (localhost only)' : 'token' });
    return { port: address.port, address: address.address };
  }

  async stop(): Promise<void> {
    this.state.close();
    for (const stream of this.streams.values()) stream.close();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    try {
      await this.route(request, response);
    } catch (error) {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (error instanceof HttpError) return sendJson(response, error.status, { error: error.message });
      if (error instanceof CommandFailure) return sendJson(response, 409, { error: error.message });
      this.options.log.error('web request failed', { error: error as Error, path: request.url ?? '' });
      sendJson(response, 500, { error: `internal error: ${(error as Error).message}` });
    }
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { auth, assets, view } = this.options;
    const url = new URL(request.url ?? '/', 'http://node');
    const path = url.pathname;
    const method = request.method ?? 'GET';

    if (path === '/metrics' && method === 'GET') return this.metrics(request, response);
    if (method === 'GET' && !path.startsWith('/api/')) {
      const asset = assets.get(path === '/index.html' ? '/' : path);
      if (!asset) {
        if (path === '/' && !assets.built) throw new HttpError(503, 'the page is not built: run `npm run build:web` (npm install does it)');
        throw new HttpError(404, `no page at ${path}`);
      }
      response.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', 'content-length': asset.body.length });
      response.end(asset.body);
      return;
    }
    if (path === '/api/login' && method === 'POST') {
      const body = await readJsonBody(request);
      const cookie = auth.login(typeof body.token === 'string' ? body.token : '');
      if (!cookie) {
        this.options.events.add('warning', 'web.login-refused', `login refused from ${request.socket.remoteAddress ?? 'unknown'}`);
        throw new HttpError(401, 'token: wrong password or token');
      }
      return sendJson(response, 200, { ok: true }, { 'set-cookie': cookie });
    }
    if (!auth.allows(request)) throw new HttpError(401, 'log in first: POST /api/login { "token": ... } or send Authorization: Bearer <web.token>');

    if (method === 'GET') {
      if (path === '/api/session') return sendJson(response, 200, { ok: true, open: auth.open });
      if (path === '/api/config') return sendJson(response, 200, this.pageConfig());
      if (path === '/api/state') return sendJson(response, 200, await this.liveState());
      if (path === '/api/selftest') return sendJson(response, 200, this.options.selftest.current());
      if (path === '/api/state/stream') return this.state.watch(response);
      const camera = path.match(/^\/api\/cameras\/([^/]+)\/(live\.mjpeg|snapshot\.jpg)$/);
      if (camera) {
        const stream = this.stream(decodeURIComponent(camera[1]!));
        if (camera[2] === 'live.mjpeg') return stream.watch(response);
        const jpeg = await stream.jpeg();
        if (!jpeg) throw new HttpError(503, `camera ${camera[1]} delivered no frame in time`);
        response.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'no-store', 'content-length': jpeg.length });
        response.end(jpeg);
        return;
      }
      throw new HttpError(404, `no API at GET ${path}`);
    }
    if (method !== 'POST') throw new HttpError(405, `${method} is not used here`);
    if (path === '/api/logout') return sendJson(response, 200, { ok: true }, { 'set-cookie': auth.logout(request) });
    const body = await readJsonBody(request);
    if (path === '/api/signal/mode') return this.act(response, 'web.set-mode', () => this.actions.mode(body));
    if (path === '/api/signal/step') return this.act(response, 'web.manual-step', () => this.actions.manualStep(body));
    if (path === '/api/monitor/reset') return this.act(response, 'web.monitor-reset', () => this.actions.monitorReset(body));
    if (path === '/api/selftest/run') return this.startSelftest(response, body);
    const geometry = path.match(/^\/api\/cameras\/([^/]+)\/geometry$/);
    if (geometry) {
      const result = await this.act(response, 'web.set-config', () => this.options.geometry.save(decodeURIComponent(geometry[1]!), body));
      // The answer is out before the node stops to apply the new config.
      if (response.writableFinished) this.options.geometry.apply();
      else response.once('finish', () => this.options.geometry.apply());
      return result;
    }
    throw new HttpError(404, `no API at POST ${path}`);
  }

  private async act(response: ServerResponse, type: string, action: () => Promise<unknown>): Promise<void> {
    const result = await action();
    this.options.events.add('warning', type, `${type.slice(4)} from the web page: ${JSON.stringify(result)}`);
    this.options.log.warn(`${type} from the web page`, { result: JSON.stringify(result) });
    sendJson(response, 200, { ok: true, result });
  }

  /** The run goes on after the answer; the page follows it through the state stream and GET /api/selftest. */
  private startSelftest(response: ServerResponse, body: Record<string, unknown>): void {
    requireConfirmation(body, 'the self-test (its lamp test puts the intersection in flash)');
    const outcome = this.options.selftest.start('the web page');
    if (!outcome.started) throw new HttpError(409, `selftest: ${outcome.reason}`);
    outcome.finished.catch((error: Error) => this.options.log.error('self-test failed to run', { error }));
    sendJson(response, 202, { ok: true, started: true });
  }

  private liveState() {
    return liveState(this.options.view, this.system, this.options.events.recent(), this.options.selftest.current());
  }

  private async metrics(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { metricsToken } = this.options;
    if (metricsToken !== null) {
      const given = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
      if (given === undefined || !sameSecret(given, metricsToken)) {
        response.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="nutgiao metrics"' });
        response.end('send Authorization: Bearer <web.metricsToken>\n');
        return;
      }
    }
    const body = await nodeMetrics(this.options.view, this.system);
    response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
    response.end(body);
  }

  private stream(cameraId: string): CameraStream {
    const existing = this.streams.get(cameraId);
    if (existing) return existing;
    const service = this.options.view.cameras().find((camera) => camera.id === cameraId);
    if (!service) throw new HttpError(404, `camera: no running camera "${cameraId}"`);
    const privacyMasks = this.options.view.config.cameras.find((camera) => camera.id === cameraId)?.privacyMasks ?? [];
    const { streamFps, streamMaxSide } = this.options.settings;
    const stream = new CameraStream({ id: cameraId, nextFrame: (timeoutMs) => service.nextFrame(timeoutMs), privacyMasks }, { fps: streamFps, maxSide: streamMaxSide, quality: 60 }, this.options.view.clock, this.options.log);
    this.streams.set(cameraId, stream);
    return stream;
  }

  /** What the page draws and edits: cameras with their lines and zones, the signal's groups and phases. */
  private pageConfig(): PageConfig {
    const { view, geometry } = this.options;
    const { config } = view;
    return {
      node: { id: config.node.id, site: config.node.site, name: config.node.name ?? null },
      canSave: geometry.canSave,
      cameras: config.cameras.map((camera) => {
        const source = view.sources.find((candidate) => candidate.id === camera.id);
        return { id: camera.id, width: source?.width ?? 0, height: source?.height ?? 0, lines: camera.lines, zones: camera.zones, running: view.cameras().some((service) => service.id === camera.id) };
      }),
      signal: { groups: config.signal.groups.map((group) => ({ id: group.id, kind: group.kind, name: group.name ?? null })), phases: config.signal.phases.map((phase) => ({ id: phase.id, groups: phase.groups })) },
    };
  }
}
