import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { parseSearchQuery, termMatches } from '../../src/core/search-query.js';
import { ITEM_STATUSES, type ItemStatus, LIVE_STATUSES, type QuarantineItem } from '../../src/core/types.js';
import type { ItemFilter, ItemStore } from '../../src/store/item-store.js';
import { filterFromQuery } from '../../src/store/query-filter.js';
import { buildItems, buildMessage } from '../support/builders.js';
import type { MakeStores, StoreFixture } from './stores.js';

async function collectAllPages(
  store: ItemStore,
  filter: Parameters<ItemStore['listItems']>[0],
  limit: number,
  between?: () => Promise<void>,
): Promise<QuarantineItem[]> {
  const all: QuarantineItem[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 10_000; guard += 1) {
    const page = await store.listItems(filter, { limit, cursor });
    all.push(...page.items);
    if (page.nextCursor === null) return all;
    cursor = page.nextCursor;
    await between?.();
  }
  throw new Error('pagination did not end');
}

/** The behaviour every ItemStore backend must show; run unchanged against each of them. */
export function itemStoreContract(backend: string, makeStores: MakeStores): void {
  describe(`ItemStore contract: ${backend}`, () => {
    let fixture: StoreFixture;
    let store: ItemStore;

    beforeEach(async () => {
      fixture = await makeStores();
      store = fixture.items;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('stores a message and its items so that all become visible together', async () => {
      const message = buildMessage({
        envelope: { mailFrom: 'a@example.com', rcptTo: ['x@one.test', 'y@two.test'] },
        remoteAddress: '192.0.2.7',
        heloName: 'mail.sender.example',
        queueId: '4Xb1Kz2QfNz9TQ',
      });
      const items = buildItems(message);
      await store.putMessage(message, items);

      expect(await store.getMessage(message.id)).toEqual(message);
      for (const item of items) expect(await store.getItem(item.id)).toEqual(item);
      const listed = await store.listItems({ messageId: message.id }, { limit: 10 });
      expect(listed.items.map((item) => item.id).sort()).toEqual(items.map((item) => item.id).sort());
    });

    it('shows nothing of a message whose write died between item writes, also after a restart', async () => {
      const message = buildMessage({
        envelope: { mailFrom: 'a@example.com', rcptTo: ['r1@crash.test', 'r2@crash.test', 'r3@crash.test'] },
      });
      const items = buildItems(message);
      const crashing = await fixture.crashingItemStore(1);
      await expect(crashing.putMessage(message, items)).rejects.toThrow();

      for (const view of [store, (await fixture.reopen()).items]) {
        expect(await view.getMessage(message.id)).toBeNull();
        expect((await view.getItems(items.map((item) => item.id))).size).toBe(0);
        for (const item of items) expect(await view.getItem(item.id)).toBeNull();
        const page = await view.listItems({ recipient: 'r1@crash.test' }, { limit: 10 });
        expect(page.items).toEqual([]);
        expect((await view.listItems({ tenantIn: ['crash.test'] }, { limit: 10 })).items).toEqual([]);
      }
    });

    it('gets many items by id in one call, leaving out unknown ids', async () => {
      const recipients = Array.from({ length: 150 }, (_, index) => `user${index}@many.test`);
      const message = buildMessage({ envelope: { mailFrom: 'a@example.com', rcptTo: recipients } });
      const items = buildItems(message);
      await store.putMessage(message, items);
      const unknown = [newId(), newId()];
      const wanted = [...items.map((item) => item.id), ...unknown, items[0]!.id];
      const found = await store.getItems(wanted);
      expect(found.size).toBe(150);
      for (const item of items) expect(found.get(item.id)).toEqual(item);
      for (const id of unknown) expect(found.has(id)).toBe(false);
    });

    describe('listing with filters', () => {
      let byName: Record<string, QuarantineItem>;

      beforeEach(async () => {
        const specs = [
          {
            name: 'spamToAlice',
            from: 'bad@spam.test',
            to: 'alice@corp.test',
            subject: 'Cheap WATCHES',
            reason: 'spam',
            at: '2026-11-01T08:00:00.000Z',
          },
          {
            name: 'virusToAlice',
            from: 'evil@virus.test',
            to: 'alice@corp.test',
            subject: 'Invoice 100%_final',
            reason: 'malware',
            at: '2026-11-02T08:00:00.000Z',
          },
          {
            name: 'spamToBob',
            from: 'bad@spam.test',
            to: 'bob@corp.test',
            subject: 'Cheap pills',
            reason: 'spam',
            at: '2026-11-03T08:00:00.000Z',
          },
          {
            name: 'phishToCarol',
            from: 'x@phish.test',
            to: 'carol@other.test',
            subject: 'Reset your password',
            reason: 'phish',
            at: '2026-11-04T08:00:00.000Z',
          },
          {
            name: 'bulkToCarol',
            from: 'news@spam.test',
            to: 'carol@other.test',
            subject: 'Newsletter',
            reason: 'bulk',
            at: '2026-11-05T08:00:00.000Z',
          },
        ] as const;
        byName = {};
        for (const spec of specs) {
          const message = buildMessage({
            receivedAt: spec.at,
            envelope: { mailFrom: spec.from, rcptTo: [spec.to] },
            headers: { subject: spec.subject, from: spec.from, fromAddress: spec.from },
          });
          const [item] = buildItems(message, [spec.to], { reason: spec.reason });
          await store.putMessage(message, [item!]);
          byName[spec.name] = item!;
        }
      });

      const names = async (filter: Parameters<ItemStore['listItems']>[0]) => {
        const page = await store.listItems(filter, { limit: 100 });
        const idToName = new Map(Object.entries(byName).map(([name, item]) => [item.id, name]));
        return page.items.map((item) => idToName.get(item.id));
      };

      it('lists everything newest first without a filter', async () => {
        expect(await names({})).toEqual([
          'bulkToCarol',
          'phishToCarol',
          'spamToBob',
          'virusToAlice',
          'spamToAlice',
        ]);
      });

      it('filters by recipient, case-insensitively', async () => {
        expect(await names({ recipient: 'Alice@Corp.test' })).toEqual(['virusToAlice', 'spamToAlice']);
      });

      it('filters by sender address and by sender domain', async () => {
        expect(await names({ sender: 'bad@spam.test' })).toEqual(['spamToBob', 'spamToAlice']);
        expect(await names({ sender: 'spam.test' })).toEqual(['bulkToCarol', 'spamToBob', 'spamToAlice']);
        expect(await names({ sender: '@spam.test' })).toEqual(['bulkToCarol', 'spamToBob', 'spamToAlice']);
      });

      it('filters by subject text, case-insensitively, with LIKE wildcards taken literally', async () => {
        expect(await names({ subject: 'cheap' })).toEqual(['spamToBob', 'spamToAlice']);
        expect(await names({ subject: '100%_' })).toEqual(['virusToAlice']);
        expect(await names({ subject: '%' })).toEqual(['virusToAlice']);
      });

      it('filters by reasons', async () => {
        expect(await names({ reasons: ['malware', 'phish'] })).toEqual(['phishToCarol', 'virusToAlice']);
      });

      it('filters by received time: after inclusive, before exclusive', async () => {
        expect(
          await names({
            receivedAfter: '2026-11-02T08:00:00.000Z',
            receivedBefore: '2026-11-04T08:00:00.000Z',
          }),
        ).toEqual(['spamToBob', 'virusToAlice']);
      });

      it('combines filters', async () => {
        expect(await names({ sender: 'spam.test', recipient: 'bob@corp.test', reasons: ['spam'] })).toEqual([
          'spamToBob',
        ]);
      });

      it('limits to an access scope of recipients or tenants; an empty scope matches nothing', async () => {
        expect(await names({ recipientIn: ['bob@corp.test', 'carol@other.test'] })).toEqual([
          'bulkToCarol',
          'phishToCarol',
          'spamToBob',
        ]);
        expect(await names({ tenantIn: ['corp.test'] })).toEqual([
          'spamToBob',
          'virusToAlice',
          'spamToAlice',
        ]);
        expect(await names({ tenantIn: [] })).toEqual([]);
        expect(await names({ recipientIn: [] })).toEqual([]);
      });

      it('counts what it would list, up to a limit', async () => {
        for (const filter of [
          {},
          { sender: 'spam.test' },
          { recipientIn: ['bob@corp.test', 'carol@other.test'] },
          { tenantIn: [] },
          { reasons: ['spam' as const], receivedAfter: '2026-11-02T00:00:00.000Z' },
        ]) {
          expect(await store.countItems(filter, 1000), JSON.stringify(filter)).toBe(
            (await names(filter)).length,
          );
        }
        expect(await store.countItems({}, 3)).toBe(3);
      });

      it('lists live statuses by default and tombstones only when asked', async () => {
        const at = new Date().toISOString();
        const deleted = await store.transition(
          byName.spamToBob!.id,
          { status: ['quarantined'] },
          { status: 'deleted', at },
        );
        expect(deleted.ok).toBe(true);
        expect(await names({ sender: 'bad@spam.test' })).toEqual(['spamToAlice']);
        expect(await names({ statuses: ['deleted'] })).toEqual(['spamToBob']);
      });
    });

    it('pages through ties in a stable order, unaffected by newer arrivals', async () => {
      const sameTime = '2026-11-10T12:00:00.000Z';
      const recipients = Array.from({ length: 23 }, (_, index) => `tie${index}@ties.test`);
      const message = buildMessage({
        receivedAt: sameTime,
        envelope: { mailFrom: 'a@ties.test', rcptTo: recipients },
      });
      const items = buildItems(message);
      await store.putMessage(message, items);

      let arrivals = 0;
      const pages = await collectAllPages(store, { tenantIn: ['ties.test'] }, 5, async () => {
        arrivals += 1;
        const newer = buildMessage({
          receivedAt: `2026-11-11T00:00:0${arrivals % 10}.000Z`,
          envelope: { mailFrom: 'a@ties.test', rcptTo: [`new${arrivals}@ties.test`] },
        });
        await store.putMessage(newer, buildItems(newer));
      });
      const expected = [...items].sort((a, b) => (a.id < b.id ? 1 : -1)).map((item) => item.id);
      expect(pages.map((item) => item.id)).toEqual(expected);
    });

    it('refuses a cursor it did not issue', async () => {
      await expect(store.listItems({}, { limit: 10, cursor: 'not-a-cursor' })).rejects.toSatisfy((error) =>
        isLazaretError(error, 'bad_cursor'),
      );
    });

    describe('conditional transitions', () => {
      let item: QuarantineItem;
      const at = '2026-11-20T00:00:00.000Z';

      beforeEach(async () => {
        const message = buildMessage();
        [item] = buildItems(message) as [QuarantineItem];
        await store.putMessage(message, [item]);
      });

      it('applies a matching transition, bumps the version and writes the given fields', async () => {
        const lease = { owner: 'node-a', until: '2026-11-20T00:05:00.000Z' };
        const claimed = await store.transition(
          item.id,
          { status: ['quarantined'], version: 1 },
          { status: 'releasing', at, lease },
        );
        expect(claimed).toMatchObject({
          ok: true,
          item: { status: 'releasing', version: 2, lease, updatedAt: at },
        });
        const release = { to: [item.recipient], by: 'tester', at, reply: '250 OK' };
        const done = await store.transition(
          item.id,
          { status: ['releasing'], version: 2 },
          { status: 'released', at, lease: null, release },
        );
        expect(done).toMatchObject({
          ok: true,
          item: { status: 'released', version: 3, lease: null, release },
        });
        expect(await store.getItem(item.id)).toMatchObject({ status: 'released', version: 3, release });
      });

      it('refuses a stale version or status and reports the current item', async () => {
        const stale = await store.transition(
          item.id,
          { status: ['quarantined'], version: 7 },
          { status: 'deleted', at },
        );
        expect(stale).toEqual({ ok: false, current: item });
        const wrongStatus = await store.transition(
          item.id,
          { status: ['released'] },
          { status: 'deleted', at },
        );
        expect(wrongStatus).toEqual({ ok: false, current: item });
      });

      it('refuses moves the state machine does not have', async () => {
        await store.transition(item.id, { status: ['quarantined'] }, { status: 'deleted', at });
        const back = await store.transition(item.id, { status: ['deleted'] }, { status: 'quarantined', at });
        expect(back.ok).toBe(false);
        expect((await store.getItem(item.id))?.status).toBe('deleted');
      });

      it('answers current null for an unknown id', async () => {
        expect(
          await store.transition(newId(), { status: ['quarantined'] }, { status: 'deleted', at }),
        ).toEqual({
          ok: false,
          current: null,
        });
      });

      it('lets exactly one of many concurrent claims win, also across two instances', async () => {
        const other = (await fixture.reopen()).items;
        const claims = Array.from({ length: 12 }, (_, index) =>
          (index % 2 === 0 ? store : other).transition(
            item.id,
            { status: ['quarantined'], version: item.version },
            { status: 'releasing', at, lease: { owner: `claimer-${index}`, until: at } },
          ),
        );
        const results = await Promise.all(claims);
        const winners = results.filter((result) => result.ok);
        expect(winners).toHaveLength(1);
        for (const loser of results.filter((result) => !result.ok)) {
          expect(loser).toMatchObject({ ok: false, current: { status: 'releasing', version: 2 } });
        }
      });

      it('lets exactly one of two concurrent claims without version win via the status condition', async () => {
        const results = await Promise.all(
          [1, 2].map((n) =>
            store.transition(
              item.id,
              { status: ['quarantined'] },
              { status: 'deleted', at: `${at.slice(0, -5)}${n}00Z` },
            ),
          ),
        );
        expect(results.filter((result) => result.ok)).toHaveLength(1);
      });
    });

    describe('many conditional writes at once', () => {
      const at = '2026-11-20T00:00:00.000Z';
      let items: QuarantineItem[];

      beforeEach(async () => {
        const message = buildMessage({
          envelope: { mailFrom: 'a@example.com', rcptTo: ['a@many.test', 'b@many.test', 'c@many.test'] },
        });
        items = buildItems(message);
        await store.putMessage(message, items);
      });

      it('applies each request on its own condition and answers in request order', async () => {
        const [a, b, c] = items as [QuarantineItem, QuarantineItem, QuarantineItem];
        const unknown = newId();
        const lease = { owner: 'bulk-1', until: '2026-11-20T00:05:00.000Z' };
        const results = await store.transitionMany([
          {
            id: c.id,
            expected: { status: ['quarantined'], version: 1 },
            change: { status: 'releasing', at, lease },
          },
          {
            id: unknown,
            expected: { status: ['quarantined'], version: 1 },
            change: { status: 'deleted', at },
          },
          { id: a.id, expected: { status: ['quarantined'], version: 9 }, change: { status: 'deleted', at } },
          { id: b.id, expected: { status: ['quarantined'], version: 1 }, change: { status: 'deleted', at } },
        ]);
        expect(results).toEqual([
          { ok: true, item: { ...c, status: 'releasing', version: 2, lease, updatedAt: at } },
          { ok: false, current: null },
          { ok: false, current: a },
          { ok: true, item: { ...b, status: 'deleted', version: 2, updatedAt: at } },
        ]);
        expect(await store.getItem(a.id)).toEqual(a);
        expect((await store.getItem(c.id))?.lease).toEqual(lease);
      });

      it('answers an empty batch with no results', async () => {
        expect(await store.transitionMany([])).toEqual([]);
      });

      it('lets exactly one of two concurrent batches over the same items win each item, across instances', async () => {
        const other = (await fixture.reopen()).items;
        const batch = (owner: string) =>
          items.map((item) => ({
            id: item.id,
            expected: { status: ['quarantined'] as const, version: 1 },
            change: { status: 'releasing' as const, at, lease: { owner, until: at } },
          }));
        const [first, second] = await Promise.all([
          store.transitionMany(
            batch('one').map((request) => ({
              ...request,
              expected: { ...request.expected, status: [...request.expected.status] },
            })),
          ),
          other.transitionMany(
            batch('two').map((request) => ({
              ...request,
              expected: { ...request.expected, status: [...request.expected.status] },
            })),
          ),
        ]);
        items.forEach((_, index) => {
          expect([first![index]!.ok, second![index]!.ok].filter(Boolean)).toHaveLength(1);
        });
      });
    });

    it('finds, among given messages, those no live item needs whose blob is not marked removed', async () => {
      const at = new Date().toISOString();
      const messages = [0, 1, 2].map((index) =>
        buildMessage({
          envelope: { mailFrom: 'a@example.com', rcptTo: [`a${index}@unref.test`, `b${index}@unref.test`] },
        }),
      );
      const items = messages.map((message) => buildItems(message));
      for (const [index, message] of messages.entries()) await store.putMessage(message, items[index]!);
      const remove = async (item: QuarantineItem) =>
        store.transition(item.id, { status: ['quarantined'] }, { status: 'deleted', at });
      await remove(items[0]![0]!);
      await remove(items[0]![1]!);
      await remove(items[1]![0]!);
      await store.transition(items[2]![0]!.id, { status: ['quarantined'] }, { status: 'expired', at });
      await remove(items[2]![1]!);
      const ids = [...messages.map((message) => message.id), newId()];
      const found = await store.findUnreferencedMessages(ids);
      expect(found.sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(
        [messages[0]!, messages[2]!].map((message) => ({ id: message.id, blobKey: message.blobKey })),
      );
      await store.markBlobsRemoved([messages[0]!.id], at);
      expect(await store.findUnreferencedMessages(ids)).toEqual([
        { id: messages[2]!.id, blobKey: messages[2]!.blobKey },
      ]);
      expect(await store.findUnreferencedMessages([])).toEqual([]);
    });

    it('lists items whose release lease ended, oldest lease first, only while releasing', async () => {
      const message = buildMessage({
        envelope: {
          mailFrom: 'a@example.com',
          rcptTo: ['a@lease.test', 'b@lease.test', 'c@lease.test', 'd@lease.test'],
        },
      });
      const [a, b, c, d] = buildItems(message) as [
        QuarantineItem,
        QuarantineItem,
        QuarantineItem,
        QuarantineItem,
      ];
      await store.putMessage(message, [a, b, c, d]);
      const at = '2026-11-20T00:00:00.000Z';
      const claim = (item: QuarantineItem, until: string) =>
        store.transition(
          item.id,
          { status: ['quarantined'] },
          { status: 'releasing', at, lease: { owner: 'x', until } },
        );
      await claim(a, '2026-11-20T00:02:00.000Z');
      await claim(b, '2026-11-20T00:01:00.000Z');
      await claim(c, '2026-11-20T00:09:00.000Z');
      await claim(d, '2026-11-20T00:00:30.000Z');
      await store.transition(d.id, { status: ['releasing'] }, { status: 'released', at, lease: null });
      const expired = await store.listExpiredLeases('2026-11-20T00:05:00.000Z', 10);
      expect(expired.map((item) => item.id)).toEqual([b.id, a.id]);
      expect((await store.listExpiredLeases('2026-11-20T00:05:00.000Z', 1)).map((item) => item.id)).toEqual([
        b.id,
      ]);
      expect(await store.listExpiredLeases('2026-11-20T00:00:59.000Z', 10)).toEqual([]);
    });

    describe('search terms', () => {
      let all: QuarantineItem[];

      beforeEach(async () => {
        const specs = [
          {
            from: 'Bad@Spam.test',
            header: 'Big Sale <bad@spam.test>',
            to: ['Ünal@corp.test', 'bob@corp.test'],
            subject: 'ÜBER deals',
            reason: 'spam',
            size: 500,
            attachments: 0,
            at: '2026-11-01T08:00:00.000Z',
            mid: '<deal-1@spam.test>',
          },
          {
            from: 'evil@virus.test',
            header: 'Accounts <evil@virus.test>',
            to: ['alice@corp.test'],
            subject: 'Invoice attached',
            reason: 'malware',
            size: 50_000,
            attachments: 1,
            at: '2026-11-02T08:00:00.000Z',
            mid: '<inv-9@virus.test>',
          },
          {
            from: 'news@list.test',
            header: 'News <news@list.test>',
            to: ['carol@other.test'],
            subject: 'Weekly: re: news',
            reason: 'bulk',
            size: 5000,
            attachments: 0,
            at: '2026-11-03T08:00:00.000Z',
            mid: 'no-brackets@list.test',
          },
        ] as const;
        all = [];
        for (const spec of specs) {
          const message = buildMessage({
            receivedAt: spec.at,
            size: spec.size,
            envelope: { mailFrom: spec.from, rcptTo: [...spec.to] },
            headers: { subject: spec.subject, from: spec.header, messageId: spec.mid },
            attachments: spec.attachments
              ? [{ filename: 'x.pdf', contentType: 'application/pdf', size: 10 }]
              : [],
          });
          const items = buildItems(message, message.envelope.rcptTo, { reason: spec.reason });
          await store.putMessage(message, items);
          all.push(...items);
        }
        const at = new Date().toISOString();
        await store.transition(all[1]!.id, { status: ['quarantined'] }, { status: 'deleted', at });
      });

      const search = async (text: string) =>
        (await store.listItems(filterFromQuery(parseSearchQuery(text)), { limit: 50 })).items.map(
          (item) => item.recipient,
        );

      it.each([
        ['from:spam.test', ['ünal@corp.test']],
        ['from:"big sale"', ['ünal@corp.test']],
        ['to:ünal', ['ünal@corp.test']],
        ['to:ÜNAL', ['ünal@corp.test']],
        ['subject:über', ['ünal@corp.test']],
        ['"re: news"', ['carol@other.test']],
        ['reason:bulk,malware', ['carol@other.test', 'alice@corp.test']],
        ['-reason:spam', ['carol@other.test', 'alice@corp.test']],
        ['status:deleted', ['bob@corp.test']],
        ['status:quarantined,deleted -to:ünal', ['carol@other.test', 'alice@corp.test', 'bob@corp.test']],
        ['message-id:inv-9@virus.test', ['alice@corp.test']],
        ['message-id:<no-brackets@list.test>', ['carol@other.test']],
        ['after:2026-11-02 before:2026-11-03', ['alice@corp.test']],
        ['-after:2026-11-02', ['ünal@corp.test']],
        ['larger:4k', ['carol@other.test', 'alice@corp.test']],
        ['smaller:5000', ['ünal@corp.test']],
        ['has:attachment', ['alice@corp.test']],
        ['-has:attachment corp.test', ['ünal@corp.test']],
        ['', ['carol@other.test', 'alice@corp.test', 'ünal@corp.test']],
      ])('finds %s', async (text, expected) => {
        const found = await search(text);
        expect([...found].sort()).toEqual([...expected].sort());
      });

      it('matches the reference semantics of termMatches', async () => {
        const everything = (await store.listItems({ statuses: ['quarantined', 'deleted'] }, { limit: 50 }))
          .items;
        for (const text of [
          'from:spam -subject:deals',
          'corp -larger:1k',
          'reason:spam,bulk smaller:1m',
          'news',
        ]) {
          const query = parseSearchQuery(text);
          const expected = everything
            .filter(
              (item) => item.status !== 'deleted' && query.terms.every((term) => termMatches(item, term)),
            )
            .map((item) => item.id)
            .sort();
          const found = (await store.listItems(filterFromQuery(query), { limit: 50 })).items.map(
            (item) => item.id,
          );
          expect(found.sort(), text).toEqual(expected);
        }
      });

      it('counts what it lists for text in every searched field, in any case', async () => {
        for (const text of [
          'spam.test',
          'from:"BIG SALE"',
          'to:ünal',
          'subject:ÜBER',
          'corp',
          'news -to:carol',
          // Two text terms (the count walks the first one's index matches and checks the second),
          // text with other fields, with a tombstone among the matches, and one that matches nothing.
          'corp spam.test',
          'corp to:ünal',
          'status:quarantined,deleted corp',
          'corp reason:spam -has:attachment',
          'corp nowhere-to-be-found',
        ]) {
          const filter = filterFromQuery(parseSearchQuery(text));
          const listed = (await store.listItems(filter, { limit: 50 })).items.length;
          expect(await store.countItems(filter, 100), text).toBe(listed);
          expect(await store.countItems(filter, 1), `${text} capped at 1`).toBe(Math.min(1, listed));
          expect(
            await store.countItems({ ...filter, tenantIn: ['other.test'] }, 100),
            `${text} in other.test`,
          ).toBe(
            (await store.listItems({ ...filter, tenantIn: ['other.test'] }, { limit: 50 })).items.length,
          );
        }
        expect(await store.countItems(filterFromQuery(parseSearchQuery('corp')), 100)).toBe(2);
        expect(await store.countItems(filterFromQuery(parseSearchQuery('corp spam.test')), 100)).toBe(1);
      });
    });

    describe('counting a list that narrows by status and tenant only', () => {
      const TENANTS = ['one.test', 'two.test', 'three.test'];
      let items: QuarantineItem[];
      let statusOf: Map<string, ItemStatus>;

      beforeEach(async () => {
        items = [];
        statusOf = new Map();
        // 8 messages to 4 recipients each over three tenants: 32 items, spread over days and tenants.
        for (let index = 0; index < 8; index += 1) {
          const message = buildMessage({
            receivedAt: `2026-11-0${1 + (index % 5)}T10:00:0${index}.000Z`,
            envelope: {
              mailFrom: `s${index}@sender.test`,
              rcptTo: [
                `a${index}@one.test`,
                `b${index}@two.test`,
                `c${index}@three.test`,
                `d${index}@one.test`,
              ],
            },
          });
          const built = buildItems(message);
          await store.putMessage(message, built);
          items.push(...built);
        }
        for (const item of items) statusOf.set(item.id, 'quarantined');
      });

      /** Applies a move to the store (through `via`) and to the expected statuses. */
      const move = async (via: ItemStore, picks: QuarantineItem[], from: ItemStatus, to: ItemStatus) => {
        const at = new Date().toISOString();
        const results = await via.transitionMany(
          picks.map((item) => ({ id: item.id, expected: { status: [from] }, change: { status: to, at } })),
        );
        expect(results.every((result) => result.ok)).toBe(true);
        for (const item of picks) statusOf.set(item.id, to);
      };

      /** Every status-only and tenant-scoped filter, counted with several limits, against the listing. */
      const expectCountsMatchListing = async (when: string) => {
        // The reference: every item of every status, listed (never counted), checked against what
        // this test wrote, then filtered here.
        const all = await collectAllPages(store, { statuses: ITEM_STATUSES }, 7);
        expect(new Map(all.map((item) => [item.id, item.status])), when).toEqual(statusOf);
        const statusSets: (readonly ItemStatus[] | undefined)[] = [
          undefined,
          ...ITEM_STATUSES.map((status) => [status]),
          ['quarantined', 'releasing'],
          ['released', 'deleted', 'expired'],
          ['deleted', 'deleted'],
          ITEM_STATUSES,
          [],
        ];
        const tenantSets: (readonly string[] | undefined)[] = [
          undefined,
          ...TENANTS.map((tenant) => [tenant]),
          ['one.test', 'three.test', 'one.test'],
          ['nobody.test'],
          [],
        ];
        for (const statuses of statusSets) {
          for (const tenants of tenantSets) {
            const filter: ItemFilter = {
              ...(statuses ? { statuses } : {}),
              ...(tenants ? { tenantIn: tenants } : {}),
            };
            const wanted = statuses ?? LIVE_STATUSES;
            const expected = all.filter(
              (item) =>
                wanted.includes(item.status) && (tenants === undefined || tenants.includes(item.tenant)),
            ).length;
            const label = `${when}: ${JSON.stringify(filter)}`;
            expect(await store.countItems(filter, 1000), label).toBe(expected);
            if (statuses === undefined) {
              expect(await store.countItems({ ...filter, terms: [] }, 1000), label).toBe(expected);
            }
            if (expected > 1) {
              // Capped at one less than there are: the answer is the limit.
              expect(await store.countItems(filter, expected - 1), `${label} capped`).toBe(expected - 1);
            }
          }
        }
      };

      it('answers exactly what the listing holds after inserts, transitions and deletes', async () => {
        await expectCountsMatchListing('after inserts');
        const [first, second, third, fourth] = [0, 8, 16, 24].map((start) =>
          items.slice(start, start + 8),
        ) as [QuarantineItem[], QuarantineItem[], QuarantineItem[], QuarantineItem[]];
        await move(store, first, 'quarantined', 'releasing');
        await move(store, first.slice(0, 5), 'releasing', 'released');
        await move(store, second.slice(0, 4), 'quarantined', 'release_requested');
        await move(store, second.slice(4), 'quarantined', 'expired');
        await expectCountsMatchListing('after transitions');
        // Deletes, also through a second instance (another node, or after a restart).
        const other = await fixture.reopen();
        await move(other.items, first.slice(0, 3), 'released', 'deleted');
        await move(other.items, third, 'quarantined', 'deleted');
        for (const item of second.slice(0, 2)) {
          const result = await store.transition(
            item.id,
            { status: ['release_requested'] },
            { status: 'deleted', at: new Date().toISOString() },
          );
          expect(result.ok).toBe(true);
          statusOf.set(item.id, 'deleted');
        }
        // A failed condition changes nothing.
        const refused = await store.transitionMany(
          fourth.map((item) => ({
            id: item.id,
            expected: { status: ['released'] as ItemStatus[] },
            change: { status: 'deleted' as const, at: new Date().toISOString() },
          })),
        );
        expect(refused.some((result) => result.ok)).toBe(false);
        // A new message after the deletes.
        const late = buildMessage({ envelope: { mailFrom: 'late@sender.test', rcptTo: ['e@two.test'] } });
        const lateItems = buildItems(late);
        await other.items.putMessage(late, lateItems);
        for (const item of lateItems) statusOf.set(item.id, 'quarantined');
        await expectCountsMatchListing('after deletes');
      });

      it('counts a filter with search terms or other fields by what it lists', async () => {
        await move(store, items.slice(0, 6), 'quarantined', 'releasing');
        await move(store, items.slice(6, 10), 'quarantined', 'deleted');
        for (const filter of [
          filterFromQuery(parseSearchQuery('-status:releasing')),
          filterFromQuery(parseSearchQuery('status:quarantined to:one.test')),
          { ...filterFromQuery(parseSearchQuery('s3')), tenantIn: ['two.test'] },
          { statuses: ['quarantined', 'deleted'] as ItemStatus[], reasons: ['spam' as const] },
          { tenantIn: ['one.test'], receivedAfter: '2026-11-03T00:00:00.000Z' },
          { tenantIn: ['one.test'], recipientIn: ['a1@one.test', 'b1@two.test'] },
        ]) {
          const listed = await collectAllPages(store, filter, 7);
          expect(listed.length, JSON.stringify(filter)).toBeGreaterThan(0);
          expect(listed.length, JSON.stringify(filter)).toBeLessThan(items.length);
          expect(await store.countItems(filter, 1000), JSON.stringify(filter)).toBe(listed.length);
          expect(await store.countItems(filter, 1), JSON.stringify(filter)).toBe(1);
        }
      });
    });

    it('counts the items of a message that still need its raw bytes', async () => {
      const message = buildMessage({
        envelope: { mailFrom: 'a@example.com', rcptTo: ['a@live.test', 'b@live.test', 'c@live.test'] },
      });
      const [first, second, third] = buildItems(message) as [QuarantineItem, QuarantineItem, QuarantineItem];
      await store.putMessage(message, [first, second, third]);
      const at = new Date().toISOString();
      expect(await store.countLiveItems(message.id)).toBe(3);
      await store.transition(first.id, { status: ['quarantined'] }, { status: 'deleted', at });
      await store.transition(second.id, { status: ['quarantined'] }, { status: 'releasing', at });
      await store.transition(second.id, { status: ['releasing'] }, { status: 'released', at });
      expect(await store.countLiveItems(message.id)).toBe(2);
      await store.transition(third.id, { status: ['quarantined'] }, { status: 'expired', at });
      await store.transition(second.id, { status: ['released'] }, { status: 'deleted', at });
      expect(await store.countLiveItems(message.id)).toBe(0);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
