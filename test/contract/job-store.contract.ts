import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/core/actor.js';
import { isLazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import type { Job, JobStats, JobStore } from '../../src/store/job-store.js';
import { buildJob, user as userActor } from '../support/builders.js';
import type { MakeStores, StoreFixture } from './stores.js';

const user = userActor('ann@corp.test');

const newJob = (overrides: Partial<Job> = {}): Job =>
  buildJob({ requestHash: 'h1', state: 'queued', ...overrides });

const stats: JobStats = {
  window: { initial: 8, current: 4, min: 4, max: 8, shrinks: 1, grows: 0 },
  throttled: 1,
  smtpTransactions: 3,
  elapsedMs: 1000,
  itemsPerSecond: 3,
};

const T0 = '2026-11-20T10:00:00.000Z';
const T1 = '2026-11-20T10:00:30.000Z';
const T2 = '2026-11-20T10:01:00.000Z';

/** Durable jobs on every backend: idempotent creation, exclusive leases, outcomes counted once. */
export function jobStoreContract(backend: string, makeStores: MakeStores): void {
  describe(`JobStore contract: ${backend}`, () => {
    let fixture: StoreFixture;
    let jobs: JobStore;

    beforeEach(async () => {
      fixture = await makeStores();
      jobs = fixture.jobs;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    /** A running job of `owner` with items i1..i{count}. */
    async function runningJob(count: number, owner = 'worker-a'): Promise<Job> {
      const { job } = await jobs.createJob(newJob({ state: 'preparing' }));
      const ids = Array.from({ length: count }, (_, index) => `i${index + 1}`);
      await jobs.appendItems(job.id, 1, ids, { selectionCursor: null, complete: true });
      const claimed = await jobs.claimJob(owner, T0, T1);
      expect(claimed?.id).toBe(job.id);
      return claimed!;
    }

    it('stores and reads a job unchanged', async () => {
      const job = newJob({ owner: user, selection: { kind: 'query', query: 'from:x' } });
      expect(await jobs.createJob(job)).toEqual({ job, created: true });
      expect(await jobs.getJob(job.id)).toEqual(job);
      expect(await jobs.getJob(newId())).toBeNull();
    });

    it('answers the same job for the same owner and idempotency key, also under concurrent calls', async () => {
      const candidates = Array.from({ length: 6 }, () => newJob({ idempotencyKey: 'key-1', owner: user }));
      const other = (await fixture.reopen()).jobs;
      const results = await Promise.all(
        candidates.map((job, index) => (index % 2 ? other : jobs).createJob(job)),
      );
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.job.id)).size).toBe(1);
      const foreign = await jobs.createJob(newJob({ idempotencyKey: 'key-1' }));
      expect(foreign.created).toBe(true);
    });

    it('appends items idempotently and makes a preparing job runnable when complete', async () => {
      const { job } = await jobs.createJob(newJob({ state: 'preparing' }));
      expect(await jobs.claimJob('w', T0, T1)).toBeNull();
      await jobs.appendItems(job.id, 1, ['a', 'b'], { selectionCursor: null, complete: false });
      await jobs.appendItems(job.id, 1, ['a', 'b'], { selectionCursor: null, complete: false });
      const done = await jobs.appendItems(job.id, 3, ['c'], { selectionCursor: null, complete: true });
      expect(done).toMatchObject({ state: 'queued', total: 3, selectionComplete: true });
      expect(await jobs.pendingItems(job.id, 0, 10)).toEqual([
        { seq: 1, itemId: 'a' },
        { seq: 2, itemId: 'b' },
        { seq: 3, itemId: 'c' },
      ]);
      expect(await jobs.appendItems(job.id, 4, ['d'], { selectionCursor: null, complete: true })).toBeNull();
    });

    it('lets exactly one of concurrent workers claim a job, and another take it over once its lease ended', async () => {
      const { job } = await jobs.createJob(newJob());
      const other = (await fixture.reopen()).jobs;
      const claims = await Promise.all(
        ['w1', 'w2', 'w3', 'w4'].map((owner, index) => (index % 2 ? other : jobs).claimJob(owner, T0, T1)),
      );
      const winners = claims.filter((claim) => claim !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]).toMatchObject({ id: job.id, state: 'running', startedAt: T0 });
      expect(await jobs.claimJob('w5', '2026-11-20T10:00:29.000Z', T2)).toBeNull();
      const taken = await jobs.claimJob('w5', T1, T2);
      expect(taken).toMatchObject({ id: job.id, lease: { owner: 'w5', until: T2 }, startedAt: T0 });
      expect(await jobs.renewLease(job.id, winners[0]!.lease!.owner, T2)).toBeNull();
    });

    it('claims the oldest runnable job first', async () => {
      const newer = newJob({ createdAt: '2026-11-20T10:00:02.000Z' });
      const older = newJob({ createdAt: '2026-11-20T10:00:01.000Z' });
      await jobs.createJob(newer);
      await jobs.createJob(older);
      expect((await jobs.claimJob('w', T0, T1))?.id).toBe(older.id);
      expect((await jobs.claimJob('w', T0, T1))?.id).toBe(newer.id);
      expect(await jobs.claimJob('w', T0, T1)).toBeNull();
    });

    it('records outcomes once each, keeping counters equal to the outcomes', async () => {
      const job = await runningJob(4);
      const after = await jobs.recordOutcomes(
        job.id,
        'worker-a',
        [
          {
            seq: 1,
            itemId: 'i1',
            code: 'ok',
            message: 'Released.',
            status: 'released',
            reply: '250 OK',
            attempts: 2,
            tenant: 'b.test',
          },
          { seq: 3, itemId: 'i3', code: 'not_found', message: 'No such item.' },
        ],
        { cursor: 1, stats },
      );
      expect(after).toMatchObject({
        cursor: 1,
        stats,
        tenants: ['b.test'],
        counters: { ok: 1, not_found: 1 },
      });
      const again = await jobs.recordOutcomes(
        job.id,
        'worker-a',
        [
          { seq: 1, itemId: 'i1', code: 'conflict', message: 'x', tenant: 'a.test' },
          { seq: 2, itemId: 'i2', code: 'ok', message: 'Released.' },
        ],
        { cursor: 3, stats },
      );
      expect(again?.counters).toMatchObject({ ok: 2, not_found: 1, conflict: 0 });
      expect(again?.tenants).toEqual(['a.test', 'b.test']);
      expect(await jobs.pendingItems(job.id, 0, 10)).toEqual([{ seq: 4, itemId: 'i4' }]);
      const first = (await jobs.listJobItems(job.id, {}, { limit: 1 })).items[0];
      expect(first).toMatchObject({
        seq: 1,
        itemId: 'i1',
        outcome: { code: 'ok', message: 'Released.', status: 'released', reply: '250 OK', attempts: 2 },
      });
      expect(
        await jobs.recordOutcomes(job.id, 'intruder', [{ seq: 4, itemId: 'i4', code: 'ok', message: '' }], {
          cursor: 4,
          stats,
        }),
      ).toBeNull();
      expect(await jobs.pendingItems(job.id, 0, 10)).toHaveLength(1);
    });

    it('lists pending items after a position and job items by outcome, paged', async () => {
      const job = await runningJob(7);
      await jobs.recordOutcomes(
        job.id,
        'worker-a',
        [2, 4, 6].map((seq) => ({
          seq,
          itemId: `i${seq}`,
          code: 'delivery_rejected' as const,
          message: 'no',
        })),
        { cursor: 0, stats },
      );
      expect((await jobs.pendingItems(job.id, 3, 2)).map((entry) => entry.seq)).toEqual([5, 7]);
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await jobs.listJobItems(job.id, { outcome: 'delivery_rejected' }, { limit: 2, cursor });
        seen.push(...page.items.map((item) => item.seq));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([2, 4, 6]);
      const pending = await jobs.listJobItems(job.id, { outcome: 'pending' }, { limit: 10 });
      expect(pending.items.map((item) => item.seq)).toEqual([1, 3, 5, 7]);
      expect(pending.items[0]?.outcome).toBeNull();
      // Not a cursor, a list-of-jobs cursor, and a job-item cursor whose position was edited: all refused alike.
      await jobs.createJob(newJob());
      const listCursor = (await jobs.listJobs({}, { limit: 1 })).nextCursor;
      expect(listCursor).toEqual(expect.any(String));
      const tampered = Buffer.from(JSON.stringify({ seq: '2' })).toString('base64url');
      for (const foreign of ['bogus', listCursor!, tampered]) {
        await expect(jobs.listJobItems(job.id, {}, { limit: 2, cursor: foreign })).rejects.toSatisfy(
          (error) => isLazaretError(error, 'bad_cursor'),
        );
      }
    });

    it('cancels: the flag is seen by the worker, pending items end cancelled and the job ends', async () => {
      const job = await runningJob(3);
      await jobs.recordOutcomes(job.id, 'worker-a', [{ seq: 1, itemId: 'i1', code: 'ok', message: '' }], {
        cursor: 1,
        stats,
      });
      expect(await jobs.requestCancel(job.id, T1)).toMatchObject({ cancelRequested: true, state: 'running' });
      expect(await jobs.renewLease(job.id, 'worker-a', T2)).toMatchObject({ cancelRequested: true });
      const cancelled = await jobs.cancelPending(job.id, 'worker-a', 'cancelled before start');
      expect(cancelled?.counters).toMatchObject({ ok: 1, cancelled: 2 });
      const finished = await jobs.finishJob(job.id, 'worker-a', 'cancelled', { stats, error: null, at: T2 });
      expect(finished).toMatchObject({ state: 'cancelled', lease: null, finishedAt: T2, stats });
      expect(await jobs.claimJob('w', T2, T2)).toBeNull();
      expect(await jobs.requestCancel(job.id, T2)).toMatchObject({ state: 'cancelled' });
      expect(await jobs.requestCancel(newId(), T2)).toBeNull();
    });

    it('lists jobs newest first, all or one owner only, paged', async () => {
      const created: Job[] = [];
      for (let index = 0; index < 5; index += 1) {
        const job = newJob({
          owner: index % 2 ? user : systemActor('test'),
          createdAt: `2026-11-20T10:00:0${index}.000Z`,
        });
        await jobs.createJob(job);
        created.push(job);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await jobs.listJobs({}, { limit: 2, cursor });
        seen.push(...page.items.map((job) => job.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(created.map((job) => job.id).reverse());
      expect((await jobs.listJobs({ ownerId: user.id }, { limit: 10 })).items.map((job) => job.id)).toEqual([
        created[3]!.id,
        created[1]!.id,
      ]);
    });
  });
}
