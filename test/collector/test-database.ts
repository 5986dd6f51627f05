import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server tests create their databases on; CI starts it (.ci/run), trust auth on 127.0.0.1. */
export const TEST_POSTGRES_URL = process.env.NUTGIAO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database nutgiao_test_<random>, dropped (with its connections) by drop(). */
export class TestDatabase {
  readonly pool: pg.Pool;
  private constructor(
    readonly name: string,
    readonly url: string,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
    this.pool.on('error', () => undefined);
  }

  static async create(): Promise<TestDatabase> {
    const name = `nutgiao_test_${randomBytes(6).toString('hex')}`;
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = `/${name}`;
    return new TestDatabase(name, url.toString());
  }

  async rows<T extends pg.QueryResultRow = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(sql, params)).rows;
  }

  /** Refuses new connections and ends the existing ones: what clients see while the server restarts. */
  async goDown(): Promise<void> {
    await admin(`ALTER DATABASE ${this.name} ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${this.name}' AND pid <> pg_backend_pid()`);
  }

  async comeBack(): Promise<void> {
    await admin(`ALTER DATABASE ${this.name} ALLOW_CONNECTIONS true`);
  }

  async drop(): Promise<void> {
    await this.pool.end().catch(() => undefined);
    await admin(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot reach PostgreSQL at ${TEST_POSTGRES_URL} (apt-get install postgresql; pg_ctlcluster 15 main start): ${(error as Error).message}`);
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
