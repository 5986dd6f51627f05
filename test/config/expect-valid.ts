import * as assert from 'uvu/assert';
import { validateConfig, type Config } from '../../edge/config/index.js';

/** Validates `raw`, failing the test with every error when it is not valid. */
export function expectValid(raw: unknown): Config {
  const result = validateConfig(raw);
  if (!result.ok) {
    const message = `expected a valid config, got:\n${result.errors.join('\n')}`;
    throw new assert.Assertion({ message, operator: 'ok', expects: [], actual: result.errors });
  }
  return result.config;
}
