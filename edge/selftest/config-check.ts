import type { SelftestCheck } from './selftest-check.js';
import { row } from './selftest-check.js';

export type ConfigVerdict = { ok: true; hash: string } | { ok: false; errors: string[] };

/** Config validity: the schema and every cross-field safety check, each error with its path. */
export function configCheck(validate: () => Promise<ConfigVerdict> | ConfigVerdict): SelftestCheck {
  return {
    name: 'config',
    async run() {
      const verdict = await validate();
      if (verdict.ok) return [row('config', 'pass', `valid (hash ${verdict.hash})`, { hash: verdict.hash })];
      return [row('config', 'fail', verdict.errors.join('; '), { errors: verdict.errors.length })];
    },
  };
}
