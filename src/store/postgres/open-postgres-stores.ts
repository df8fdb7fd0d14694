import type pg from 'pg';
import { POSTGRES_AUDIT_MIGRATIONS, PostgresAuditStore } from './postgres-audit-store.js';
import { openPostgresPool, type PostgresConnectionOptions } from './postgres-connection.js';
import { POSTGRES_DIGEST_MIGRATIONS, PostgresDigestStore } from './postgres-digest-store.js';
import { postgresError } from './postgres-errors.js';
import { POSTGRES_ITEM_MIGRATIONS } from './postgres-item-schema.js';
import { PostgresItemStore } from './postgres-item-store.js';
import { POSTGRES_JOB_MIGRATIONS, PostgresJobStore } from './postgres-job-store.js';
import { POSTGRES_LEARNING_MIGRATIONS, PostgresLearningStore } from './postgres-learning-store.js';
import { migratePostgres, type PostgresMigrationSet } from './postgres-migrations.js';
import { POSTGRES_SENDER_LIST_MIGRATIONS, PostgresSenderListStore } from './postgres-sender-list-store.js';
import { POSTGRES_STATS_MIGRATIONS } from './postgres-stats-schema.js';
import { PostgresStatsStore } from './postgres-stats-store.js';
import {
  POSTGRES_USER_EXTERNAL_ID_MIGRATIONS,
  POSTGRES_USER_MIGRATIONS,
  POSTGRES_USER_TOTP_MIGRATIONS,
  PostgresUserStore,
} from './postgres-user-store.js';

/** Every schema set of the PostgreSQL backend, in the order they are applied. */
export const POSTGRES_MIGRATION_SETS: readonly PostgresMigrationSet[] = [
  POSTGRES_ITEM_MIGRATIONS,
  POSTGRES_AUDIT_MIGRATIONS,
  POSTGRES_USER_MIGRATIONS,
  POSTGRES_JOB_MIGRATIONS,
  POSTGRES_SENDER_LIST_MIGRATIONS,
  POSTGRES_LEARNING_MIGRATIONS,
  POSTGRES_DIGEST_MIGRATIONS,
  POSTGRES_STATS_MIGRATIONS,
  POSTGRES_USER_TOTP_MIGRATIONS,
  POSTGRES_USER_EXTERNAL_ID_MIGRATIONS,
];

/**
 * Brings the whole schema up to date (what `lazaret postgres migrate` and every start run); answers
 * how many steps this call applied (0 when another node had done them).
 */
export async function migrateAllPostgres(pool: pg.Pool): Promise<number> {
  try {
    return await migratePostgres(pool, POSTGRES_MIGRATION_SETS);
  } catch (error) {
    throw postgresError('migrate', error);
  }
}

export interface PostgresStores {
  pool: pg.Pool;
  items: PostgresItemStore;
  audit: PostgresAuditStore;
  users: PostgresUserStore;
  lists: PostgresSenderListStore;
  digests: PostgresDigestStore;
  learning: PostgresLearningStore;
  jobs: PostgresJobStore;
  stats: PostgresStatsStore;
  /** Ends the pool (after the stores' own close). */
  close(): Promise<void>;
}

/** One pool for all PostgreSQL stores of the process, over a schema brought up to date first. */
export async function openPostgresStores(options: PostgresConnectionOptions): Promise<PostgresStores> {
  const pool = openPostgresPool(options);
  try {
    await migrateAllPostgres(pool);
    const items = await PostgresItemStore.open({ pool });
    return {
      pool,
      items,
      audit: await PostgresAuditStore.open(pool),
      users: await PostgresUserStore.open(pool),
      lists: await PostgresSenderListStore.open(pool),
      digests: await PostgresDigestStore.open(pool),
      learning: await PostgresLearningStore.open(pool),
      jobs: await PostgresJobStore.open(pool),
      stats: await PostgresStatsStore.open(pool),
      async close() {
        await items.close();
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}
