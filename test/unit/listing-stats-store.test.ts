import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ListingStatsStore } from '../../src/store/listing-stats-store.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import type { StatsRequest } from '../../src/store/stats-store.js';
import { buildItems, buildMessage } from '../support/builders.js';

const WINDOW: StatsRequest = { fromDay: '2026-11-01', toDay: '2026-11-30', top: 5 };

describe('ListingStatsStore (dashboard numbers for backends without counters)', () => {
  let dir: string;
  let items: SqliteItemStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-listing-stats-'));
    items = new SqliteItemStore({ path: join(dir, 'lazaret.sqlite') });
  });
  afterEach(async () => {
    await items.close();
    await rm(dir, { recursive: true, force: true });
  });

  const hold = async (at: string, from: string, to: string, reason: 'spam' | 'malware' = 'spam') => {
    const message = buildMessage({ receivedAt: at, envelope: { mailFrom: from, rcptTo: [to] } });
    const [item] = buildItems(message, [to], { reason });
    await items.putMessage(message, [item!]);
    return item!;
  };

  it('counts the items received in the window, scoped like a list', async () => {
    const first = await hold('2026-11-02T10:00:00.000Z', 'a@bad.test', 'x@one.test');
    await hold('2026-11-02T11:00:00.000Z', 'a@bad.test', 'y@two.test', 'malware');
    await hold('2026-10-30T11:00:00.000Z', 'old@bad.test', 'x@one.test');
    await items.transition(
      first.id,
      { status: ['quarantined'] },
      { status: 'deleted', at: '2026-11-03T09:00:00.000Z' },
    );

    const all = await new ListingStatsStore(items).stats({}, WINDOW);
    expect(all.days).toEqual([
      { day: '2026-11-02', held: { spam: 1, malware: 1 }, released: 0, deleted: 0, expired: 0 },
      { day: '2026-11-03', held: {}, released: 0, deleted: 1, expired: 0 },
    ]);
    expect(all.statuses).toEqual({ quarantined: 1, deleted: 1 });
    expect(all.topSenders).toEqual([{ address: 'a@bad.test', count: 1 }]);
    expect(all.partial).toBe(false);

    const one = await new ListingStatsStore(items).stats({ tenantIn: ['two.test'] }, WINDOW);
    expect(one.topRecipients).toEqual([{ address: 'y@two.test', count: 1 }]);
    expect(await new ListingStatsStore(items).stats({ recipientIn: [] }, WINDOW)).toMatchObject({
      days: [],
      partial: false,
    });
  });

  it('stops at its limit and says the numbers are partial', async () => {
    for (let index = 0; index < 5; index += 1)
      await hold(`2026-11-0${index + 1}T10:00:00.000Z`, 's@bad.test', 'x@one.test');
    const capped = await new ListingStatsStore(items, 2).stats({}, WINDOW);
    expect(capped.partial).toBe(true);
  });
});
