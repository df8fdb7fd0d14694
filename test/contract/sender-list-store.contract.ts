import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import type { OwnerScope } from '../../src/store/owner-scope.js';
import type { SenderListEntry, SenderListStore } from '../../src/store/sender-list-store.js';
import type { MakeStores, StoreFixture } from './stores.js';

const AT = '2026-11-20T10:00:00.000Z';

function entry(scope: OwnerScope, sender: string, overrides: Partial<SenderListEntry> = {}): SenderListEntry {
  return {
    id: newId(),
    scope,
    action: 'allow',
    sender,
    updatedAt: AT,
    updatedBy: 'someone@corp.test',
    ...overrides,
  };
}

/** Sender lists behave alike on every backend; tested only through the interface. */
export function senderListStoreContract(backend: string, makeStores: MakeStores): void {
  describe(`SenderListStore contract: ${backend}`, () => {
    let fixture: StoreFixture;
    let lists: SenderListStore;
    const alice: OwnerScope = { kind: 'user', userId: newId() };
    const bob: OwnerScope = { kind: 'user', userId: newId() };
    const corp: OwnerScope = { kind: 'domain', domain: 'corp.test' };
    const global: OwnerScope = { kind: 'global' };

    beforeEach(async () => {
      fixture = await makeStores();
      lists = fixture.lists;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('adds an entry, finds it by id, and keeps it across a reopen', async () => {
      const added = entry(alice, 'news@shop.example');
      const result = await lists.putListEntry(added);
      expect(result).toEqual({ entry: added, previous: null });
      expect(await lists.getListEntry(added.id)).toEqual(added);
      expect(await lists.getListEntry(newId())).toBeNull();
      expect(await (await fixture.reopen()).lists.getListEntry(added.id)).toEqual(added);
    });

    it('keeps one entry per scope and sender: putting it again changes the action and keeps the id', async () => {
      const first = entry(alice, 'Spam@Shop.Example', { action: 'block' });
      const stored = (await lists.putListEntry(first)).entry;
      expect(stored.sender).toBe('spam@shop.example');
      const later = '2026-11-21T10:00:00.000Z';
      const again = await lists.putListEntry(
        entry(alice, 'spam@shop.example', {
          action: 'allow',
          updatedAt: later,
          updatedBy: 'alice@corp.test',
        }),
      );
      expect(again.previous).toEqual(stored);
      expect(again.entry).toEqual({
        ...stored,
        action: 'allow',
        updatedAt: later,
        updatedBy: 'alice@corp.test',
      });
      expect(await lists.getListEntry(first.id)).toEqual(again.entry);
      // The same sender in another scope is another entry.
      const other = await lists.putListEntry(entry(bob, 'spam@shop.example', { action: 'block' }));
      expect(other.previous).toBeNull();
      expect(other.entry.id).not.toBe(first.id);
    });

    it('leaves exactly one entry when two instances put the same scope and sender at once', async () => {
      const second = (await fixture.reopen()).lists;
      const results = await Promise.all([
        lists.putListEntry(entry(corp, 'race.example', { action: 'allow' })),
        second.putListEntry(entry(corp, 'race.example', { action: 'block' })),
      ]);
      expect(results.filter((result) => result.previous === null)).toHaveLength(1);
      const page = await lists.listListEntries({ scopes: [corp] }, { limit: 10 });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]!.id).toBe(results.find((result) => result.previous === null)!.entry.id);
    });

    it('removes an entry once and answers it', async () => {
      const added = (await lists.putListEntry(entry(global, 'bulk.example', { action: 'block' }))).entry;
      expect(await lists.removeListEntry(added.id)).toEqual(added);
      expect(await lists.removeListEntry(added.id)).toBeNull();
      expect(await lists.getListEntry(added.id)).toBeNull();
      expect(await lists.findListEntries([global], ['bulk.example'])).toEqual([]);
    });

    it('finds entries by exact scope and pattern only', async () => {
      const made = [
        entry(alice, 'news@shop.example'),
        entry(alice, 'shop.example', { action: 'block' }),
        entry(bob, 'news@shop.example', { action: 'block' }),
        entry(corp, 'example', { action: 'block' }),
        entry(global, 'shop.example'),
        entry({ kind: 'domain', domain: 'other.test' }, 'shop.example'),
      ];
      for (const each of made) await lists.putListEntry(each);
      const ids = async (scopes: OwnerScope[], patterns: string[]) =>
        (await lists.findListEntries(scopes, patterns)).map((each) => each.id).sort();
      expect(await ids([alice, corp, global], ['news@shop.example', 'shop.example', 'example'])).toEqual(
        [made[0]!.id, made[1]!.id, made[3]!.id, made[4]!.id].sort(),
      );
      expect(await ids([bob], ['NEWS@shop.example'])).toEqual([made[2]!.id]);
      expect(await ids([{ kind: 'domain', domain: 'CORP.test' }], ['example'])).toEqual([made[3]!.id]);
      expect(await ids([alice], ['sub.shop.example'])).toEqual([]);
      expect(await ids([], ['shop.example'])).toEqual([]);
      expect(await ids([alice], [])).toEqual([]);
    });

    it('lists by scope, kind, action and sender, newest first, page by page', async () => {
      const made: SenderListEntry[] = [];
      for (const [scope, sender, action] of [
        [alice, 'a.example', 'allow'],
        [alice, 'b.example', 'block'],
        [bob, 'a.example', 'allow'],
        [corp, 'a.example', 'block'],
        [global, 'c.example', 'allow'],
      ] as const) {
        const each = entry(scope, sender, { action });
        made.push(each);
        await lists.putListEntry(each);
      }
      const ids = async (filter: Parameters<SenderListStore['listListEntries']>[0]) =>
        (await lists.listListEntries(filter, { limit: 50 })).items.map((each) => each.id);
      const newest = (...indexes: number[]) => indexes.map((index) => made[index]!.id).reverse();
      expect(await ids({})).toEqual(newest(0, 1, 2, 3, 4));
      expect(await ids({ scopes: [alice] })).toEqual(newest(0, 1));
      expect(await ids({ scopes: [] })).toEqual([]);
      expect(await ids({ kinds: ['user'] })).toEqual(newest(0, 1, 2));
      expect(await ids({ kinds: ['domain', 'global'] })).toEqual(newest(3, 4));
      expect(await ids({ action: 'block' })).toEqual(newest(1, 3));
      expect(await ids({ sender: 'A.example', kinds: ['user'] })).toEqual(newest(0, 2));

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await lists.listListEntries({}, { limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((each) => each.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(newest(0, 1, 2, 3, 4));
      await expect(lists.listListEntries({}, { limit: 2, cursor: 'garbage' })).rejects.toSatisfy((error) =>
        isLazaretError(error, 'bad_cursor'),
      );
    });
  });
}
