import type { Config } from '../../config/index.js';
import type { CommandHandler } from '../command-handler.js';

/** get-config: the running config; an inline password is never sent back. */
export function getConfigHandler(config: Config, hash: string): CommandHandler {
  return {
    name: 'get-config',
    async run() {
      const copy = structuredClone(config) as Config;
      if (typeof copy.mqtt.password === 'string') copy.mqtt.password = '(inline, not shown)';
      return { config: withoutUndefined(copy), hash };
    },
  };
}

/** The wire format has no undefined; optional fields left unset are simply absent. */
function withoutUndefined(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
