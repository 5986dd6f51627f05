/**
 * Writes one batch of messages in one transaction: the de-duplication keys first (idempotent insert,
 * ON CONFLICT DO NOTHING), then the rows of only the messages that were new, then node state, then what
 * was rejected. Every table is written with one multi-row INSERT … SELECT FROM unnest(arrays), so a
 * batch costs a fixed handful of statements whatever its size. Throws on any database error, with the
 * transaction rolled back: the caller then keeps the batch unacknowledged and retries it.
 */
import type pg from 'pg';
import type { CountsMessage, EventMessage, HealthMessage, SignalMessage, StateMessage } from '../../protocol/messages.js';
import type { IncomingMessage } from './incoming-message.js';
import { withPoolClient } from './pool-client.js';

export interface BatchResult {
  /** Sequenced messages stored now. */
  stored: number;
  /** Sequenced messages already in the database (a redelivery or a replay of something we had). */
  duplicates: number;
  rejected: number;
  /** Rows written across all tables. */
  rows: number;
}

type Accepted = Extract<IncomingMessage, { ok: true }>;
type Rejected = Extract<IncomingMessage, { ok: false }>;

export async function writeBatch(pool: pg.Pool, batch: readonly IncomingMessage[]): Promise<BatchResult> {
  const accepted = batch.filter((m): m is Accepted => m.ok);
  const rejected = batch.filter((m): m is Rejected => !m.ok);
  return withPoolClient(pool, async (client) => {
    try {
      await client.query('BEGIN');
      const fresh = await claimSequenced(client, accepted);
      const sequencedCount = accepted.filter((m) => m.sequence !== undefined).length;
      let rows = fresh.length;
      rows += await insertCounts(client, fresh.filter(isKind('counts')));
      rows += await insertSignals(client, fresh.filter(isKind('signal')));
      rows += await insertEvents(client, fresh.filter(isKind('event')));
      rows += await insertHealth(client, accepted.filter(isKind('health')));
      rows += await applyNodeStates(client, accepted);
      rows += await insertRejected(client, rejected);
      await client.query('COMMIT');
      return { stored: fresh.length, duplicates: sequencedCount - fresh.length, rejected: rejected.length, rows };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

function isKind<K extends Accepted['decoded']['kind']>(kind: K) {
  return (m: Accepted): m is Accepted & { decoded: Extract<Accepted['decoded'], { kind: K }> } => m.decoded.kind === kind;
}

function keyOf(node: string, boot: number, seq: number): string {
  return `${node}\u0000${boot}\u0000${seq}`;
}

/** Inserts the (node, boot, seq) keys; returns the messages whose key was new, once each. */
async function claimSequenced(client: pg.PoolClient, accepted: Accepted[]): Promise<Accepted[]> {
  // Sorted, so two collectors claiming overlapping keys lock them in the same order (no deadlock).
  const sequenced = accepted
    .filter((m) => m.sequence !== undefined)
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : a.sequence!.boot - b.sequence!.boot || a.sequence!.seq - b.sequence!.seq));
  if (sequenced.length === 0) return [];
  const result = await client.query<{ node: string; boot: string; seq: string }>(
    `INSERT INTO received_messages (node, boot, seq, site, kind, historical)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::boolean[])
     ON CONFLICT DO NOTHING RETURNING node, boot, seq`,
    [
      sequenced.map((m) => m.node),
      sequenced.map((m) => m.sequence!.boot),
      sequenced.map((m) => m.sequence!.seq),
      sequenced.map((m) => m.site),
      sequenced.map((m) => m.decoded.kind),
      sequenced.map((m) => m.sequence!.historical),
    ],
  );
  const claimed = new Set(result.rows.map((row) => keyOf(row.node, Number(row.boot), Number(row.seq))));
  const fresh: Accepted[] = [];
  for (const m of sequenced) {
    const key = keyOf(m.node, m.sequence!.boot, m.sequence!.seq);
    // A key twice in one batch is claimed once: the first copy is stored, the second is a duplicate.
    if (claimed.delete(key)) fresh.push(m);
  }
  return fresh;
}

async function insertCounts(client: pg.PoolClient, messages: Array<Accepted & { decoded: { message: CountsMessage } }>): Promise<number> {
  const columns: unknown[][] = [[], [], [], [], [], [], [], [], [], [], []];
  const push = (...values: unknown[]) => values.forEach((value, i) => columns[i]!.push(value));
  for (const m of messages) {
    const c = m.decoded.message;
    for (const [line, crossings] of Object.entries(c.lines)) {
      push(m.node, m.site, c.boot, c.seq, c.camera, line, 'lr', c.periodStart, c.periodS, crossings.lr, c.historical === true);
      push(m.node, m.site, c.boot, c.seq, c.camera, line, 'rl', c.periodStart, c.periodS, crossings.rl, c.historical === true);
    }
  }
  if (columns[0]!.length === 0) return 0;
  const result = await client.query(
    `INSERT INTO counts (node, site, boot, seq, camera, line, direction, period_start, period_s, vehicles, historical)
     SELECT n, s, b, q, c, l, d, to_timestamp(p / 1000.0), ps, v, h
     FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::int[], $10::int[], $11::boolean[])
       AS t(n, s, b, q, c, l, d, p, ps, v, h)
     ON CONFLICT DO NOTHING`,
    columns,
  );
  return result.rowCount ?? 0;
}

async function insertSignals(client: pg.PoolClient, messages: Array<Accepted & { decoded: { message: SignalMessage } }>): Promise<number> {
  if (messages.length === 0) return 0;
  const s = messages.map((m) => m.decoded.message);
  const result = await client.query(
    `INSERT INTO signal_states (node, site, boot, seq, ts, mode, phase, groups, reason, historical)
     SELECT n, s, b, q, to_timestamp(t / 1000.0), m, p, g, r, h
     FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::float8[], $6::text[], $7::text[], $8::jsonb[], $9::text[], $10::boolean[])
       AS x(n, s, b, q, t, m, p, g, r, h)
     ON CONFLICT DO NOTHING`,
    [
      messages.map((m) => m.node),
      messages.map((m) => m.site),
      s.map((x) => x.boot),
      s.map((x) => x.seq),
      s.map((x) => x.ts),
      s.map((x) => x.mode),
      s.map((x) => x.phase),
      s.map((x) => jsonText(x.groups)),
      s.map((x) => x.reason ?? null),
      s.map((x) => x.historical === true),
    ],
  );
  return result.rowCount ?? 0;
}

async function insertEvents(client: pg.PoolClient, messages: Array<Accepted & { decoded: { message: EventMessage } }>): Promise<number> {
  if (messages.length === 0) return 0;
  const e = messages.map((m) => m.decoded.message);
  const result = await client.query(
    `INSERT INTO events (node, site, boot, seq, ts, type, severity, message, data, historical)
     SELECT n, s, b, q, to_timestamp(t / 1000.0), ty, sv, ms, d, h
     FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::float8[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::boolean[])
       AS x(n, s, b, q, t, ty, sv, ms, d, h)
     ON CONFLICT DO NOTHING`,
    [
      messages.map((m) => m.node),
      messages.map((m) => m.site),
      e.map((x) => x.boot),
      e.map((x) => x.seq),
      e.map((x) => x.ts),
      e.map((x) => x.type),
      e.map((x) => x.severity),
      e.map((x) => stripNul(x.message)),
      e.map((x) => (x.data === undefined ? null : jsonText(x.data))),
      e.map((x) => x.historical === true),
    ],
  );
  return result.rowCount ?? 0;
}

async function insertHealth(client: pg.PoolClient, messages: Array<Accepted & { decoded: { message: HealthMessage } }>): Promise<number> {
  if (messages.length === 0) return 0;
  const h = messages.map((m) => m.decoded.message);
  const result = await client.query(
    `INSERT INTO node_health (node, site, boot, ts, report)
     SELECT n, s, b, to_timestamp(t / 1000.0), r
     FROM unnest($1::text[], $2::text[], $3::bigint[], $4::float8[], $5::jsonb[]) AS x(n, s, b, t, r)
     ON CONFLICT DO NOTHING`,
    [messages.map((m) => m.node), messages.map((m) => m.site), h.map((x) => x.boot), h.map((x) => x.ts), h.map((x) => jsonText(x))],
  );
  return result.rowCount ?? 0;
}

/** Last seen for every node heard in the batch, then each birth or death in arrival order. */
async function applyNodeStates(client: pg.PoolClient, accepted: Accepted[]): Promise<number> {
  if (accepted.length === 0) return 0;
  const lastSeen = new Map<string, { site: string; ts: number }>();
  for (const m of accepted) {
    const ts = (m.decoded.message as { ts: number }).ts;
    const known = lastSeen.get(m.node);
    if (!known || ts > known.ts) lastSeen.set(m.node, { site: m.site, ts });
  }
  const nodes = [...lastSeen.keys()].sort();
  let rows = 0;
  const seen = await client.query(
    `INSERT INTO nodes (node, site, last_seen_at)
     SELECT n, s, to_timestamp(t / 1000.0) FROM unnest($1::text[], $2::text[], $3::float8[]) AS x(n, s, t)
     ON CONFLICT (node) DO UPDATE SET site = EXCLUDED.site, last_seen_at = GREATEST(nodes.last_seen_at, EXCLUDED.last_seen_at)`,
    [nodes, nodes.map((n) => lastSeen.get(n)!.site), nodes.map((n) => lastSeen.get(n)!.ts)],
  );
  rows += seen.rowCount ?? 0;
  for (const m of accepted.filter(isKind('state'))) {
    const state = m.decoded.message as StateMessage;
    // A state of an older boot (a late redelivery) never overwrites the newer one.
    const result =
      state.status === 'online'
        ? await client.query(
            `UPDATE nodes SET status = 'online', boot = $2, version = $3, config_hash = $4, born_at = to_timestamp($5 / 1000.0), site = $6
             WHERE node = $1 AND (boot IS NULL OR boot <= $2)`,
            [m.node, state.boot, state.version, state.configHash, state.ts, m.site],
          )
        : await client.query(
            `UPDATE nodes SET status = 'offline', boot = $2, died_at = to_timestamp($3 / 1000.0), death_reason = $4
             WHERE node = $1 AND (boot IS NULL OR boot <= $2)`,
            [m.node, state.boot, state.ts, state.reason ?? null],
          );
    rows += result.rowCount ?? 0;
  }
  return rows;
}

async function insertRejected(client: pg.PoolClient, rejected: Rejected[]): Promise<number> {
  if (rejected.length === 0) return 0;
  const result = await client.query(
    `INSERT INTO rejected_messages (topic, payload, reason) SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[])`,
    [rejected.map((r) => stripNul(r.topic)), rejected.map((r) => r.payload), rejected.map((r) => stripNul(r.reason))],
  );
  return result.rowCount ?? 0;
}

/** PostgreSQL text and jsonb cannot hold U+0000; bytes become base64 rather than {type:'Buffer'} objects. */
function jsonText(value: unknown): string {
  // The holder's own value: Buffer.toJSON runs before a replacer sees it.
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : v;
  });
  return text.includes('\\u0000') ? text.replaceAll('\\u0000', '') : text;
}

function stripNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}
