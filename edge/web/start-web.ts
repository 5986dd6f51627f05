import type { LampSensor } from '../hal/lamp-sensor.js';
import type { Logger } from '../log.js';
import { RunningNodeSelftest, type RunningNodeSelftestParts } from '../selftest/running-node-selftest.js';
import type { SignalService } from '../signal/signal-service.js';
import { EventLog } from './event-log.js';
import { GeometryEdit } from './geometry-edit.js';
import type { NodeView } from './node-view.js';
import { builtPageDir, StaticAssets } from './static-assets.js';
import { WebAuth } from './web-auth.js';
import { resolveWebCredentials } from './web-credentials.js';
import { WebServer } from './web-server.js';

export interface WebParts extends NodeView {
  configPath: string | null;
  stateDir: string;
  /** The conflict monitor's lamp sensor, read by the self-test's lamp test. */
  lampSensor: LampSensor;
  /** Publishes an event through the node's telemetry (the self-test's result); true once acknowledged. */
  publishEvent: RunningNodeSelftestParts['publish'];
  stopAndExit: (reason: string, exitCode: number) => void;
  log: Logger;
}

/**
 * The technician's page when config web.enabled; null when disabled. Config validation already refused a
 * page off localhost without web.token; a credential that cannot be read ({ env } unset, { file } missing)
 * throws WebCredentialError naming the field, and the node runs on without its page.
 */
export async function startWebServer(parts: WebParts): Promise<WebServer | null> {
  const settings = parts.config.web;
  if (!settings.enabled) return null;
  const credentials = resolveWebCredentials(settings);
  const events = new EventLog();
  followSignal(parts.signal(), events);
  const log = parts.log.child('web');
  const selftest = await RunningNodeSelftest.open({
    config: parts.config,
    configHash: parts.configHash,
    stateDir: parts.stateDir,
    signal: parts.signal,
    lampSensor: parts.lampSensor,
    cameras: parts.cameras,
    sources: parts.sources,
    linkStats: () => parts.link().stats(),
    publish: parts.publishEvent,
    onEvent: (type, severity, message) => events.add(severity === 'error' ? 'critical' : severity === 'warning' ? 'warning' : 'info', type, message),
    log: log.child('selftest'),
  });
  const assets = await StaticAssets.load(builtPageDir());
  if (!assets.built) log.warn('the web page is not built (npm run build:web): only the API and /metrics are served');
  const server = new WebServer({
    settings,
    auth: new WebAuth(credentials.token),
    metricsToken: credentials.metricsToken,
    view: parts,
    assets,
    geometry: new GeometryEdit(parts.config, parts.configPath, parts.config.commands.configTrialS, parts.stopAndExit),
    events,
    selftest,
    log,
  });
  await server.start();
  return server;
}

function followSignal(signal: SignalService, events: EventLog): void {
  signal.phaseController().on((event) => events.controllerEvent(event));
  signal.conflictMonitor().onEvent((event) => events.monitorEvent(event));
}
