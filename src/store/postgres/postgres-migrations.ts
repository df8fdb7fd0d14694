import type pg from 'pg';
import { LazaretError } from '../../core/errors.js';

/** One named, ordered list of schema steps owned by one store module (items, auth, jobs, …). */
export interface PostgresMigrationSet {
  name: string;
  steps: readonly string[];
}

/** The advisory lock every migrator takes (an arbitrary constant: "lazaret" in ASCII). */
const MIGRATION_LOCK = 0x6c617a61726574;

/**
 * Runs the steps of `sets` that have not run yet, in order, each in its own transaction, while
 * holding a session advisory lock: nodes starting together wait for each other and then find the
 * steps done. Forward only: a schema with more steps than this version knows is refused. Never edit
 * a step that has shipped; add one. Answers how many steps this call applied.
 */
export async function migratePostgres(pool: pg.Pool, sets: readonly PostgresMigrationSet[]): Promise<number> {
  let applied = 0;
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           name text NOT NULL, step integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
           PRIMARY KEY (name, step))`,
      );
      for (const set of sets) {
        const done = await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM schema_migrations WHERE name = $1',
          [set.name],
        );
        const already = done.rows[0]!.n;
        if (already > set.steps.length) {
          throw new LazaretError(
            'store_error',
            `The database was written by a newer Lazaret (schema ${set.name} has ${already} steps, this version knows ${set.steps.length}); start that version or restore a backup`,
          );
        }
        for (let step = already; step < set.steps.length; step += 1) {
          await client.query('BEGIN');
          try {
            await client.query(set.steps[step]!);
            await client.query('INSERT INTO schema_migrations (name, step) VALUES ($1, $2)', [
              set.name,
              step,
            ]);
            await client.query('COMMIT');
            applied += 1;
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
  return applied;
}
