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

/** How far the database's schema is from `sets`, read without changing anything (for `lazaret doctor`). */
export interface PostgresSchemaState {
  /** No step has run yet: the database is empty (serve or `lazaret postgres migrate` creates it). */
  empty: boolean;
  /** Sets with steps this version would still apply, as `name done/known`. */
  pending: string[];
  /** Sets with more steps than this version knows: written by a newer Lazaret. */
  newer: string[];
  /** Steps applied, over all sets. */
  applied: number;
}

export async function postgresSchemaState(
  pool: pg.Pool,
  sets: readonly PostgresMigrationSet[],
): Promise<PostgresSchemaState> {
  const table = await pool.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  const done = new Map<string, number>();
  if (table.rows[0]!.present) {
    const rows = await pool.query<{ name: string; n: number }>(
      'SELECT name, count(*)::int AS n FROM schema_migrations GROUP BY name',
    );
    for (const row of rows.rows) done.set(row.name, row.n);
  }
  const state: PostgresSchemaState = { empty: done.size === 0, pending: [], newer: [], applied: 0 };
  for (const set of sets) {
    const steps = done.get(set.name) ?? 0;
    state.applied += steps;
    if (steps < set.steps.length) state.pending.push(`${set.name} ${steps}/${set.steps.length}`);
    if (steps > set.steps.length) state.newer.push(`${set.name} ${steps}/${set.steps.length}`);
  }
  return state;
}
