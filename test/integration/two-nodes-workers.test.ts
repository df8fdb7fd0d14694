import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { QuarantineItem } from '../../src/core/types.js';
import { openStores, type Stores } from '../../src/store/open-stores.js';
import { openPostgresPool } from '../../src/store/postgres/postgres-connection.js';
import { backendNamed } from '../contract/backends.js';
import { ApiClient } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { POSTGRES_TEST_PASSWORD, postgresAvailable } from '../support/postgres.js';
import { ServeProcess } from '../support/serve-process.js';
import type { StorageSetup } from '../support/storage-backends.js';

const ADMIN = { email: 'admin@corp.test', password: 'two-nodes-workers-password' };
const MESSAGES = 30;
const WAITING = "status IN ('quarantined', 'releasing')";

/** The dashboard counter tables, and the same numbers counted from the items, read in one snapshot. */
async function countersAndRecount(pool: pg.Pool) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const rows = async (sql: string) => (await client.query(sql)).rows;
    const result = {
      counters: {
        statuses: await rows('SELECT tenant, status, n::int FROM stats_status WHERE n <> 0 ORDER BY 1, 2'),
        // Every row: a party whose count fell to zero must be gone, not left behind at 0.
        parties: await rows('SELECT kind, scope, address, n::int FROM stats_parties ORDER BY 1, 2, 3'),
        held: await rows(
          'SELECT day, tenant, reason, held::int AS n FROM stats_daily WHERE held <> 0 ORDER BY 1, 2, 3',
        ),
      },
      recount: {
        statuses: await rows(
          'SELECT tenant, status, count(*)::int AS n FROM items GROUP BY 1, 2 ORDER BY 1, 2',
        ),
        parties: await rows(
          `SELECT 'recipient' AS kind, tenant AS scope, recipient AS address, count(*)::int AS n FROM items WHERE ${WAITING} GROUP BY 2, 3
           UNION ALL SELECT 'recipient', '*', recipient, count(*)::int FROM items WHERE ${WAITING} GROUP BY 3
           UNION ALL SELECT 'sender', tenant, sender, count(*)::int FROM items WHERE ${WAITING} GROUP BY 2, 3
           UNION ALL SELECT 'sender', '*', sender, count(*)::int FROM items WHERE ${WAITING} GROUP BY 3
           ORDER BY 1, 2, 3`,
        ),
        held: await rows(
          'SELECT substr(received_at, 1, 10) AS day, tenant, reason, count(*)::int AS n FROM items GROUP BY 1, 2, 3 ORDER BY 1, 2, 3',
        ),
      },
    };
    await client.query('COMMIT');
    return result;
  } finally {
    client.release();
  }
}

interface StatsAnswer {
  totals: { held: Record<string, number>; released: number; deleted: number; expired: number };
  statuses: Record<string, number>;
}

const purgeTotal = (nodes: ServeProcess[], field: 'expiredItems' | 'removedBlobs') =>
  nodes
    .flatMap((node) => node.logs.filter((line) => line.event === 'PURGE_DONE'))
    .reduce((sum, line) => sum + Number(line[field]), 0);

