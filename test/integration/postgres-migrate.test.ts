import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATION_SETS } from '../../src/store/postgres/open-postgres-stores.js';
import {
  POSTGRES_TEST_PASSWORD,
  POSTGRES_TEST_USER,
  type PostgresCluster,
  postgresAvailable,
  startPostgres,
} from '../support/postgres.js';
import { runCli } from '../support/serve-process.js';

const OWNER_PASSWORD = 'owner-password-of-the-docs';

/** Runs each statement of `sql` on its own, as psql does (CREATE DATABASE may not share a transaction). */
async function runSql(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of sql.split(/;\s*(?:--.*)?$/m).filter((text) => text.trim() !== '')) {
      await client.query(statement);
    }
  } finally {
    await client.end();
  }
}

const ALL_STEPS = POSTGRES_MIGRATION_SETS.reduce((sum, set) => sum + set.steps.length, 0);

describe.runIf(postgresAvailable('lazaret postgres migrate'))('lazaret postgres migrate', () => {
  let cluster: PostgresCluster;
  let work: string;
  let passwordFile: string;

  beforeAll(async () => {
    cluster = await startPostgres();
    work = await mkdtemp(join(tmpdir(), 'lazaret-pg-migrate-'));
    passwordFile = join(work, 'db-password');
    await writeFile(passwordFile, `${POSTGRES_TEST_PASSWORD}\n`);
  });
  afterAll(async () => {
    await cluster?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** The environment of docs/postgresql.md's node: URL without password, password from a file. */
  const envFor = (database: string, extra: Record<string, string> = {}) => ({
    LAZARET_DATA_DIR: work,
    LAZARET_STORE: 'postgres',
    LAZARET_BLOBS: 'fs',
    LAZARET_POSTGRES_URL: `postgres://${POSTGRES_TEST_USER}@127.0.0.1:${cluster.port}/${database}`,
    LAZARET_POSTGRES_PASSWORD_FILE: passwordFile,
    ...extra,
  });

  async function appliedSteps(database: string): Promise<number> {
    const client = new pg.Client({ connectionString: cluster.url(database) });
    await client.connect();
    try {
      return (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')).rows[0]!
        .n;
    } finally {
      await client.end();
    }
  }

  it('creates the schema, then finds nothing to do', async () => {
    await cluster.createDatabase('once');
    const first = await runCli(envFor('once'), ['postgres', 'migrate']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Done: applied ${ALL_STEPS} schema steps`);
    expect(await appliedSteps('once')).toBe(ALL_STEPS);
    const second = await runCli(envFor('once'), ['postgres', 'migrate']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Nothing to do: the schema is up to date.');
  });

  it('applies each step once when several run at the same time (the advisory lock)', async () => {
    await cluster.createDatabase('together');
    const runs = await Promise.all([1, 2, 3].map(() => runCli(envFor('together'), ['postgres', 'migrate'])));
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0]);
    const appliedByRuns = runs.map((run) => Number(/applied (\d+)/.exec(run.stdout)?.[1] ?? 0));
    expect(appliedByRuns.reduce((sum, n) => sum + n, 0)).toBe(ALL_STEPS);
    expect(await appliedSteps('together')).toBe(ALL_STEPS);
  });

  it('migrates as the unprivileged owner that docs/postgresql.md sets up', async () => {
    const docs = readFileSync(new URL('../../docs/postgresql.md', import.meta.url), 'utf8');
    const sql = /```sql\n([\s\S]*?)```/.exec(docs)![1]!;
    // The test cluster's superuser is already called lazaret: the documented role and database get another name.
    const [asSuperuser, inDatabase] = sql
      .replace(/\blazaret\b/g, 'mail_owner')
      .replace("'…'", `'${OWNER_PASSWORD}'`)
      .split(/^\\c .*$/m);
    await runSql(cluster.url(), asSuperuser!);
    await runSql(cluster.url('mail_owner'), inDatabase!);
    const ownerPassword = join(work, 'owner-password');
    await writeFile(ownerPassword, `${OWNER_PASSWORD}\n`);
    const migrated = await runCli(
      envFor('mail_owner', {
        LAZARET_POSTGRES_URL: `postgres://mail_owner@127.0.0.1:${cluster.port}/mail_owner`,
        LAZARET_POSTGRES_PASSWORD_FILE: ownerPassword,
      }),
      ['postgres', 'migrate'],
    );
    expect(migrated.stderr).toBe('');
    expect(migrated.stdout).toContain(`Done: applied ${ALL_STEPS} schema steps`);
  });

  it('refuses a wrong password with the server’s reason, and a store that is not postgres', async () => {
    await cluster.createDatabase('denied');
    const wrong = join(work, 'wrong-password');
    await writeFile(wrong, 'not-the-password\n');
    const denied = await runCli(envFor('denied', { LAZARET_POSTGRES_PASSWORD_FILE: wrong }), [
      'postgres',
      'migrate',
    ]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/password authentication failed/);
    const notPostgres = await runCli({ LAZARET_DATA_DIR: work }, ['postgres', 'migrate']);
    expect(notPostgres.code).toBe(2);
    expect(notPostgres.stderr).toContain('store.backend is not postgres');
  });
});
