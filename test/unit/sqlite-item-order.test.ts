import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuarantineItem } from '../../src/core/types.js';
import { ITEM_ORDER_FIELDS, type ItemOrder } from '../../src/store/item-store.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { buildItems, buildMessage } from '../support/builders.js';

const REASONS = ['spam', 'malware', 'phish', 'policy', 'bulk'] as const;

/** Sort value as the store defines it: missing subjects are '', missing scores lowest. */
const sortValue = (item: QuarantineItem, field: ItemOrder['field']): string | number => {
  switch (field) {
    case 'subject':
      return item.subject ?? '';
    case 'score':
      return item.score ?? -1e300;
    default:
      return item[field];
  }
};

describe('SQLite list orders other than newest first', () => {
  let dir: string;
  let store: SqliteItemStore;
  const all: QuarantineItem[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-order-'));
    store = new SqliteItemStore({ path: join(dir, 'lazaret.sqlite') });
    for (let index = 0; index < 57; index += 1) {
      const message = buildMessage({
        receivedAt: new Date(Date.UTC(2026, 10, 1, 0, index % 13)).toISOString(),
        size: 1000 + (index % 7) * 10,
        envelope: { mailFrom: `s${index % 5}@x.test`, rcptTo: [`r${index % 4}@y.test`] },
        headers: index % 6 === 0 ? {} : { subject: `Subject ${index % 9}` },
      });
      const items = buildItems(message, undefined, {
        reason: REASONS[index % REASONS.length],
        score: index % 8 === 0 ? null : index % 10,
      });
      await store.putMessage(message, items);
      all.push(...items);
    }
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const walk = async (order: ItemOrder, limit: number) => {
    const seen: QuarantineItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listItems({}, { limit, cursor, order });
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return seen;
  };

  for (const field of ITEM_ORDER_FIELDS) {
    for (const direction of ['asc', 'desc'] as const) {
      it(`pages through every item by ${field} ${direction}, ties by id, none twice`, async () => {
        const seen = await walk({ field, direction }, 8);
        const sign = direction === 'asc' ? 1 : -1;
        const expected = [...all].sort((a, b) => {
          const x = sortValue(a, field);
          const y = sortValue(b, field);
          if (x !== y) return (x < y ? -1 : 1) * sign;
          return (a.id < b.id ? -1 : 1) * sign;
        });
        expect(seen.map((item) => item.id)).toEqual(expected.map((item) => item.id));
      });
    }
  }

  it('refuses a cursor of another order', async () => {
    const page = await store.listItems({}, { limit: 5, order: { field: 'size', direction: 'asc' } });
    await expect(
      store.listItems(
        {},
        { limit: 5, cursor: page.nextCursor!, order: { field: 'size', direction: 'desc' } },
      ),
    ).rejects.toMatchObject({ code: 'bad_cursor' });
    await expect(store.listItems({}, { limit: 5, cursor: page.nextCursor! })).rejects.toMatchObject({
      code: 'bad_cursor',
    });
  });
});
