import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { collectCommand } from '../../edge/cli/collect-command.js';
import type { CommandIo } from '../../edge/cli/command.js';
import { NodeProcess } from '../support/node-process.js';

/** `nutgiao collect` refuses a wrong call before touching the broker or the database. */
const test = suite('nutgiao collect: usage');

const io: CommandIo = { out: () => undefined, err: () => undefined, cwd: process.cwd(), env: {}, onInterrupt: () => undefined };

test('help names the shared subscription, the database and the key; a wrong call exits 2', async () => {
  const help = NodeProcess.spawn(['help', 'collect']);
  assert.is((await help.exited).code, 0);
  const text = help.stdout.join('\n');
  for (const part of ['--broker URL', '--db URL', '--share GROUP', '--client-id', '--key FILE --key-id ID', '$share/GROUP/PREFIX/+/+/+']) assert.ok(text.includes(part), part);
  const wrong = NodeProcess.spawn(['collect', '--db', 'postgres://x@h/db']);
  assert.is((await wrong.exited).code, 2);
  assert.match(wrong.stderr.join('\n'), /nutgiao collect: --broker URL is required/);
});

test('each missing or wrong option is a usage error naming it and the fix', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--db', 'postgres://x@h/db'], /--broker URL is required, e.g. --broker mqtt:\/\/127\.0\.0\.1:1883/],
    [['--broker', 'mqtt://h'], /--db URL is required/],
    [['--broker', 'mqtt://h', '--db', 'mysql://u:secret@h/db'], /--db: expected a postgres:\/\/ URL, got "mysql:\/\/u:\*\*\*@h\/db"/],
    [['--broker', 'mqtt://h', '--db', 'postgres://h/db', '--share', 'a/b'], /--share: "a\/b" is invalid/],
    [['--broker', 'mqtt://h', '--db', 'postgres://h/db', '--key', 'k.pem'], /--key and --key-id go together/],
    [['--broker', 'mqtt://h', '--db', 'postgres://h/db', '--batch-size', '0'], /--batch-size: must be >= 1/],
  ];
  for (const [argv, expected] of cases) {
    try {
      await collectCommand(argv, io);
      assert.unreachable(argv.join(' '));
    } catch (error) {
      assert.is((error as Error).name, 'UsageError', argv.join(' '));
      assert.match((error as Error).message, expected);
      assert.not.match((error as Error).message, /secret/);
    }
  }
});

test.run();
