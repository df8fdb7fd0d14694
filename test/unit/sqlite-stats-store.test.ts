import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { SqliteStatsStore } from '../../src/store/sqlite/sqlite-stats-store.js';
import type { StatsRequest } from '../../src/store/stats-store.js';
import { buildItems, buildMessage } from '../support/builders.js';

const WINDOW: StatsRequest = { fromDay: '2026-11-01', toDay: '2026-11-30', top: 5 };

describe('SQLite stats counters', () => {
  let dir: string;
  let db: Database;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-stats-'));
    db = openSqliteDatabase(join(dir, 'lazaret.sqlite'));
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const fill = async (items: SqliteItemStore) => {
    for (let index = 0; index < 20; index += 1) {
      const message = buildMessage({
        receivedAt: `2026-11-${String(1 + (index % 9)).padStart(2, '0')}T10:00:00.000Z`,
        envelope: { mailFrom: `s${index % 4}@bad.test`, rcptTo: [`r${index % 3}@one.test`, 'all@two.test'] },
      });
      const built = buildItems(message, undefined, { reason: index % 5 === 0 ? 'malware' : 'spam' });
      await items.putMessage(message, built);
      if (index % 2 === 0)
        await items.transition(
          built[0]!.id,
          { status: ['quarantined'] },
          { status: 'deleted', at: '2026-11-20T00:00:00.000Z' },
        );
    }
  };

  it('fills the counters for items stored before the counters existed', async () => {
    const live = new SqliteItemStore({ db });
    const counted = new SqliteStatsStore(db);
    await fill(live);
    const expected = await counted.stats({}, WINDOW);

    const otherDb = openSqliteDatabase(join(dir, 'older.sqlite'));
    try {
      await fill(new SqliteItemStore({ db: otherDb }));
      // The item store keeps the counters too: take them away, as before the counters existed.
      otherDb.exec(`
        DROP TRIGGER stats_item_insert; DROP TRIGGER stats_item_status;
        DROP TABLE stats_daily; DROP TABLE stats_status; DROP TABLE stats_parties; DROP TABLE stats_pending;
        DELETE FROM schema_migrations WHERE name = 'stats';
      `);
      const backfilled = await new SqliteStatsStore(otherDb).stats({}, WINDOW);
      expect(backfilled.days.reduce((sum, day) => sum + day.deleted, 0)).toBe(10);
      expect(backfilled).toEqual(expected);
    } finally {
      otherDb.close();
    }
  });

  it('answers administrators and domain admins from the counters alone, never from the items', async () => {
    const items = new SqliteItemStore({ db });
    const stats = new SqliteStatsStore(db);
    await fill(items);
    const before = [await stats.stats({}, WINDOW), await stats.stats({ tenantIn: ['one.test'] }, WINDOW)];
    // Rows removed behind the counters' back (no trigger fires on DELETE): the answers must not change.
    db.exec('PRAGMA foreign_keys = OFF; DELETE FROM items;');
    const after = [await stats.stats({}, WINDOW), await stats.stats({ tenantIn: ['one.test'] }, WINDOW)];
    expect(after).toEqual(before);
    expect(before[0]!.statuses).toEqual({ quarantined: 30, deleted: 10 });
  });

  it('reports a broken database as store_error', async () => {
    const stats = new SqliteStatsStore(db);
    db.exec('DROP TABLE stats_daily');
    await expect(stats.stats({}, WINDOW)).rejects.toMatchObject({ code: 'store_error' });
  });
});
