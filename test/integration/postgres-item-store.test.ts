import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import {
  openPostgresStores,
  POSTGRES_MIGRATION_SETS,
  type PostgresStores,
} from '../../src/store/postgres/open-postgres-stores.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { type PostgresCluster, postgresAvailable, startPostgres } from '../support/postgres.js';

describe.skipIf(!postgresAvailable('PostgreSQL item store'))(
  'PostgreSQL item store: what only PostgreSQL needs',
  () => {
    let cluster: PostgresCluster;
    let stores: PostgresStores;
    beforeAll(async () => {
      cluster = await startPostgres();
      stores = await openPostgresStores({
        url: await cluster.createDatabase(`items_${newId().toLowerCase()}`),
      });
    });
    afterAll(async () => {
      await stores?.close();
      await cluster?.stop();
    });

    it('keeps a message whose headers hold NUL or a lone surrogate, which PostgreSQL cannot store, as U+FFFD', async () => {
      const message = buildMessage({
        envelope: { mailFrom: 'a@example.com', rcptTo: ['nul@broken.test'] },
        headers: { subject: 'Invoice\u0000 due \uD800 now', from: 'Sender\u0000 <a@example.com>' },
      });
      const items = buildItems(message, undefined, { subject: 'Invoice\u0000 due \uD800 now' });
      await stores.items.putMessage(message, items);

      const stored = await stores.items.getItem(items[0]!.id);
      expect(stored?.subject).toBe('Invoice\uFFFD due \uFFFD now');
      expect((await stores.items.getMessage(message.id))?.headers.subject).toBe(
        'Invoice\uFFFD due \uFFFD now',
      );
      const found = await stores.items.listItems({ subject: 'due' }, { limit: 10 });
      expect(found.items.map((item) => item.id)).toEqual([items[0]!.id]);
    });

    it('brings the schema up to date once, whoever opens first, and opens over an existing schema', async () => {
      const url = await cluster.createDatabase(`schema_${newId().toLowerCase()}`);
      const opened = await Promise.all([openPostgresStores({ url }), openPostgresStores({ url })]);
      try {
        const applied = await opened[0]!.pool.query<{ name: string; steps: number }>(
          'SELECT name, count(*)::int AS steps FROM schema_migrations GROUP BY name ORDER BY name',
        );
        // Two openers raced: every step of every set is recorded exactly once (the primary key would
        // refuse a second row, so a step run twice would have failed one opener).
        const expected = POSTGRES_MIGRATION_SETS.map((set) => ({
          name: set.name,
          steps: set.steps.length,
        })).sort((a, b) => (a.name < b.name ? -1 : 1));
        expect(applied.rows).toEqual(expected);
        expect(expected.map((set) => set.name)).toEqual(
          expect.arrayContaining(['items', 'auth', 'audit', 'jobs']),
        );
      } finally {
        for (const each of opened) await each.close();
      }
    });
  },
);
