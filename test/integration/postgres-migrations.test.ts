import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import {
  openPostgresPool,
  type PostgresConnectionOptions,
} from '../../src/store/postgres/postgres-connection.js';
import { migratePostgres, type PostgresMigrationSet } from '../../src/store/postgres/postgres-migrations.js';
import { type PostgresCluster, postgresAvailable, startPostgres } from '../support/postgres.js';

/** A step that takes a moment and fails if it ever runs twice (CREATE TABLE without IF NOT EXISTS). */
const SLOW_SET: PostgresMigrationSet = {
  name: 'race',
  steps: [
    'CREATE TABLE raced (n int); SELECT pg_sleep(0.3); INSERT INTO raced VALUES (1)',
    'CREATE TABLE raced_again (n int); INSERT INTO raced_again SELECT n + 1 FROM raced',
  ],
};

describe.skipIf(!postgresAvailable('PostgreSQL migrations'))('PostgreSQL migrations', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const freshPools = async (count: number) => {
    const url = await cluster.createDatabase(`migrate_${newId().toLowerCase()}`);
    return Array.from({ length: count }, () => openPostgresPool({ url, poolSize: 2 }));
  };

  it('runs each step exactly once when several nodes start at the same moment', async () => {
    const pools = await freshPools(4);
    try {
      await Promise.all(pools.map((pool) => migratePostgres(pool, [SLOW_SET])));
      const applied = await pools[0]!.query('SELECT name, step FROM schema_migrations ORDER BY step');
      expect(applied.rows).toEqual([
        { name: 'race', step: 0 },
        { name: 'race', step: 1 },
      ]);
      expect((await pools[0]!.query('SELECT n FROM raced_again')).rows).toEqual([{ n: 2 }]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('adds only the new steps of a later version, and refuses a schema newer than it knows', async () => {
    const [pool] = await freshPools(1);
    try {
      await migratePostgres(pool!, [{ name: 'race', steps: SLOW_SET.steps.slice(0, 1) }]);
      await migratePostgres(pool!, [SLOW_SET]);
      expect((await pool!.query('SELECT count(*)::int AS n FROM schema_migrations')).rows).toEqual([
        { n: 2 },
      ]);
      const older = migratePostgres(pool!, [{ name: 'race', steps: SLOW_SET.steps.slice(0, 1) }]);
      await expect(older).rejects.toSatisfy(
        (error) => isLazaretError(error, 'store_error') && /newer Lazaret/.test((error as Error).message),
      );
    } finally {
      await pool!.end();
    }
  });

  it('leaves a failed step unapplied, and releases the lock for the next migrator', async () => {
    const [pool] = await freshPools(1);
    try {
      const broken: PostgresMigrationSet = {
        name: 'broken',
        steps: ['CREATE TABLE half (n int); SELECT nonsense'],
      };
      await expect(migratePostgres(pool!, [broken])).rejects.toThrow(/nonsense/);
      const tables = await pool!.query("SELECT to_regclass('half') AS half");
      expect(tables.rows).toEqual([{ half: null }]);
      await migratePostgres(pool!, [{ name: 'broken', steps: ['CREATE TABLE half (n int)'] }]);
      expect((await pool!.query("SELECT step FROM schema_migrations WHERE name = 'broken'")).rows).toEqual([
        { step: 0 },
      ]);
    } finally {
      await pool!.end();
    }
  });

  it('authenticates with a password read from a file, which wins over the one in the URL', async () => {
    const url = await cluster.createDatabase(`password_${newId().toLowerCase()}`);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query("CREATE ROLE app LOGIN PASSWORD 'secret-from-file'");
    await admin.end();
    const dir = await mkdtemp(join(tmpdir(), 'lazaret-pgpass-'));
    const appUrl = url.replace(/\/\/[^@]+@/, '//app:wrong-password@');
    const who = async (options: Partial<PostgresConnectionOptions>) => {
      const pool = openPostgresPool({ url: appUrl, ...options });
      try {
        return (await pool.query('SELECT current_user AS who')).rows[0]?.who;
      } finally {
        await pool.end();
      }
    };
    try {
      await writeFile(join(dir, 'password'), 'secret-from-file\n');
      expect(await who({ passwordFile: join(dir, 'password') })).toBe('app');
      expect(await who({ password: 'secret-from-file' })).toBe('app');
      await expect(who({})).rejects.toThrow(/password authentication failed/);
      expect(() => openPostgresPool({ url: appUrl, passwordFile: join(dir, 'missing') })).toThrow(
        /Cannot read the PostgreSQL password file/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
