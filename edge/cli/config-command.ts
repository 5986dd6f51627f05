import { formatErrors, loadConfigFile } from '../config/index.js';
import { UsageError, type CommandIo } from './command.js';

export const CONFIG_HELP = `nutgiao config check FILE

Validates a node config (YAML or JSON): the schema and the cross-field safety checks. Prints every error
at once, each with the path of the field and how to fix it, and exits 1; exits 0 when the config is valid.`;

export async function configCommand(argv: string[], io: CommandIo): Promise<number> {
  const [action, file, ...extra] = argv;
  if (action === '-h' || action === '--help') {
    io.out(CONFIG_HELP);
    return 0;
  }
  if (action !== 'check') throw new UsageError(action ? `unknown action '${action}' (expected 'check')` : "missing action (expected 'config check FILE')");
  if (!file) throw new UsageError('missing FILE (nutgiao config check FILE)');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const loaded = await loadConfigFile(file);
  if (!loaded.ok) {
    io.out(formatErrors(loaded.errors, file));
    return 1;
  }
  io.out(`${file}: valid (node ${loaded.config.node.id}@${loaded.config.node.site}, config hash ${loaded.hash})`);
  return 0;
}
