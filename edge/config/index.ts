/** The node's configuration: one schema, validation that reports every error, loading from YAML/JSON. */
export {
  ConfigSchema,
  GPIO_DRIVERS,
  WATCHDOG_DRIVERS,
  MQTT_PROTOCOLS,
  RECALL_MODES,
  type Config,
  type GpioDriver,
  type WatchdogDriver,
  type Phase,
  type Pin,
  type SignalGroup,
} from './schema.js';
export { validateConfig, type ValidationResult } from './validate.js';
export { crossCheck } from './cross-check.js';
export { parseConfigText, ConfigSyntaxError } from './parse.js';
export { loadConfigFile, type LoadResult } from './load.js';
export { configHash } from './hash.js';
export { resolveSecrets, type SecretsResult, type ReadTextFile } from './secrets.js';
export { formatErrors } from './format-errors.js';
export { EXAMPLE_CONFIG_PATH } from './example.js';
