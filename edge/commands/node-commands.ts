import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { validateConfig } from '../config/index.js';
import type { Clock } from '../hal/clock.js';
import type { LampSensor } from '../hal/lamp-sensor.js';
import type { Logger } from '../log.js';
import type { SignalService } from '../signal/signal-service.js';
import type { MqttSession } from '../telemetry/mqtt-session.js';
import type { TelemetryPublisher } from '../telemetry/publisher.js';
import type { CameraService } from '../vision/camera-service.js';
import { CommandRouter, type CommandRouterOptions } from './command-router.js';
import { CommandService } from './command-service.js';
import type { RequestInbox } from './request-inbox.js';
import { getConfigHandler } from './handlers/get-config.js';
import { manualStepHandler } from './handlers/manual-step.js';
import { monitorResetHandler } from './handlers/monitor-reset.js';
import { replayHandler, type ReplaySource } from './handlers/replay.js';
import { restartHandler } from './handlers/restart.js';
import { selftestHandler, type SelftestProbe } from './handlers/selftest.js';
import { setConfigHandler } from './handlers/set-config.js';
import { setModeHandler } from './handlers/set-mode.js';
import { confirmConfigTrial, pendingTrial, revertConfigTrial } from './config-trial.js';
import { confirmHealthyOrRevert } from './trial-after-restart.js';
import { updateHandler, type UpdateContext } from './handlers/update.js';
import { packageRoot } from '../update/package-root.js';
import { releasesDir } from '../update/slots.js';
import { superviseUpdateTrial } from '../update/update-supervision.js';
import { UpdateStreamReceiver } from '../update/stream-receiver.js';
import { parseUpdateStreamTopic, updateStreamFilter } from '../../protocol/topics.js';
import { packageVersion } from '../version.js';
import { RESTART_EXIT_CODE } from './handlers/restart.js';
import { snapshotHandler } from './handlers/snapshot.js';
import { NonceStore } from './nonce-store.js';
import { RequestAuthenticator } from './request-authenticator.js';

export interface NodeCommandParts {
  config: Config;
  configHash: string;
  /** The config file the node was started from; null when set-config may not rewrite it (the shipped example). */
  configPath: string | null;
  boot: number;
  stateDir: string;
  session: MqttSession;
  /** This node's requests, subscribed since connect and held until the handlers are ready (null: commands disabled). */
  requests: RequestInbox | null;
  publisher: TelemetryPublisher;
  signal: () => SignalService;
  lampSensor: LampSensor;
  cameras: () => readonly CameraService[];
  /** The durable outbox's replay, when the node has one. */
  replay: () => ReplaySource | null;
  /** Stops the node cleanly, then ends the process with the code (the supervisor restarts it). */
  stopAndExit: (reason: string, exitCode: number) => void;
  clock: Clock;
  log: Logger;
}

/** The node's commands, authenticated per config; null when commands.enabled is false. */
export async function startNodeCommands(parts: NodeCommandParts): Promise<CommandService | null> {
  const { config, publisher, log } = parts;
  const settings = config.commands;
  if (!settings.enabled || parts.requests === null) return null;
  const target = { site: config.node.site, node: config.node.id };
  const authenticate = await openAuthentication(parts, target);
  const router = new CommandRouter({
    prefix: config.mqtt.prefix,
    ...target,
    boot: parts.boot,
    handlers: [
      getConfigHandler(config, parts.configHash),
      setConfigHandler(config, parts.configPath, settings.configTrialS, parts.stopAndExit),
      setModeHandler(parts.signal),
      manualStepHandler(() => parts.signal().phaseController()),
      monitorResetHandler(() => parts.signal().conflictMonitor()),
      restartHandler(parts.stopAndExit),
      updateHandler(updateContext(parts)),
      selftestHandler(() => selftestProbes(parts)),
      replayHandler(parts.replay),
      snapshotHandler(() =>
        parts.cameras().map((service) => {
          const id = service.summary().id;
          return { id, nextFrame: (timeoutMs: number) => service.nextFrame(timeoutMs), privacyMasks: config.cameras.find((camera) => camera.id === id)?.privacyMasks ?? [] };
        }),
      ),
    ],
    authenticate,
    signReadOnly: settings.signReadOnly,
    clock: parts.clock,
    log: log.child('commands'),
    audit: (event) => void publisher.event(event.type, event.severity, event.message, event.data),
  });
  const service = new CommandService(parts.session, router, parts.requests, log.child('commands'));
  service.start();
  if (parts.configPath !== null) void superviseConfigTrial(parts, parts.configPath);
  void superviseUpdateTrial({
    releasesDir: releasesDir(parts.stateDir),
    packageRoot: packageRoot(),
    healthy: () => parts.session.linkState() === 'connected',
    event: (type, severity, message, data) => void publisher.event(type, severity, message, data),
    stopAndExit: parts.stopAndExit,
    log: log.child('update'),
  });
  return service;
}

/**
 * A config on trial (set-config) is confirmed once the link to the broker is up within its time, else
 * the previous one is put back and the node restarts into it. An earlier start's rollback is reported.
 */
