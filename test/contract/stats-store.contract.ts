import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QuarantineItem, Reason } from '../../src/core/types.js';
import type { StatsRequest } from '../../src/store/stats-store.js';
import { buildItems, buildMessage } from '../support/builders.js';
import type { MakeStores, StoreFixture } from './stores.js';

const WINDOW: StatsRequest = { fromDay: '2026-11-01', toDay: '2026-11-30', top: 10 };

/** Dashboard counters over a backend: exact after inserts and status changes, and scoped like lists. */
export function statsStoreContract(backend: string, makeStores: MakeStores): void {
  describe(`stats store: ${backend}`, () => {
    let fixture: StoreFixture;

    beforeEach(async () => {
      fixture = await makeStores();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    const hold = async (
      at: string,
      from: string,
      recipients: string[],
      reason: Reason = 'spam',
    ): Promise<QuarantineItem[]> => {
      const message = buildMessage({ receivedAt: at, envelope: { mailFrom: from, rcptTo: recipients } });
      const items = buildItems(message, recipients, { reason });
      await fixture.items.putMessage(message, items);
      return items;
    };
    const change = async (item: QuarantineItem, status: 'released' | 'deleted' | 'releasing', at: string) => {
      const from: QuarantineItem['status'][] =
        status === 'released' ? ['releasing'] : ['quarantined', 'released'];
      const result = await fixture.items.transition(item.id, { status: from }, { status, at });
      expect(result.ok).toBe(true);
    };

    it('counts items held per day and reason, and releases and deletes on the day they happen', async () => {
      const [a1, a2] = await hold('2026-11-02T09:00:00.000Z', 'spammer@bad.test', [
        'a@one.test',
        'b@one.test',
      ]);
      await hold('2026-11-02T23:59:59.999Z', 'spammer@bad.test', ['a@one.test'], 'malware');
      const [c] = await hold('2026-11-03T00:00:00.000Z', 'other@bad.test', ['c@two.test'], 'phish');
      await hold('2026-10-31T12:00:00.000Z', 'old@bad.test', ['a@one.test']);
      await change(a1!, 'releasing', '2026-11-04T10:00:00.000Z');
      await change(a1!, 'released', '2026-11-04T10:00:01.000Z');
      await change(a2!, 'deleted', '2026-11-05T10:00:00.000Z');
      await change(c!, 'deleted', '2026-11-05T11:00:00.000Z');

      const stats = await fixture.stats.stats({}, WINDOW);
      expect(stats.days).toEqual([
        { day: '2026-11-02', held: { spam: 2, malware: 1 }, released: 0, deleted: 0, expired: 0 },
        { day: '2026-11-03', held: { phish: 1 }, released: 0, deleted: 0, expired: 0 },
        { day: '2026-11-04', held: {}, released: 1, deleted: 0, expired: 0 },
        { day: '2026-11-05', held: {}, released: 0, deleted: 2, expired: 0 },
      ]);
      expect(stats.statuses).toEqual({ quarantined: 2, released: 1, deleted: 2 });
      expect(stats.topSenders).toEqual([
        { address: 'old@bad.test', count: 1 },
        { address: 'spammer@bad.test', count: 1 },
      ]);
      expect(stats.topRecipients).toEqual([{ address: 'a@one.test', count: 2 }]);
    });

    it('ranks top senders and recipients by items waiting now, and counts a forced re-release once', async () => {
      for (let index = 0; index < 3; index += 1)
        await hold('2026-11-10T10:00:00.000Z', 'big@bad.test', ['x@one.test']);
      await hold('2026-11-10T10:00:00.000Z', 'small@bad.test', ['y@one.test', 'x@one.test']);
      const [released] = await hold('2026-11-10T10:00:00.000Z', 'gone@bad.test', ['z@one.test']);
      await change(released!, 'releasing', '2026-11-11T10:00:00.000Z');
      await change(released!, 'released', '2026-11-11T10:00:00.000Z');
      await change(released!, 'releasing', '2026-11-12T10:00:00.000Z');
      expect((await fixture.stats.stats({}, { ...WINDOW, top: 2 })).topSenders).toEqual([
        { address: 'big@bad.test', count: 3 },
        { address: 'small@bad.test', count: 2 },
      ]);
      const whileReleasing = await fixture.stats.stats({}, WINDOW);
      expect(whileReleasing.topSenders.find((party) => party.address === 'gone@bad.test')).toEqual({
        address: 'gone@bad.test',
        count: 1,
      });
      await change(released!, 'released', '2026-11-12T10:00:01.000Z');
      const after = await fixture.stats.stats({}, WINDOW);
      expect(after.topSenders.map((party) => party.address)).not.toContain('gone@bad.test');
      expect(after.topRecipients).toEqual([
        { address: 'x@one.test', count: 4 },
        { address: 'y@one.test', count: 1 },
      ]);
      expect(after.days.filter((day) => day.released > 0)).toEqual([
        { day: '2026-11-11', held: {}, released: 1, deleted: 0, expired: 0 },
        { day: '2026-11-12', held: {}, released: 1, deleted: 0, expired: 0 },
      ]);
    });

    it('counts only what the scope may see: tenants, or a user’s own addresses', async () => {
      await hold('2026-11-02T09:00:00.000Z', 's1@bad.test', ['a@one.test', 'b@two.test', 'c@three.test']);
      await hold('2026-11-02T09:00:00.000Z', 's2@bad.test', ['b@two.test']);
      const one = await fixture.stats.stats({ tenantIn: ['one.test'] }, WINDOW);
      expect(one.days).toEqual([
        { day: '2026-11-02', held: { spam: 1 }, released: 0, deleted: 0, expired: 0 },
      ]);
      expect(one.topRecipients).toEqual([{ address: 'a@one.test', count: 1 }]);
      const two = await fixture.stats.stats({ tenantIn: ['one.test', 'two.test'] }, WINDOW);
      expect(two.statuses).toEqual({ quarantined: 3 });
      expect(two.topSenders).toEqual([
        { address: 's1@bad.test', count: 2 },
        { address: 's2@bad.test', count: 1 },
      ]);
      const user = await fixture.stats.stats({ recipientIn: ['b@two.test'] }, WINDOW);
      expect(user.days).toEqual([
        { day: '2026-11-02', held: { spam: 2 }, released: 0, deleted: 0, expired: 0 },
      ]);
      expect(user.topSenders).toEqual([
        { address: 's1@bad.test', count: 1 },
        { address: 's2@bad.test', count: 1 },
      ]);
      expect(user.statuses).toEqual({ quarantined: 2 });
      const nobody = await fixture.stats.stats({ tenantIn: [] }, WINDOW);
      expect(nobody).toEqual({ days: [], statuses: {}, topSenders: [], topRecipients: [] });
      expect(await fixture.stats.stats({ recipientIn: [] }, WINDOW)).toEqual(nobody);
    });

    it('leaves days outside the window out', async () => {
      await hold('2026-10-31T23:59:59.999Z', 's@bad.test', ['a@one.test']);
      await hold('2026-12-01T00:00:00.000Z', 's@bad.test', ['a@one.test']);
      expect((await fixture.stats.stats({}, WINDOW)).days).toEqual([]);
      expect((await fixture.stats.stats({ recipientIn: ['a@one.test'] }, WINDOW)).days).toEqual([]);
    });
  });
}
