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

/**
 * JSON for a jsonb parameter. PostgreSQL stores no NUL character and no lone surrogate in text or
 * jsonb, and mail is not always well formed: such characters become U+FFFD rather than failing the
 * write (and with it the message's ingest).
 */
export function jsonParam(value: unknown): string {
  return JSON.stringify(value, (_key, each: unknown) => (typeof each === 'string' ? safeText(each) : each));
}

/** `text` as PostgreSQL can store it (see jsonParam). */
export function safeText(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD');
}

/** NUL, and a surrogate without its pair. */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
