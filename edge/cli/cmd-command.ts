import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { COMMANDS, isCommandName } from '../../protocol/commands.js';
import { DEFAULT_PREFIX, SCHEMA_VERSION, decodeMessage, encodeMessage, isValidId, type RequestMessage } from '../../protocol/index.js';
import { generateCommandKeyPair, signRequest } from '../../protocol/sign.js';
import { defaultBrokerUrl } from './broker-url-file.js';
import { UsageError, parseNumberOption, type CommandIo } from './command.js';

export const CMD_HELP = `nutgiao cmd NODE@SITE COMMAND [--args JSON] [--key FILE --key-id ID] [--broker URL] [--prefix P] [--timeout S]
nutgiao cmd keygen --out FILE

Sends one command to a node and prints its response as one JSON line; exit 0 when the status is ok,
1 when it is error or refused or no answer came. Commands: ${Object.keys(COMMANDS).join(', ')}.
Commands that can change a signal must be signed: --key names an Ed25519 private key (PEM) and --key-id
its id in the node's commands.keys. 'keygen' writes a new private key to FILE (mode 600) and prints the
public key entry for the node config. The response is matched by id on response/COMMAND (MQTT 3.1.1).

  --args JSON      the command's arguments, e.g. '{"mode":"flash"}'
  --broker URL     default: the broker of a node started here with 'nutgiao start', else mqtt://127.0.0.1:1883
  --timeout S      seconds to wait for the answer (default 15)`;

export async function cmdCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      args: { type: 'string' },
      key: { type: 'string' },
      'key-id': { type: 'string' },
      broker: { type: 'string' },
      prefix: { type: 'string', default: DEFAULT_PREFIX },
      timeout: { type: 'string', default: '15' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(CMD_HELP);
    return 0;
  }
  if (positionals[0] === 'keygen') {
    if (!values.out) throw new UsageError('keygen needs --out FILE for the private key');
    const pair = generateCommandKeyPair();
    await writeFile(values.out, pair.privateKeyPem, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EEXIST' ? new UsageError(`--out: ${values.out} exists; keygen never overwrites a key`) : error;
    });
    io.out(JSON.stringify({ privateKeyFile: values.out, publicKey: pair.publicKey, configEntry: `{ id: <choose one>, publicKey: ${pair.publicKey} }` }));
    return 0;
  }
  const [target, cmd] = positionals;
  const [node, site] = (target ?? '').split('@');
  if (!isValidId(node) || !isValidId(site)) throw new UsageError(`NODE@SITE: expected e.g. sim-0001@demo, got ${JSON.stringify(target ?? '')}`);
  if (cmd === undefined || !isCommandName(cmd)) throw new UsageError(`COMMAND: expected one of ${Object.keys(COMMANDS).join(', ')}`);
  let args: Record<string, unknown> | undefined;
  if (values.args !== undefined) {
    try {
      args = JSON.parse(values.args) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`--args: not JSON (${(error as Error).message})`);
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new UsageError('--args: must be a JSON object, e.g. {"mode":"flash"}');
  }
  if ((values.key === undefined) !== (values['key-id'] === undefined)) throw new UsageError('--key and --key-id go together');
  const timeoutS = parseNumberOption('--timeout', values.timeout!, { min: 1, max: 600 });
  let request: RequestMessage = { v: SCHEMA_VERSION, id: randomBytes(8).toString('hex'), cmd, ts: Date.now(), ...(args ? { args } : {}) };
  if (values.key !== undefined) request = signRequest(request, { keyId: values['key-id']!, privateKey: await readFile(values.key, 'utf8') }, { site, node });

  const base = `${values.prefix}/${site}/${node}`;
  const client = await mqtt.connectAsync(values.broker ?? (await defaultBrokerUrl(io.cwd)), { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: timeoutS * 1000 });
  try {
    const answer = new Promise<Record<string, unknown> | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutS * 1000);
      client.on('message', (topic, payload) => {
        const decoded = decodeMessage('response', payload);
        if (topic !== `${base}/response/${cmd}` || !decoded.ok || decoded.message.id !== request.id) return;
        clearTimeout(timer);
        resolve(decoded.message as Record<string, unknown>);
      });
    });
    await client.subscribeAsync(`${base}/response/${cmd}`, { qos: 1 });
    await client.publishAsync(`${base}/request/${cmd}`, encodeMessage('request', request), { qos: 1 });
    const response = await answer;
    if (!response) {
      io.err(`no response from ${node}@${site} to ${cmd} within ${timeoutS} s`);
      return 1;
    }
    // Bytes (a snapshot's JPEG) print as base64.
    io.out(JSON.stringify(response, bytesAsBase64));
    return response.status === 'ok' ? 0 : 1;
  } finally {
    await client.endAsync(true);
  }
}

/** A JSON replacer; it reads the holder's own value, since Buffer.toJSON runs before a replacer sees it. */
function bytesAsBase64(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : value;
}
