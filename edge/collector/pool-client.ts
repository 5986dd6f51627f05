/**
 * A client checked out of a pg pool for one unit of work, safe against the database going away.
 *
 * A connection that breaks while checked out (a server crash or restart, a network reset) is reported as
 * an 'error' event on the client, and the pool listens only to its idle clients: unheard, that event
 * crashes the process. Here it is heard; the running (or next) query fails with it anyway, and the
 * broken connection is then thrown away instead of going back to the pool.
 */
import type pg from 'pg';

export async function withPoolClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onConnectionError = (error: Error) => (broken ??= error);
  client.on('error', onConnectionError);
  try {
    const result = await work(client);
    client.release(broken);
    return result;
  } catch (error) {
    // A connection that failed mid-transaction is not reused either.
    client.release(broken ?? (error as Error));
    throw error;
  } finally {
    client.removeListener('error', onConnectionError);
  }
}