async function superviseConfigTrial(parts: NodeCommandParts, configPath: string): Promise<void> {
  const { publisher, session, log } = parts;
  try {
    const { trial, reverted } = await pendingTrial(configPath);
    if (reverted) void publisher.event('config.reverted', 'error', `set-config rolled back: ${reverted}`, { configHash: parts.configHash });
    if (!trial) return;
    const reason = `the node did not reach the broker within ${trial.trialS} s with the new config: the previous config was restored`;
    const outcome = await confirmHealthyOrRevert({
      withinS: trial.trialS,
      healthy: () => session.linkState() === 'connected',
      confirm: () => confirmConfigTrial(configPath),
      revert: () => revertConfigTrial(configPath, reason),
    });
    if (outcome === 'confirmed') {
      void publisher.event('config.applied', 'info', 'set-config applied: the node came up healthy with the new config', { configHash: parts.configHash });
      return;
    }
    log.error(reason);
    parts.stopAndExit('config trial failed', RESTART_EXIT_CODE);
  } catch (error) {
    log.error('config trial supervision failed', { error: error as Error });
  }
}

function updateContext(parts: NodeCommandParts): UpdateContext {
  return {
    settings: parts.config.update,
    releasesDir: releasesDir(parts.stateDir),
    packageRoot: packageRoot(),
    version: packageVersion(),
    streams: startUpdateStreams(parts),
    stopAndExit: parts.stopAndExit,
    refused: (reason, origin) => void parts.publisher.event('update.refused', 'error', `update refused: ${reason}`, { ...origin, reason }),
  };
}

/** Takes the chunks of bundles streamed over MQTT to this node (update-stream/<transferId>/<chunk>). */
function startUpdateStreams(parts: NodeCommandParts): UpdateStreamReceiver {
  const { config, publisher, session } = parts;
  const settings = config.update;
  const receiver = new UpdateStreamReceiver({
    dir: join(releasesDir(parts.stateDir), 'incoming'),
    maxBytes: settings.maxBundleMiB * 1024 * 1024,
    chunkTimeoutMs: settings.streamChunkTimeoutS * 1000,
    clock: parts.clock,
    opened: (opened) =>
      void publisher.event('update.stream-open', 'info', `taking ${opened.missingCount} of ${opened.chunks} chunks of transfer ${opened.transferId}`, { ...opened }),
    refused: (refusal) => void publisher.event('update.chunk-refused', 'warning', `update chunk refused: ${refusal.reason}`, { ...refusal }),
  });
  const { prefix } = config.mqtt;
  const { site, id: node } = config.node;
  session.onMessage((topic, payload) => {
    const parsed = parseUpdateStreamTopic(prefix, site, node, topic);
    if (parsed.ok) receiver.chunk(parsed.transferId, parsed.index, payload);
  });
  session.subscribe(updateStreamFilter(prefix, site, node), 1);
  return receiver;
}

/**
 * Signature checks over the configured keys and the persisted nonces. A bad key or a damaged nonce file
 * must not keep the signal from running, so it is reported and signed commands are refused until fixed.
 */
async function openAuthentication(parts: NodeCommandParts, target: { site: string; node: string }): Promise<CommandRouterOptions['authenticate']> {
  const settings = parts.config.commands;
  if (settings.keys.length === 0) return null;
  try {
    const nonces = await NonceStore.open(parts.stateDir, settings.maxNonces);
    const authenticator = new RequestAuthenticator(settings.keys, target, settings.timestampWindowS * 1000, nonces, parts.clock);
    return (request) => authenticator.check(request);
  } catch (error) {
    const reason = `command authentication unavailable: ${(error as Error).message}`;
    parts.log.error(reason);
    void parts.publisher.event('commands.auth-unavailable', 'error', `signed commands refused: ${(error as Error).message}`);
    return async () => ({ ok: false, reason });
  }
}

/** The basic self-test; the technician's self-test (issue 6) adds to it. */
function selftestProbes(parts: NodeCommandParts): SelftestProbe[] {
  return [
    {
      name: 'config',
      run: async () => {
        const result = validateConfig(parts.config);
        return result.ok ? { ok: true, detail: `valid (hash ${parts.configHash})` } : { ok: false, detail: result.errors.join('; ') };
      },
    },
    {
      name: 'lamp-sensing',
      run: async () => {
        parts.lampSensor.read(); // throws when the sensor cannot be read
        return { ok: true, detail: `${parts.lampSensor.groups.length} groups read` };
      },
    },
    {
      name: 'monitor',
      run: async () => {
        const fault = parts.signal().conflictMonitor().latchedFault();
        return fault ? { ok: false, detail: `latched: ${fault.kind}` } : { ok: true, detail: 'not latched' };
      },
    },
    {
      name: 'cameras',
      run: async () => {
        const cameras = parts.cameras();
        if (parts.config.cameras.length === 0) return { ok: true, detail: 'no cameras configured' };
        const missing = parts.config.cameras.filter((camera) => !cameras.some((service) => service.summary().id === camera.id)).map((camera) => camera.id);
        const before = new Map(cameras.map((service) => [service.summary().id, service.summary().processed]));
        const deadline = Date.now() + 3000;
        let stalled = cameras.map((service) => service.summary().id);
        while (stalled.length > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          stalled = cameras.filter((service) => service.summary().processed <= (before.get(service.summary().id) ?? 0)).map((service) => service.summary().id);
        }
        const problems = [...missing.map((id) => `${id} not running`), ...stalled.map((id) => `${id} delivered no frame in 3 s`)];
        return problems.length === 0 ? { ok: true, detail: `${cameras.length} delivering frames` } : { ok: false, detail: problems.join('; ') };
      },
    },
    {
      name: 'broker',
      run: async () => {
        const acknowledged = await parts.publisher.event('selftest.broker', 'debug', 'self-test: broker round trip');
        return acknowledged ? { ok: true, detail: 'a QoS 1 publish was acknowledged' } : { ok: false, detail: 'a QoS 1 publish was not acknowledged' };
      },
    },
  ];
}
