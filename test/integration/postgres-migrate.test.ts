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
