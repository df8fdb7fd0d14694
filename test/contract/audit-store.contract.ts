import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditStore } from '../../src/store/audit-store.js';
import { buildAuditEntry } from '../support/builders.js';
import type { MakeStores, StoreFixture } from './stores.js';

const entry = buildAuditEntry;

/** The audit log is append-only, filterable and cursor paged on every backend. */
export function auditStoreContract(backend: string, makeStores: MakeStores): void {
  describe(`AuditStore contract: ${backend}`, () => {
    let fixture: StoreFixture;
    let audit: AuditStore;

    beforeEach(async () => {
      fixture = await makeStores();
      audit = fixture.audit;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('returns appended entries newest first, unchanged', async () => {
      const older = entry({ at: '2026-11-20T09:00:00.000Z', counts: { ok: 3 }, ip: '127.0.0.1' });
      const newer = entry({
        at: '2026-11-20T11:00:00.000Z',
        target: { itemIds: ['A', 'B'] },
        params: { force: true },
      });
      await audit.append(older);
      await audit.append(newer);
      expect((await audit.listAudit({}, { limit: 10 })).items).toEqual([newer, older]);
    });

    it('filters by action, actor, item, job, tenant and time', async () => {
      const release = entry({
        action: 'item.release',
        target: { itemIds: ['ITEM1'] },
        tenants: ['corp.test'],
      });
      const job = entry({
        action: 'job.create',
        target: { jobId: 'JOB1' },
        tenants: ['other.test', 'corp.test'],
        at: '2026-11-21T00:00:00.000Z',
      });
      const login = entry({
        action: 'auth.login',
        actor: { kind: 'user', id: 'u2', label: 'x@corp.test' },
        at: '2026-11-22T00:00:00.000Z',
      });
      for (const each of [release, job, login]) await audit.append(each);
      const ids = async (filter: Parameters<AuditStore['listAudit']>[0]) =>
        (await audit.listAudit(filter, { limit: 10 })).items.map((item) => item.id);
      expect(await ids({ action: 'job.create' })).toEqual([job.id]);
      expect(await ids({ actorId: 'u2' })).toEqual([login.id]);
      expect(await ids({ itemId: 'ITEM1' })).toEqual([release.id]);
      expect(await ids({ jobId: 'JOB1' })).toEqual([job.id]);
      expect(await ids({ tenantIn: ['corp.test'] })).toEqual([job.id, release.id]);
      expect(await ids({ tenantIn: [] })).toEqual([]);
      expect(await ids({ after: '2026-11-21T00:00:00.000Z', before: '2026-11-22T00:00:00.000Z' })).toEqual([
        job.id,
      ]);
    });

    it('pages with a cursor over entries at the same time', async () => {
      const all = Array.from({ length: 7 }, () => entry());
      for (const each of all) await audit.append(each);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await audit.listAudit({}, { limit: 3, cursor });
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(
        all
          .map((each) => each.id)
          .sort()
          .reverse(),
      );
    });
  });
}
