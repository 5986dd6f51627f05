import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadMigrations, migrate } from '../../edge/collector/migrations.js';
import { TestDatabase } from './test-database.js';

/** The numbered SQL files in edge/collector/migrations, applied once each, all or nothing. */
const test = suite('collector: schema migrations');
let db: TestDatabase;
let pool: pg.Pool;

test.before.each(async () => {
  db = await TestDatabase.create();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});
test.after.each(async () => {
  await pool.end();
  await db.drop();
});

test('a new database gets every migration once; a second run applies nothing', async () => {
  const all = await loadMigrations();
  assert.equal(all.map((m) => m.version), [1, 2, 3]);
  assert.equal(await migrate(pool), [1, 2, 3]);
  assert.equal(await migrate(pool), []);
  const versions = await db.rows('SELECT version, name FROM schema_migrations ORDER BY version');
  assert.equal(versions, [
    { version: 1, name: 'telemetry_tables' },
    { version: 2, name: 'timescale_hypertables' },
    { version: 3, name: 'node_structures' },
  ]);
  const tables = (await db.rows<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).map((r) => r.tablename);
  for (const table of ['counts', 'events', 'node_health', 'node_structures', 'nodes', 'received_messages', 'rejected_messages', 'sequence_gaps', 'signal_states']) {
    assert.ok(tables.includes(table), `${table} exists`);
  }
  // Without the extension on this server, 002 leaves plain tables (with it, they become hypertables).
  const timescale = (await db.rows("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")).length > 0;
  const installed = (await db.rows("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")).length > 0;
  assert.is(installed, timescale);
});

test('two collectors migrating at once apply each migration once', async () => {
  const results = await Promise.all([migrate(pool), migrate(pool)]);
  assert.equal(results.flat().sort(), [1, 2, 3]);
});

test('a failing migration leaves nothing of itself and names itself', async () => {
  await migrate(pool);
  const broken = [{ version: 4, name: 'broken', sql: 'CREATE TABLE half_done (x int); SELECT * FROM no_such_table;' }];
  try {
    await migrate(pool, broken);
    assert.unreachable('should have failed');
  } catch (error) {
    assert.match((error as Error).message, /migration 4_broken failed, nothing of it applied: relation "no_such_table" does not exist/);
  }
  assert.equal(await db.rows("SELECT 1 FROM pg_tables WHERE tablename = 'half_done'"), []);
  assert.equal(await db.rows('SELECT 1 FROM schema_migrations WHERE version = 4'), []);
});

test('a migration file not named NNN_name.sql is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nutgiao-migrations-'));
  await writeFile(join(dir, 'create-things.sql'), 'SELECT 1;');
  try {
    await loadMigrations(dir + '/');
    assert.unreachable('should have failed');
  } catch (error) {
    assert.match((error as Error).message, /create-things\.sql: a migration file is named NNN_name\.sql/);
  }
});

test.run();
