import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import type { DigestSettings, DigestState, DigestStore } from '../../src/store/digest-store.js';
import type { OwnerScope } from '../../src/store/owner-scope.js';
import type { MakeStores, StoreFixture } from './stores.js';

const AT = '2026-11-20T10:00:00.000Z';

function settings(scope: OwnerScope, schedule: DigestSettings['schedule']): DigestSettings {
  return { scope, schedule, updatedAt: AT, updatedBy: 'admin@corp.test' };
}

function state(userId: string, overrides: Partial<DigestState> = {}): DigestState {
  return {
    userId,
    lastPeriod: null,
    lastSentAt: null,
    watermark: null,
    claim: null,
    retryAt: null,
    lastError: null,
    version: 0,
    ...overrides,
  };
}

/** Digest settings and send state behave alike on every backend; tested only through the interface. */
export function digestStoreContract(backend: string, makeStores: MakeStores): void {
  describe(`DigestStore contract: ${backend}`, () => {
    let fixture: StoreFixture;
    let digests: DigestStore;

    beforeEach(async () => {
      fixture = await makeStores();
      digests = fixture.digests;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('stores settings per scope, replaces them, reads many at once and removes them', async () => {
      const user: OwnerScope = { kind: 'user', userId: newId() };
      const corp: OwnerScope = { kind: 'domain', domain: 'corp.test' };
      const global: OwnerScope = { kind: 'global' };
      await digests.putDigestSettings(
        settings(user, { frequency: 'daily', hour: 7, timeZone: 'Europe/Berlin' }),
      );
      await digests.putDigestSettings(settings(corp, { frequency: 'weekly', weekday: 5 }));
      await digests.putDigestSettings(settings(global, { frequency: 'never' }));
      const other: OwnerScope = { kind: 'user', userId: newId() };
      const found = await digests.getDigestSettings([user, corp, global, other]);
      expect(found).toHaveLength(3);
      expect(found.find((each) => each.scope.kind === 'user')).toEqual(
        settings(user, { frequency: 'daily', hour: 7, timeZone: 'Europe/Berlin' }),
      );
      expect(await digests.getDigestSettings([])).toEqual([]);

      const replaced = { ...settings(user, { frequency: 'hourly' }), updatedAt: '2026-11-21T00:00:00.000Z' };
      await digests.putDigestSettings(replaced);
      expect(await (await fixture.reopen()).digests.getDigestSettings([user])).toEqual([replaced]);

      expect(await digests.removeDigestSettings(user)).toBe(true);
      expect(await digests.removeDigestSettings(user)).toBe(false);
      expect(await digests.getDigestSettings([user])).toEqual([]);
    });

    it('lists settings by kind in scope order, page by page', async () => {
      const domains = ['b.test', 'a.test', 'c.test'];
      for (const domain of domains) {
        await digests.putDigestSettings(settings({ kind: 'domain', domain }, { frequency: 'daily' }));
      }
      await digests.putDigestSettings(settings({ kind: 'user', userId: newId() }, { frequency: 'daily' }));
      await digests.putDigestSettings(settings({ kind: 'global' }, { frequency: 'never' }));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await digests.listDigestSettings({ kinds: ['domain'] }, { limit: 2, cursor });
        seen.push(...page.items.map((each) => (each.scope.kind === 'domain' ? each.scope.domain : '?')));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(['a.test', 'b.test', 'c.test']);
      expect((await digests.listDigestSettings({}, { limit: 50 })).items).toHaveLength(5);
      expect((await digests.listDigestSettings({ kinds: [] }, { limit: 50 })).items).toEqual([]);
    });

    it('writes state only on the expected version, and numbers versions itself', async () => {
      const userId = newId();
      expect((await digests.getDigestStates([userId])).size).toBe(0);
      const first = await digests.writeDigestState(state(userId, { lastPeriod: 'p1', version: 99 }), null);
      expect(first).toEqual(state(userId, { lastPeriod: 'p1', version: 1 }));
      expect(await digests.writeDigestState(state(userId, { lastPeriod: 'again' }), null)).toBeNull();
      expect(await digests.writeDigestState(state(userId, { lastPeriod: 'stale' }), 7)).toBeNull();
      const claim = { period: 'p2', owner: 'node-a', until: AT, phase: 'claimed' as const, snapshot: AT };
      const second = await digests.writeDigestState({ ...first!, claim }, 1);
      expect(second).toEqual({ ...first!, claim, version: 2 });
      const read = await (await fixture.reopen()).digests.getDigestStates([userId, newId()]);
      expect([...read.values()]).toEqual([second]);
    });

    it('lets exactly one of two instances win a conditional write, also for the first one', async () => {
      const other = (await fixture.reopen()).digests;
      const userId = newId();
      const created = await Promise.all([
        digests.writeDigestState(state(userId, { lastPeriod: 'a' }), null),
        other.writeDigestState(state(userId, { lastPeriod: 'b' }), null),
      ]);
      expect(created.filter((each) => each !== null)).toHaveLength(1);
      const winner = created.find((each) => each !== null)!;
      const claims = await Promise.all(
        ['node-a', 'node-b', 'node-c'].map((owner, index) =>
          (index === 1 ? other : digests).writeDigestState(
            { ...winner, claim: { period: 'p', owner, until: AT, phase: 'claimed', snapshot: AT } },
            winner.version,
          ),
        ),
      );
      expect(claims.filter((each) => each !== null)).toHaveLength(1);
      const stored = (await digests.getDigestStates([userId])).get(userId)!;
      expect(stored).toEqual(claims.find((each) => each !== null));
    });

    it('reads the states of many users at once', async () => {
      const ids = Array.from({ length: 1200 }, () => newId());
      const written = [ids[0]!, ids[700]!, ids[1199]!];
      for (const id of written) await digests.writeDigestState(state(id, { lastPeriod: id }), null);
      const read = await digests.getDigestStates(ids);
      expect([...read.keys()].sort()).toEqual([...written].sort());
      expect(read.get(ids[1199]!)?.lastPeriod).toBe(ids[1199]);
    });
  });
}
