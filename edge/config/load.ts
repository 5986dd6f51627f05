/** Reading a config file: read, parse, validate, resolve relative paths, fingerprint. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { EXAMPLE_CONFIG_PATH } from './example.js';
import { configHash } from './hash.js';
import { ConfigSyntaxError, parseConfigText } from './parse.js';
import { resolveConfigPaths } from './resolve-paths.js';
import type { Config } from './schema.js';
import { validateConfig } from './validate.js';

export type LoadResult = { ok: true; config: Config; hash: string; path: string } | { ok: false; errors: string[] };

function readFailure(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return `${path}: config file not found (check the path, or start from the example: cp ${EXAMPLE_CONFIG_PATH} ${path})`;
  }
  if (code === 'EACCES' || code === 'EPERM') return `${path}: permission denied (the node's user must be able to read it)`;
  if (code === 'EISDIR') return `${path}: is a directory (give the config file itself)`;
  return `${path}: cannot read (${error instanceof Error ? error.message : String(error)})`;
}

/**
 * Loads and validates a config file. Relative state.dir, TLS and password-file paths come back absolute,
 * resolved against the file's folder; `hash` is configHash of the returned config.
 */
export async function loadConfigFile(path: string): Promise<LoadResult> {
  const absolutePath = resolve(path);
  let text: string;
  try {
    text = await readFile(absolutePath, 'utf8');
  } catch (error) {
    return { ok: false, errors: [readFailure(path, error)] };
  }
  let raw: unknown;
  try {
    raw = parseConfigText(text, path);
  } catch (error) {
    if (error instanceof ConfigSyntaxError) return { ok: false, errors: error.errors };
    throw error;
  }
  const result = validateConfig(raw);
  if (!result.ok) return result;
  const config = resolveConfigPaths(result.config, dirname(absolutePath));
  return { ok: true, config, hash: configHash(config), path: absolutePath };
}
