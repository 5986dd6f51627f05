import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { COMMANDS, isCommandName } from '../../protocol/commands.js';
import { DEFAULT_PREFIX, SCHEMA_VERSION, decodeMessage, encodeMessage, isValidId, type RequestMessage } from '../../protocol/index.js';
import { generateCommandKeyPair, signRequest } from '../../protocol/sign.js';
import { describeStream, sendStreamedUpdate } from '../update/stream-sender.js';
import { defaultBrokerUrl } from './broker-url-file.js';
import { UsageError, parseNumberOption, type CommandIo } from './command.js';

export const CMD_HELP = `nutgiao cmd NODE@SITE COMMAND [--args JSON] [--key FILE --key-id ID] [--broker URL] [--prefix P] [--timeout S]
nutgiao cmd NODE@SITE update --bundle FILE --key FILE --key-id ID [--rounds N] [--broker URL] [--prefix P] [--timeout S]
nutgiao cmd keygen --out FILE

Sends one command to a node and prints its response as one JSON line; exit 0 when the status is ok,
1 when it is error or refused or no answer came. Commands: ${Object.keys(COMMANDS).join(', ')}.
Commands that can change a signal must be signed: --key names an Ed25519 private key (PEM) and --key-id
its id in the node's commands.keys. 'keygen' writes a new private key to FILE (mode 600) and prints the
public key entry for the node config. The response is matched by id on response/COMMAND (MQTT 3.1.1).

  --args JSON      the command's arguments, e.g. '{"mode":"flash"}'
  --bundle FILE    update only: stream this release bundle (nutgiao release) over MQTT in 64 KiB chunks
                   instead of giving the node a URL; chunks the node reports missing are sent again
  --rounds N       with --bundle: update commands sent at most, the first and resends (default 3)
  --broker URL     default: the broker of a node started here with 'nutgiao start', else mqtt://127.0.0.1:1883
  --timeout S      seconds to wait for the answer (default 15; with --bundle 120, counted from the request
                   and again from the last chunk: more than the node's update.streamChunkTimeoutS)`;

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
      timeout: { type: 'string' },
      bundle: { type: 'string' },
      rounds: { type: 'string', default: '3' },
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
  if (values.bundle !== undefined) {
    if (cmd !== 'update') throw new UsageError(`--bundle: only the update command takes a bundle (got ${cmd})`);
    if (args !== undefined) throw new UsageError('--bundle and --args: give one (--args {"url":…} for a download, --bundle FILE to stream it)');
    if (values.key === undefined) throw new UsageError('--bundle: update must be signed, give --key and --key-id');
  }
  const timeoutS = parseNumberOption('--timeout', values.timeout ?? (values.bundle === undefined ? '15' : '120'), { min: 1, max: 3600 });
  const privateKey = values.key === undefined ? undefined : await readFile(values.key, 'utf8');
  const makeRequest = (requestArgs: Record<string, unknown> | undefined): RequestMessage => {
    const request: RequestMessage = { v: SCHEMA_VERSION, id: randomBytes(8).toString('hex'), cmd, ts: Date.now(), ...(requestArgs ? { args: requestArgs } : {}) };
    return privateKey === undefined ? request : signRequest(request, { keyId: values['key-id']!, privateKey }, { site, node });
  };
  const bundle = values.bundle === undefined ? undefined : await readFile(values.bundle);
  const rounds = parseNumberOption('--rounds', values.rounds!, { integer: true, min: 1, max: 20 });

  const base = `${values.prefix}/${site}/${node}`;
  const client = await mqtt.connectAsync(values.broker ?? (await defaultBrokerUrl(io.cwd)), { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: Math.min(timeoutS, 60) * 1000 });
  try {
    if (bundle !== undefined) {
      const stream = describeStream(bundle);
      io.err(`streaming ${values.bundle} (${bundle.length} bytes, sha256 ${stream.sha256}) to ${node}@${site} as transfer ${stream.transferId}: ${stream.chunks} chunks of ${stream.chunkSize} bytes`);
      const response = await sendStreamedUpdate({ client, prefix: values.prefix!, site, node, bundle, stream, request: async (streamArgs) => makeRequest(streamArgs), timeoutMs: timeoutS * 1000, rounds, progress: io.err });
      return printResponse(response, io, `no response from ${node}@${site} to update within ${timeoutS} s`);
    }
    const request = makeRequest(args);
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
    return printResponse(await answer, io, `no response from ${node}@${site} to ${cmd} within ${timeoutS} s`);
  } finally {
    await client.endAsync(true);
  }
}

function printResponse(response: Record<string, unknown> | null, io: CommandIo, noAnswer: string): number {
  if (!response) {
    io.err(noAnswer);
    return 1;
  }
  // Bytes (a snapshot's JPEG) print as base64.
  io.out(JSON.stringify(response, bytesAsBase64));
  return response.status === 'ok' ? 0 : 1;
}

/** A JSON replacer; it reads the holder's own value, since Buffer.toJSON runs before a replacer sees it. */
function bytesAsBase64(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : value;
}
