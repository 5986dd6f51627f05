/**
 * The v1 topic scheme: `<prefix>/<site>/<node>/<kind>` for telemetry,
 * `<prefix>/<site>/<node>/request|response/<command>` for commands, and
 * `<prefix>/<site>/<node>/update-stream/<transferId>/<chunk>` for a release bundle streamed to the node
 * (raw bytes, not a message kind: see updateStreamTopic).
 */
export const DEFAULT_PREFIX = 'nutgiao/v1';

export type TelemetryKind = 'state' | 'health' | 'event' | 'counts' | 'signal';
export type CommandKind = 'request' | 'response';
export type TopicKind = TelemetryKind | CommandKind;

export const TELEMETRY_KINDS: readonly TelemetryKind[] = ['state', 'health', 'event', 'counts', 'signal'];
export const COMMAND_KINDS: readonly CommandKind[] = ['request', 'response'];
export const TOPIC_KINDS: readonly TopicKind[] = [...TELEMETRY_KINDS, ...COMMAND_KINDS];

/** Site, node and command ids; also used by the message schemas so topic and payload agree. */
export const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const ID_REGEX = new RegExp(ID_PATTERN);

// MQTT caps a topic at 65,535 bytes of UTF-8.
const MAX_TOPIC_BYTES = 65_535;

export interface ParsedTopic {
  site: string;
  node: string;
  kind: TopicKind;
  command?: string;
}

export type TopicParseResult = ({ ok: true } & ParsedTopic) | { ok: false; error: string };

export interface SubscriptionScope {
  site?: string;
  node?: string;
  kind?: TopicKind;
  /** Only with kind `request` or `response`. */
  command?: string;
}

export function isValidId(s: unknown): s is string {
  return typeof s === 'string' && ID_REGEX.test(s);
}

export function isTopicKind(s: unknown): s is TopicKind {
  return typeof s === 'string' && (TOPIC_KINDS as readonly string[]).includes(s);
}

export function isCommandKind(kind: TopicKind): kind is CommandKind {
  return kind === 'request' || kind === 'response';
}

/** Why a prefix is unusable, or undefined when it is fine. */
export function prefixProblem(prefix: unknown): string | undefined {
  if (typeof prefix !== 'string' || prefix === '') return 'topic prefix must be a non-empty string';
  if (prefix.includes('+') || prefix.includes('#')) return `topic prefix "${prefix}" must not contain + or #`;
  if (prefix.includes('\0')) return 'topic prefix must not contain NUL';
  if (prefix.startsWith('/') || prefix.endsWith('/')) return `topic prefix "${prefix}" must not start or end with /`;
  if (prefix.includes('//')) return `topic prefix "${prefix}" must not contain an empty level`;
  return undefined;
}

function assertValidPrefix(prefix: string): void {
  const problem = prefixProblem(prefix);
  if (problem !== undefined) throw new Error(problem);
}

function assertId(role: string, value: string): void {
  if (!isValidId(value)) throw new Error(`${role} id ${JSON.stringify(value)} is invalid: expected 1-64 of A-Z a-z 0-9 _ -`);
}

export function buildTopic(prefix: string, site: string, node: string, kind: TopicKind, command?: string): string {
  assertValidPrefix(prefix);
  assertId('site', site);
  assertId('node', node);
  if (!isTopicKind(kind)) throw new Error(`topic kind ${JSON.stringify(kind)} is unknown: expected one of ${TOPIC_KINDS.join(', ')}`);
  if (isCommandKind(kind)) {
    if (command === undefined) throw new Error(`topic kind "${kind}" needs a command id`);
    assertId('command', command);
    return `${prefix}/${site}/${node}/${kind}/${command}`;
  }
  if (command !== undefined) throw new Error(`topic kind "${kind}" takes no command (got ${JSON.stringify(command)})`);
  return `${prefix}/${site}/${node}/${kind}`;
}

export function parseTopic(prefix: string, topic: string): TopicParseResult {
  const problem = prefixProblem(prefix);
  if (problem !== undefined) return { ok: false, error: problem };
  if (typeof topic !== 'string') return { ok: false, error: 'topic must be a string' };
  if (!topic.startsWith(prefix + '/')) return { ok: false, error: `topic "${topic}" does not start with prefix "${prefix}/"` };
  const levels = topic.slice(prefix.length + 1).split('/');
  const [site, node, kind, command] = levels;
  if (site === undefined || node === undefined || kind === undefined) {
    return { ok: false, error: `topic "${topic}" needs <site>/<node>/<kind> after the prefix` };
  }
  if (!isValidId(site)) return { ok: false, error: `topic "${topic}": site id ${JSON.stringify(site)} is invalid` };
  if (!isValidId(node)) return { ok: false, error: `topic "${topic}": node id ${JSON.stringify(node)} is invalid` };
  if (!isTopicKind(kind)) return { ok: false, error: `topic "${topic}": kind ${JSON.stringify(kind)} is unknown` };
  if (isCommandKind(kind)) {
    if (levels.length !== 4 || command === undefined) {
      return { ok: false, error: `topic "${topic}": ${kind} topics end in /${kind}/<command>` };
    }
    if (!isValidId(command)) return { ok: false, error: `topic "${topic}": command id ${JSON.stringify(command)} is invalid` };
    return { ok: true, site, node, kind, command };
  }
  if (levels.length !== 3) return { ok: false, error: `topic "${topic}": nothing may follow the kind "${kind}"` };
  return { ok: true, site, node, kind };
}

