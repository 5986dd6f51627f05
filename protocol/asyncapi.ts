/**
 * The AsyncAPI 3.0 document of the protocol, built from the same TypeBox schemas the codec validates
 * with (messages.ts, commands.ts) and the v2 wire schemas (compact-wire-schemas.ts), so the central
 * system can generate its decoder from it.
 * `npm run asyncapi` writes it to protocol/asyncapi.json; a test fails when the committed file differs.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { COMPACT_WIRE_SCHEMAS } from './compact-wire-schemas.js';
import { COMPACT_WIRE_VERSION } from './compact-wire.js';
import { COMMANDS, MAX_UPDATE_CHUNK_BYTES, type CommandName } from './commands.js';
import { MESSAGE_SCHEMAS, SCHEMA_VERSION } from './messages.js';
import { SIGNATURE_DOMAIN } from './sign.js';
import { DEFAULT_PREFIX, ID_PATTERN, TELEMETRY_KINDS, UPDATE_STREAM_LEVEL, type TelemetryKind } from './topics.js';

/** Plain JSON Schema: TypeBox's symbol keys dropped, key order as declared. */
function jsonSchema(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

export const RequestAuthSchema = Type.Object(
  {
    key: Type.String({ minLength: 1, description: 'id of a key in the node config commands.keys' }),
    nonce: Type.String({ minLength: 8, maxLength: 128, description: 'never reused; the node refuses a nonce it has seen' }),
    sig: Type.Unsafe<Uint8Array>({ 'x-msgpack-type': 'bin', minLength: 64, maxLength: 64, description: 'raw Ed25519 signature (64 bytes, MessagePack bin) over the canonical bytes' }),
  },
  { description: 'Signature of a request; required on commands that can change a signal' },
);

const SIGNATURE_SCHEME = [
  `Signed bytes: the canonical MessagePack encoding of the array ["${SIGNATURE_DOMAIN}", site, node, cmd, id, ts, nonce, args],`,
  'args being the request args (an empty map when absent); every map key sorted by UTF-16 code unit order, recursively;',
  'integers in the smallest MessagePack integer form (ts as uint64), other numbers float64, strings as str, bytes as bin',
  '(what msgpack.packb(value, use_bin_type=True) writes with sorted dicts). Algorithm: Ed25519 (RFC 8032), no prehash.',
  'The node accepts a request when auth.key names a key in its commands.keys, the signature verifies, ts is within',
  'commands.timestampWindowS (default 60 s) of its clock, and auth.nonce was never accepted before (persisted across restarts).',
  'Otherwise it answers status "refused" with the reason and publishes a command.refused event.',
  'Reference implementation: protocol/sign.ts (signRequest, canonicalRequestBytes).',
].join(' ');

const TELEMETRY: Record<TelemetryKind, { qos: 0 | 1; retain: boolean; summary: string }> = {
  state: { qos: 1, retain: true, summary: 'Birth (online, on every connect) and death (offline: the last will, and on a clean stop). Retained.' },
  health: { qos: 0, retain: false, summary: 'Sampled node health; carries no seq.' },
  event: { qos: 1, retain: false, summary: 'Something that happened (faults, safety events, audit of commands); carries seq.' },
  counts: { qos: 1, retain: false, summary: 'Vehicles counted per line and direction over one period; carries seq.' },
  signal: { qos: 1, retain: false, summary: 'The signal mode and every group aspect at each change; carries seq.' },
};

const ref = (path: string) => ({ $ref: path });

export function buildAsyncApi(): Record<string, unknown> {
  const parameters = {
    site: { description: `site id (${ID_PATTERN})` },
    node: { description: `node id (${ID_PATTERN})` },
  };
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};

  for (const kind of TELEMETRY_KINDS) {
    const spec = TELEMETRY[kind];
    schemas[kind] = jsonSchema(MESSAGE_SCHEMAS[kind]);
    const payload =
      kind === 'state'
        ? ref(`#/components/schemas/${kind}`)
        : { oneOf: [ref(`#/components/schemas/${kind}-v${COMPACT_WIRE_VERSION}`), ref(`#/components/schemas/${kind}`)], description: `v ${COMPACT_WIRE_VERSION} (compact, read with the birth's structures) as nodes send it; v 1 as older nodes sent it` };
    if (kind !== 'state') schemas[`${kind}-v${COMPACT_WIRE_VERSION}`] = jsonSchema(COMPACT_WIRE_SCHEMAS[kind]);
    messages[kind] = { name: kind, title: kind, summary: spec.summary, contentType: 'application/msgpack', payload };
    channels[kind] = { address: `${DEFAULT_PREFIX}/{site}/{node}/${kind}`, parameters, messages: { [kind]: ref(`#/components/messages/${kind}`) } };
    operations[`send-${kind}`] = {
      action: 'send',
      channel: ref(`#/channels/${kind}`),
      summary: `The node publishes ${kind} (QoS ${spec.qos}${spec.retain ? ', retained' : ''}).`,
      bindings: { mqtt: { qos: spec.qos, retain: spec.retain, bindingVersion: '0.2.0' } },
    };
  }

  schemas.request = jsonSchema(MESSAGE_SCHEMAS.request);
  schemas.response = jsonSchema(MESSAGE_SCHEMAS.response);
  schemas.requestAuth = jsonSchema(RequestAuthSchema);
  const correlationId = { description: 'MQTT 5 correlation data, echoed in the response', location: '$message.header#/correlationData' };
  for (const [name, spec] of Object.entries(COMMANDS) as Array<[CommandName, (typeof COMMANDS)[CommandName]]>) {
    schemas[`${name}-args`] = jsonSchema(spec.args);
    const auth = spec.changesSignal ? 'Must be signed (auth).' : 'Signed only when the node sets commands.signReadOnly.';
    messages[`${name}-request`] = {
      name: `${name}-request`,
      title: `${name} request`,
      summary: `${spec.summary} ${auth}`,
      contentType: 'application/msgpack',
      correlationId,
      payload: {
        allOf: [
          ref('#/components/schemas/request'),
          {
            type: 'object',
            properties: { cmd: { const: name }, args: ref(`#/components/schemas/${name}-args`), auth: ref('#/components/schemas/requestAuth') },
            required: spec.changesSignal ? ['cmd', 'auth'] : ['cmd'],
          },
        ],
      },
      'x-changes-signal': spec.changesSignal,
    };
    messages[`${name}-response`] = {
      name: `${name}-response`,
      title: `${name} response`,
      summary: `status ok: result is ${spec.result}. status error or refused: error says why.`,
      contentType: 'application/msgpack',
      correlationId,
      payload: { allOf: [ref('#/components/schemas/response'), { type: 'object', properties: { cmd: { const: name } } }] },
    };
    channels[`request-${name}`] = { address: `${DEFAULT_PREFIX}/{site}/{node}/request/${name}`, parameters, messages: { [`${name}-request`]: ref(`#/components/messages/${name}-request`) } };
    channels[`response-${name}`] = { address: `${DEFAULT_PREFIX}/{site}/{node}/response/${name}`, parameters, messages: { [`${name}-response`]: ref(`#/components/messages/${name}-response`) } };
    operations[`receive-${name}`] = {
      action: 'receive',
      channel: ref(`#/channels/request-${name}`),
      summary: `The node runs ${name} and always answers. MQTT 5: to the request's response topic when set, with its correlation data; otherwise (and under MQTT 3.1.1) on response/${name}, matched by id.`,
      bindings: { mqtt: { qos: 1, retain: false, bindingVersion: '0.2.0' } },
      reply: { address: { description: 'the MQTT 5 response topic when the request has one', location: '$message.header#/responseTopic' }, channel: ref(`#/channels/response-${name}`) },
    };
  }

  messages['update-chunk'] = {
    name: 'update-chunk',
    title: 'update chunk',
    summary:
      'One chunk of a release bundle streamed to a node (update command, args.stream): the raw bytes, chunkSize of them, the last chunk the rest. ' +
      'Unsigned: the node takes it only for the transfer of a signed update command in progress, after its update.stream-open event, and checks the whole bundle against the signed size and sha256; ' +
      'anything else is refused and reported as an update.chunk-refused event.',
    contentType: 'application/octet-stream',
    payload: { type: 'string', format: 'binary', maxLength: MAX_UPDATE_CHUNK_BYTES },
  };
  channels['update-stream'] = {
    address: `${DEFAULT_PREFIX}/{site}/{node}/${UPDATE_STREAM_LEVEL}/{transferId}/{chunk}`,
    parameters: {
      ...parameters,
      transferId: { description: `args.stream.transferId of the update command (${ID_PATTERN})` },
      chunk: { description: 'chunk index, decimal, from 0 to args.stream.chunks - 1' },
    },
    messages: { 'update-chunk': ref('#/components/messages/update-chunk') },
  };
  operations['receive-update-chunk'] = {
    action: 'receive',
    channel: ref('#/channels/update-stream'),
    summary:
      'The node writes the chunk at index × chunkSize of the transfer, in any order, duplicates ignored. With chunks still missing after update.streamChunkTimeoutS without a new one, the update command answers an error naming them; the same stream in a new signed update command resumes, its update.stream-open event listing only the missing chunks.',
    bindings: { mqtt: { qos: 1, retain: false, bindingVersion: '0.2.0' } },
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'NutGiao node protocol',
      version: String(SCHEMA_VERSION),
      description: [
        'Telemetry from traffic-signal camera nodes and commands to them, as standard MessagePack maps (no extension types) over MQTT 5 or 3.1.1.',
        `Topics are <prefix>/<site>/<node>/<kind>, the prefix "${DEFAULT_PREFIX}" by default (configurable per deployment).`,
        'Messages of kinds event, counts and signal carry seq from one per-boot counter: a gap means loss, a new boot a restart.',
        `Nodes send counts, signal, health and event as v ${COMPACT_WIRE_VERSION}: compact maps without the node (the topic has it) whose names are indices into the structures of the node's birth (state online, retained), which a receiver keeps per node and boot; k must equal structures.revision. The decoded result is the v 1 message (the schemas without the -v${COMPACT_WIRE_VERSION} suffix). state, request and response are v 1 only.`,
        `Command signatures: ${SIGNATURE_SCHEME}`,
        'See protocol/README.md.',
      ].join('\n\n'),
    },
    defaultContentType: 'application/msgpack',
    servers: {
      broker: {
        host: 'broker.example.org:8883',
        protocol: 'mqtts',
        description: 'Any MQTT 5 or 3.1.1 broker. TLS with a CA and an optional client certificate; username and password; ACLs may give each node only its own topics.',
        security: [ref('#/components/securitySchemes/clientCertificate'), ref('#/components/securitySchemes/usernamePassword')],
      },
    },
    channels,
    operations,
    components: {
      schemas,
      messages,
      securitySchemes: {
        clientCertificate: { type: 'X509', description: 'TLS client certificate (mqtt.tls.cert and key in the node config); the broker may map its CN to the username.' },
        usernamePassword: { type: 'userPassword', description: 'mqtt.username and mqtt.password ({ env } or { file } in the node config).' },
      },
    },
    'x-nutgiao-command-signature': {
      algorithm: 'Ed25519',
      domain: SIGNATURE_DOMAIN,
      signedBytes: 'canonical MessagePack array [domain, site, node, cmd, id, ts, nonce, args with map keys sorted recursively]',
      requiredFor: Object.entries(COMMANDS).filter(([, spec]) => spec.changesSignal).map(([name]) => name),
      description: SIGNATURE_SCHEME,
    },
  };
}

/** The document as written to protocol/asyncapi.json. */
export function asyncApiText(): string {
  return JSON.stringify(buildAsyncApi(), null, 2) + '\n';
}
