import type { Logger } from '../log.js';
import type { MqttSession } from '../telemetry/mqtt-session.js';
import type { CommandRouter } from './command-router.js';
import type { RequestInbox } from './request-inbox.js';

/**
 * Binds a CommandRouter to this node's requests (the inbox, subscribed since the first connect, QoS 1 and
 * re-subscribed on every reconnect by the session) and publishes each answer, QoS 1, to the MQTT 5
 * response topic when the request named one, else to response/<cmd>, echoing the correlation data.
 */
export class CommandService {
  private started = false;

  constructor(
    private readonly session: MqttSession,
    private readonly router: CommandRouter,
    private readonly inbox: RequestInbox,
    private readonly log: Logger,
  ) {
    if (inbox.filter !== router.filter()) throw new Error(`CommandService: the inbox holds ${inbox.filter}, the router answers ${router.filter()}`);
  }

  /** Answers the requests held since connect, then each one as it arrives. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.inbox.attach((topic, payload, properties) => void this.answer(topic, payload, properties));
  }

  private async answer(topic: string, payload: Buffer, properties: { responseTopic?: string; correlationData?: Buffer }): Promise<void> {
    const response = await this.router.handle(topic, payload, properties);
    if (!response) return;
    const options = response.properties.correlationData === undefined ? { qos: 1 as const } : { qos: 1 as const, correlationData: response.properties.correlationData };
    const delivered = await this.session.publish(response.topic, response.payload, options);
    if (!delivered) this.log.warn('command response not acknowledged by the broker', { topic: response.topic, cmd: response.message.cmd, id: response.message.id });
    this.log.info(`command ${response.message.cmd} ${response.message.status}`, { id: response.message.id, ...(response.message.error ? { error: response.message.error } : {}) });
    response.afterResponse?.();
  }
}
