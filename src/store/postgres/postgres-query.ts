import type pg from 'pg';
import { postgresError } from './postgres-errors.js';

/** One statement on any pooled connection; failures become the store's LazaretErrors. */
export async function queryRows<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  operation: string,
  sql: string,
  values: readonly unknown[] = [],
): Promise<R[]> {
  try {
    return (await pool.query<R>(sql, values as unknown[])).rows;
  } catch (error) {
    throw postgresError(operation, error);
  }
}

/**
 * Runs `work` in one transaction on one pooled connection: committed if it resolves, rolled back if
 * it throws. A connection whose rollback fails is discarded rather than returned to the pool.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  operation: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw postgresError(operation, error);
  }
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw postgresError(operation, error);
  } finally {
    client.release(broken);
  }
}
