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

    it('filters by a set of actors (one person: their session and their tokens), newest first, paged', async () => {
      const bySession = entry({
        actor: { kind: 'user', id: 'U1', label: 'ann@corp.test' },
        at: '2026-11-20T09:00:00.000Z',
        action: 'auth.login',
      });
      const byToken = entry({
        actor: { kind: 'token', id: 'T1', label: 'token:cli (ann@corp.test)' },
        at: '2026-11-20T10:00:00.000Z',
        action: 'item.delete',
        tenants: ['corp.test'],
      });
      const bySecondToken = entry({
        actor: { kind: 'token', id: 'T2', label: 'token:ci (ann@corp.test)' },
        at: '2026-11-20T11:00:00.000Z',
        action: 'item.release',
        tenants: ['corp.test'],
      });
      const bySomeoneElse = entry({
        actor: { kind: 'user', id: 'U2', label: 'bob@corp.test' },
        at: '2026-11-20T10:30:00.000Z',
        action: 'item.delete',
        tenants: ['corp.test'],
      });
      for (const each of [bySession, byToken, bySecondToken, bySomeoneElse]) await audit.append(each);
      const ids = async (filter: Parameters<AuditStore['listAudit']>[0], limit = 10) =>
        (await audit.listAudit(filter, { limit })).items.map((item) => item.id);
      const ann = ['U1', 'T1', 'T2', 'T1'];
      expect(await ids({ actorIdIn: ann })).toEqual([bySecondToken.id, byToken.id, bySession.id]);
      expect(await ids({ actorIdIn: [] })).toEqual([]);
      expect(await ids({ actorIdIn: ['nobody'] })).toEqual([]);
      expect(await ids({ actorIdIn: ann, tenantIn: ['corp.test'] })).toEqual([bySecondToken.id, byToken.id]);
      expect(await ids({ actorIdIn: ann, action: 'item.release' })).toEqual([bySecondToken.id]);
      expect(await ids({ actorIdIn: ann, before: '2026-11-20T11:00:00.000Z' })).toEqual([
        byToken.id,
        bySession.id,
      ]);
      const first = await audit.listAudit({ actorIdIn: ann }, { limit: 2 });
      expect(first.items.map((item) => item.id)).toEqual([bySecondToken.id, byToken.id]);
      const second = await audit.listAudit({ actorIdIn: ann }, { limit: 2, cursor: first.nextCursor! });
      expect(second.items.map((item) => item.id)).toEqual([bySession.id]);
      expect(second.nextCursor).toBeNull();
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
