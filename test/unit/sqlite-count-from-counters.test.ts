import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSearchQuery } from '../../src/core/search-query.js';
import { ITEM_STATUSES, type ItemStatus } from '../../src/core/types.js';
import type { ItemFilter } from '../../src/store/item-store.js';
import { filterFromQuery } from '../../src/store/query-filter.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { insertUnfolded } from '../support/seed-items.js';

/** What the listing holds for a filter: the reference a count must equal. */
async function listed(store: SqliteItemStore, filter: ItemFilter): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await store.listItems(filter, { limit: 100, cursor });
    count += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return count;
}

const FILTERS: ItemFilter[] = [
  {},
  { statuses: ['quarantined'] },
  { statuses: ['deleted', 'released'] },
  { statuses: [...ITEM_STATUSES] },
  { tenantIn: ['one.test'] },
  { tenantIn: ['two.test', 'one.test'], statuses: ['deleted'] },
  { tenantIn: [] },
];

describe('SQLite countItems from the status counters', () => {
  let dir: string;
  let db: Database;
  let store: SqliteItemStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-count-counters-'));
    db = openSqliteDatabase(join(dir, 'lazaret.sqlite'));
    store = new SqliteItemStore({ db });
    // One item quarantined in one.test, one deleted in two.test.
    const message = buildMessage({
      envelope: { mailFrom: 'a@sender.test', rcptTo: ['x@one.test', 'z@two.test'] },
    });
    const items = buildItems(message);
    await store.putMessage(message, items);
    const at = '2026-11-02T00:00:00.000Z';
    await store.transition(items[1]!.id, { status: ['quarantined'] }, { status: 'deleted', at });
  });
  afterEach(async () => {
    await store.close();
    if (db.open) db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a status- and tenant-only count from the counters, and any other filter from the items', async () => {
    // Counters that disagree with the items (never so in use) show which the answer came from.
    db.exec(`UPDATE stats_status SET n = n + 100 WHERE tenant = 'one.test' AND status = 'quarantined'`);
    expect(await store.countItems({}, 1000)).toBe(101);
    expect(await store.countItems({ tenantIn: ['one.test'] }, 1000)).toBe(101);
    expect(await store.countItems({ tenantIn: ['one.test'] }, 50)).toBe(50);
    expect(await store.countItems({ tenantIn: ['two.test'] }, 1000)).toBe(0);
    expect(await store.countItems({ tenantIn: [] }, 1000)).toBe(0);
    expect(await store.countItems({ statuses: [] }, 1000)).toBe(0);
    // Not status- and tenant-only: counted from the items.
    expect(await store.countItems({ reasons: ['spam'] }, 1000)).toBe(1);
    expect(await store.countItems({ recipientIn: ['x@one.test'] }, 1000)).toBe(1);
    expect(await store.countItems(filterFromQuery(parseSearchQuery('sender.test')), 1000)).toBe(1);
    expect(
      await store.countItems({ tenantIn: ['one.test'], receivedAfter: '2026-01-01T00:00:00.000Z' }, 1000),
    ).toBe(1);
  });

  it('adds the changes a writer committed without folding, without folding them itself', async () => {
    const loader = openSqliteDatabase(join(dir, 'lazaret.sqlite'));
    try {
      insertUnfolded(
        loader,
        [
          { id: 'i1', recipient: 'x@one.test', sender: 'a@bad.test' },
          { id: 'i2', recipient: 'y@two.test', sender: 'a@bad.test' },
          { id: 'i3', recipient: 'w@three.test', sender: 'a@bad.test' },
        ],
        [
          ['i2', 'deleted'],
          ['i3', 'releasing'],
          ['i3', 'released'],
        ],
      );
    } finally {
      loader.close();
    }
    const pending = () => db.prepare('SELECT count(*) FROM stats_pending').pluck().get();
    expect(pending()).toBe(6);
    const filters: ItemFilter[] = [
      ...FILTERS,
      { tenantIn: ['three.test'], statuses: ['releasing'] },
      { tenantIn: ['three.test'] },
      { statuses: ['released', 'releasing'] as ItemStatus[] },
    ];
    for (const filter of filters) {
      expect(await store.countItems(filter, 1000), JSON.stringify(filter)).toBe(await listed(store, filter));
    }
    expect(await store.countItems({}, 2)).toBe(2);
    expect(pending()).toBe(6);

    // The next write folds them; the answers stay the same.
    const message = buildMessage({ envelope: { mailFrom: 'b@sender.test', rcptTo: ['v@two.test'] } });
    await store.putMessage(message, buildItems(message));
    expect(pending()).toBe(0);
    for (const filter of filters) {
      expect(await store.countItems(filter, 1000), JSON.stringify(filter)).toBe(await listed(store, filter));
    }
  });
});
