/**
 * Relative paths in a config file mean "next to this file", not "next to wherever the process was
 * started", so a service manager and a technician's shell find the same state directory and certificates.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Config } from './schema.js';

export function resolveConfigPaths(config: Config, baseDir: string): Config {
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  const absoluteIfSet = (path: string | undefined) => (path === undefined ? undefined : absolute(path));
  const { mqtt } = config;
  const password =
    typeof mqtt.password === 'object' && 'file' in mqtt.password ? { file: absolute(mqtt.password.file) } : mqtt.password;
  const tls =
    mqtt.tls === undefined
      ? undefined
      : dropUndefined({ ...mqtt.tls, ca: absoluteIfSet(mqtt.tls.ca), cert: absoluteIfSet(mqtt.tls.cert), key: absoluteIfSet(mqtt.tls.key) });
  return {
    ...config,
    mqtt: dropUndefined({ ...mqtt, password, tls }),
    state: { ...config.state, dir: absolute(config.state.dir) },
    outbox: config.outbox.dir === undefined ? config.outbox : { ...config.outbox, dir: absolute(config.outbox.dir) },
  };
}

/** Keeps optional fields absent rather than present-and-undefined, so the config stays equal to its JSON. */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