// Several `serve` nodes over one PostgreSQL: the workers every node runs (dashboard counters kept by
// item writes, the retention purge) stay exact when the nodes race. The digest worker's races are
// in digest-nodes.test.ts.
describe.skipIf(!postgresAvailable('two serve nodes on PostgreSQL: counters and purge'))(
  'two serve nodes over one PostgreSQL: dashboard counters and the retention purge',
  () => {
    let dataDirs: string[];
    let storage: StorageSetup;
    let downstream: Downstream;
    let stores: Stores;
    let pool: pg.Pool;
    let nodes: ServeProcess[];
    let admins: ApiClient[];

    beforeAll(async () => {
      dataDirs = [
        await mkdtemp(join(tmpdir(), 'lazaret-workers-a-')),
        await mkdtemp(join(tmpdir(), 'lazaret-workers-b-')),
      ];
      storage = await backendNamed('postgres-s3').serve!.setup(dataDirs[0]!);
      // The test's own stores take the emulator credentials from the environment, as `serve` does.
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) vi.stubEnv(name, storage.env[name]!);
      downstream = await new Downstream().start();
      const env = (name: string, dataDir: string) => ({
        ...storage.env,
        LAZARET_DATA_DIR: dataDir,
        LAZARET_NODE_NAME: name,
        LAZARET_RELAY_PORT: String(downstream.port),
        LAZARET_RELAY_TLS: 'none',
        LAZARET_ADMIN_EMAIL: ADMIN.email,
        LAZARET_ADMIN_PASSWORD: ADMIN.password,
        // Both nodes purge every second, so that they race for every expired item.
        LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: '1',
        LAZARET_RETENTION_BATCH_SIZE: '7',
      });
      nodes = await Promise.all([
        new ServeProcess(env('node-a', dataDirs[0]!)).start(),
        new ServeProcess(env('node-b', dataDirs[1]!)).start(),
      ]);
      admins = await Promise.all(
        nodes.map((node) => ApiClient.login(() => node.baseUrl, ADMIN.email, ADMIN.password)),
      );
      stores = await openStores(loadConfig({ env: storage.env }));
      pool = openPostgresPool({
        url: storage.env.LAZARET_POSTGRES_URL!,
        password: POSTGRES_TEST_PASSWORD,
        poolSize: 2,
      });
    }, 120_000);

    afterAll(async () => {
      vi.unstubAllEnvs();
      for (const node of nodes ?? []) await node.stop();
      await pool?.end();
      await stores?.close();
      await downstream?.stop();
      await storage?.cleanup();
      for (const dir of dataDirs ?? []) await rm(dir, { recursive: true, force: true });
    });

    const allItems = async (): Promise<QuarantineItem[]> =>
      (
        await stores.items.listItems(
          { statuses: ['quarantined', 'release_requested', 'releasing', 'released', 'deleted', 'expired'] },
          { limit: 1000 },
        )
      ).items;

    it('keeps the dashboard counters exact while both nodes ingest, release and delete at once', async () => {
      await Promise.all(
        Array.from({ length: MESSAGES }, async (_, index) => {
          const node = nodes[index % 2]!;
          const transport = nodemailer.createTransport({
            host: '127.0.0.1',
            port: node.smtpPort,
            ignoreTLS: true,
          });
          const to = [`u${index % 5}@one.test`, `u${index % 3}@two.test`, `x${index}@one.test`];
          await transport.sendMail({
            from: `s${index % 4}@bad.test`,
            to,
            subject: `held ${index}`,
            text: 'x',
          });
          transport.close();
        }),
      );
      const held = await allItems();
      expect(held).toHaveLength(3 * MESSAGES);

      // Node A releases items 0–39, node B deletes items 20–59, all at once: 20 items are raced for.
      const [releases, deletes] = await Promise.all([
        Promise.all(
          held
            .slice(0, 40)
            .map((item) => admins[0]!.request(`/api/quarantine/${item.id}/release`, { method: 'POST' })),
        ),
        Promise.all(
          held
            .slice(20, 60)
            .map((item) => admins[1]!.request(`/api/quarantine/${item.id}`, { method: 'DELETE' })),
        ),
      ]);
      const released = releases.filter((answer) => answer.status === 200).length;
      const deleted = deletes.filter((answer) => answer.status === 200).length;
      expect([...releases, ...deletes].every((answer) => [200, 409].includes(answer.status))).toBe(true);
      expect(released + deleted).toBe(60);
      await downstream.waitForDeliveries(released);
      await expect
        .poll(async () => (await allItems()).filter((item) => item.status === 'releasing').length)
        .toBe(0);

      const { counters, recount } = await countersAndRecount(pool);
      expect(counters).toEqual(recount);
      const answers = await Promise.all(
        admins.map(async (admin) => (await admin.request('/api/stats?days=7&top=10')).body as StatsAnswer),
      );
      expect(answers[1]).toEqual(answers[0]);
      const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
      expect(sum(answers[0]!.totals.held)).toBe(3 * MESSAGES);
      expect(answers[0]!.totals).toMatchObject({ released, deleted, expired: 0 });
      expect(answers[0]!.statuses).toMatchObject({ quarantined: 3 * MESSAGES - 60, released, deleted });
    });

    it('purges each expired item once, on one node or the other, and removes every raw message', async () => {
      // Time passes for the items still live: their expiry is now in the past.
      const expiring = (
        await pool.query<{ id: string }>(
          `UPDATE items SET expires_at = '2001-01-01T00:00:00.000Z'
           WHERE status IN ('quarantined', 'released') RETURNING id`,
        )
      ).rowCount!;
      expect(expiring).toBeGreaterThan(0);
      const messages = await pool.query<{ blob_key: string }>('SELECT blob_key FROM messages');
      expect(messages.rowCount).toBe(MESSAGES);
      // Every raw message goes through the purge once: a single delete removes the blob of a message no
      // item needs any more, and the purge marks it (counting it), or removes and marks it itself.
      await Promise.race(
        nodes.map((node) =>
          node.waitForLog(
            () =>
              purgeTotal(nodes, 'expiredItems') >= expiring && purgeTotal(nodes, 'removedBlobs') >= MESSAGES,
          ),
        ),
      );
      const items = await allItems();
      expect(items.filter((item) => item.status === 'expired')).toHaveLength(expiring);
      expect(items.filter((item) => ['quarantined', 'releasing', 'released'].includes(item.status))).toEqual(
        [],
      );
      // Each expiry was made by exactly one node: the nodes' reports add up to the items, no more.
      expect(purgeTotal(nodes, 'expiredItems')).toBe(expiring);
      // Both nodes may remove one message's blob at once (removing is idempotent); only one counts it.
      expect(purgeTotal(nodes, 'removedBlobs')).toBe(MESSAGES);
      expect((await pool.query('SELECT 1 FROM messages WHERE blob_removed_at IS NULL')).rowCount).toBe(0);
      expect(nodes.every((node) => !node.logs.some((line) => line.event === 'PURGE_FAILED'))).toBe(true);
      for (const message of messages.rows) expect(await stores.blobs.exists(message.blob_key)).toBe(false);
      const { counters, recount } = await countersAndRecount(pool);
      expect(counters).toEqual(recount);
      const stats = (await admins[1]!.request('/api/stats?days=7')).body as StatsAnswer;
      expect(stats.totals.expired).toBe(expiring);
      expect(stats.statuses.expired).toBe(expiring);
    });
  },
);
