import type { Logger } from '../log.js';
import type { MqttSession } from '../telemetry/mqtt-session.js';
import type { CommandRouter } from './command-router.js';

/**
 * Binds a CommandRouter to the MQTT session: subscribes to this node's requests (QoS 1, re-subscribed
 * on every reconnect by the session) and publishes each answer, QoS 1, to the MQTT 5 response topic when
 * the request named one, else to response/<cmd>, echoing the correlation data.
 */
export class CommandService {
  private started = false;

  constructor(
    private readonly session: MqttSession,
    private readonly router: CommandRouter,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.session.onMessage((topic, payload, meta) => {
      if (meta.retained) return; // a retained request is stale by definition; the broker should hold none
      void this.answer(topic, payload, meta.properties);
    });
    this.session.subscribe(this.router.filter(), 1);
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