/** Refuses what a broker would reject or misroute as a publish topic; wildcards only belong in filters. */
export function assertPublishTopic(topic: string): void {
  if (typeof topic !== 'string' || topic === '') throw new Error('publish topic must be a non-empty string');
  if (topic.includes('+') || topic.includes('#')) throw new Error(`publish topic "${topic}" must not contain wildcards + or #`);
  if (topic.includes('\0')) throw new Error('publish topic must not contain NUL');
  if (topic.split('/').includes('')) throw new Error(`publish topic "${topic}" must not contain an empty level`);
  if (Buffer.byteLength(topic, 'utf8') > MAX_TOPIC_BYTES) throw new Error(`publish topic is longer than ${MAX_TOPIC_BYTES} bytes`);
}

/** A subscription filter that matches what `scope` names and uses wildcards for the rest. */
export function subscriptionFilter(prefix: string, scope: SubscriptionScope = {}): string {
  assertValidPrefix(prefix);
  const { site, node, kind, command } = scope;
  if (site !== undefined) assertId('site', site);
  if (node !== undefined) assertId('node', node);
  if (kind !== undefined && !isTopicKind(kind)) throw new Error(`topic kind ${JSON.stringify(kind)} is unknown`);
  if (command !== undefined) {
    if (kind === undefined || !isCommandKind(kind)) throw new Error('a command scope needs kind "request" or "response"');
    assertId('command', command);
  }
  if (kind === undefined) {
    // `#` also matches the parent level, so trailing unspecified levels collapse into one `#`.
    if (node !== undefined) return `${prefix}/${site ?? '+'}/${node}/#`;
    if (site !== undefined) return `${prefix}/${site}/#`;
    return `${prefix}/#`;
  }
  const base = `${prefix}/${site ?? '+'}/${node ?? '+'}/${kind}`;
  return isCommandKind(kind) ? `${base}/${command ?? '+'}` : base;
}

/** Whether a topic matches a subscription filter (`+` one level, `#` this level and everything below). */
export function topicMatchesFilter(filter: string, topic: string): boolean {
  const filterLevels = filter.split('/');
  const topicLevels = topic.split('/');
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i];
    if (level === '#') return true;
    if (i >= topicLevels.length) return false;
    if (level !== '+' && level !== topicLevels[i]) return false;
  }
  return filterLevels.length === topicLevels.length;
}

/** The level that marks a release bundle streamed over MQTT to one node (the `update` command's `stream`). */
export const UPDATE_STREAM_LEVEL = 'update-stream';

/**
 * Where the central side publishes chunk `index` (0-based) of transfer `transferId` to one node, QoS 1.
 * The payload is the chunk's raw bytes; the index in the topic keeps it free of any envelope.
 */
export function updateStreamTopic(prefix: string, site: string, node: string, transferId: string, index: number): string {
  assertValidPrefix(prefix);
  assertId('site', site);
  assertId('node', node);
  assertId('transfer', transferId);
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`chunk index ${index} is invalid: expected an integer ≥ 0`);
  return `${prefix}/${site}/${node}/${UPDATE_STREAM_LEVEL}/${transferId}/${index}`;
}

/** What a node subscribes to for streamed bundles: every transfer and chunk addressed to it. */
export function updateStreamFilter(prefix: string, site: string, node: string): string {
  assertValidPrefix(prefix);
  assertId('site', site);
  assertId('node', node);
  return `${prefix}/${site}/${node}/${UPDATE_STREAM_LEVEL}/+/+`;
}

export type UpdateStreamTopicResult = { ok: true; transferId: string; index: number } | { ok: false; error: string };

/** The transfer and chunk index of an update-stream topic of this node; not-ok for any other topic. */
export function parseUpdateStreamTopic(prefix: string, site: string, node: string, topic: string): UpdateStreamTopicResult {
  const base = `${prefix}/${site}/${node}/${UPDATE_STREAM_LEVEL}/`;
  if (!topic.startsWith(base)) return { ok: false, error: `topic "${topic}" is not under ${base}` };
  const levels = topic.slice(base.length).split('/');
  const [transferId, index] = levels;
  if (levels.length !== 2 || transferId === undefined || index === undefined) return { ok: false, error: `topic "${topic}": expected ${base}<transferId>/<chunk>` };
  if (!isValidId(transferId)) return { ok: false, error: `topic "${topic}": transfer id ${JSON.stringify(transferId)} is invalid` };
  if (!/^(0|[1-9][0-9]{0,8})$/.test(index)) return { ok: false, error: `topic "${topic}": chunk index ${JSON.stringify(index)} is not a decimal integer` };
  return { ok: true, transferId, index: Number(index) };
}
