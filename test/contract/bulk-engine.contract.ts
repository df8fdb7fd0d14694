import { afterEach, describe, expect, it } from 'vitest';
import { sweepExpiredLeases } from '../../src/actions/release/lease-sweeper.js';
import { releaseItem } from '../../src/actions/release/release-item.js';
import { isLazaretError, LazaretError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { zeroCounters } from '../../src/core/outcomes.js';
import type { QuarantineItem } from '../../src/core/types.js';
import { ThrottleMonitor } from '../../src/store/aws/throttle-monitor.js';
import { admin, domainAdmin, user } from '../support/builders.js';
import { BulkHarness, type HarnessOptions } from '../support/bulk-harness.js';
import { waitUntil } from '../support/env.js';
import { FaultyItemStore, throttled } from '../support/faulty-item-store.js';
import { seededRandom } from '../support/seeded-random.js';
import type { MakeStores } from './stores.js';

/**
 * The bulk engine and jobs over one backend pair, with a real SMTP downstream: outcome codes,
 * access, delivery semantics, cancel, idempotency, throttling. Run against every backend.
 */
export function bulkEngineContract(backend: string, makeStores: MakeStores): void {
  describe(`bulk engine and jobs: ${backend}`, () => {
    let harness: BulkHarness | undefined;
    const start = async (options: HarnessOptions = {}) => {
      harness = await new BulkHarness(makeStores, options).start();
      return harness;
    };
    afterEach(async () => {
      await harness?.close();
      harness = undefined;
    });

    it('releases a mix of good, unknown, foreign, released and refused items: right code and message for each, the rest delivered', async () => {
      const h = await start({
        downstream: {
          onRcpt: (address) =>
            address.startsWith('refuse') ? { code: 550, message: '5.1.1 Mailbox unknown' } : undefined,
        },
      });
      const [mixed] = await h.seed(1, () => [
        'a@corp.test',
        'b@corp.test',
        'refuse@corp.test',
        'x@other.test',
      ]);
      const [done] = await h.seed(1, () => ['done@corp.test']);
      const [a, b, refused, foreign] = mixed!.items as [
        QuarantineItem,
        QuarantineItem,
        QuarantineItem,
        QuarantineItem,
      ];
      await releaseItem(h.context, done!.items[0]!.id, admin);
      const unknown = newId();
      const actor = domainAdmin('corp.test');

      const result = await h.context.actions.bulk(actor, {
        action: 'release',
        ids: [a.id, unknown, 'not-even-an-id', foreign.id, done!.items[0]!.id, refused.id, b.id, a.id],
        force: false,
        recipients: null,
      });

      expect(result.success).toBe(false);
      expect(result.summary).toEqual({ requested: 7, succeeded: 2, failed: 5, duplicates: 1 });
      expect(result.results).toEqual([
        { messageId: a.id, success: true, status: 'released' },
        { messageId: b.id, success: true, status: 'released' },
      ]);
      expect(result.errors).toEqual([
        { messageId: unknown, code: 'not_found', error: 'No such item.' },
        { messageId: 'not-even-an-id', code: 'not_found', error: 'No such item.' },
        { messageId: foreign.id, code: 'not_found', error: 'No such item.' },
        {
          messageId: done!.items[0]!.id,
          code: 'already_released',
          error: 'The item was released already; use force to send it again.',
          reply: expect.stringMatching(/^250 /),
        },
        {
          messageId: refused.id,
          code: 'delivery_rejected',
          error: 'The mail server refused the message; it stays quarantined.',
          reply: expect.stringMatching(/^550 .*Mailbox unknown/),
        },
      ]);
      // a and b went in one SMTP transaction with the refused recipient; each accepted one once.
      const delivered = h.deliveredTo();
      expect(delivered.get('a@corp.test')).toHaveLength(1);
      expect(delivered.get('b@corp.test')).toHaveLength(1);
      expect(delivered.has('refuse@corp.test')).toBe(false);
      expect(delivered.has('x@other.test')).toBe(false);
      expect(await h.fixture.items.getItem(refused.id)).toMatchObject({
        status: 'quarantined',
        lastError: { code: 'delivery_rejected', reply: expect.stringMatching(/^550 /) },
      });
      expect(await h.fixture.items.getItem(foreign.id)).toMatchObject({ status: 'quarantined', version: 1 });

      const audit = (await h.fixture.audit.listAudit({ action: 'items.bulk_release' }, { limit: 10 })).items;
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        actor: { id: actor.id },
        outcome: 'partial',
        counts: { ok: 2, not_found: 3, already_released: 1, delivery_rejected: 1 },
        tenants: ['corp.test'],
      });
    });

    it('a forced resend the server refuses says the item stays released, single and bulk, and leaves it released', async () => {
      let refuse = false;
      const h = await start({
        downstream: { onRcpt: () => (refuse ? { code: 550, message: '5.1.1 Mailbox gone' } : undefined) },
      });
      const [message] = await h.seed(1, () => ['resend@corp.test', 'resend2@corp.test']);
      const [single, bulk] = message!.items as [QuarantineItem, QuarantineItem];
      await releaseItem(h.context, single.id, admin);
      await releaseItem(h.context, bulk.id, admin);
      refuse = true;

      const failed = await releaseItem(h.context, single.id, admin, { force: true }).catch((error) => error);
      expect(isLazaretError(failed, 'delivery_rejected')).toBe(true);
      expect(failed.message).toBe(
        'The mail server refused the message; this resend was not delivered; the item stays released from its earlier delivery.',
      );
      const result = await h.context.actions.bulk(admin, {
        action: 'release',
        ids: [bulk.id],
        force: true,
        recipients: null,
      });
      expect(result.errors).toEqual([
        {
          messageId: bulk.id,
          code: 'delivery_rejected',
          error:
            'The mail server refused the message; this resend was not delivered; the item stays released from its earlier delivery.',
          reply: expect.stringMatching(/^550 /),
        },
      ]);
      for (const id of [single.id, bulk.id]) {
        const item = await h.fixture.items.getItem(id);
        expect(item).toMatchObject({ status: 'released', lastError: { code: 'delivery_rejected' } });
      }
    });

    it('deletes a mix: unknown, foreign, deleted already and being released answer their codes; the raw message goes with its last item', async () => {
      const h = await start();
      const [first, second] = await h.seed(2, (index) => [
        `d${index}a@corp.test`,
        `d${index}b@corp.test`,
        `d${index}@other.test`,
      ]);
      const [a1, b1, foreign] = first!.items as [QuarantineItem, QuarantineItem, QuarantineItem];
      const [a2, b2, other2] = second!.items as [QuarantineItem, QuarantineItem, QuarantineItem];
      await h.fixture.items.transition(
        b2.id,
        { status: ['quarantined'] },
        { status: 'deleted', at: new Date().toISOString() },
      );
      const until = new Date(Date.now() + 60_000).toISOString();
      await h.fixture.items.transition(
        a2.id,
        { status: ['quarantined'] },
        {
          status: 'releasing',
          at: new Date().toISOString(),
          lease: { owner: 'someone-else', until },
        },
      );
      const result = await h.context.actions.bulk(domainAdmin('corp.test'), {
        action: 'delete',
        ids: [a1.id, b1.id, foreign.id, b2.id, a2.id, newId()],
        force: false,
        recipients: null,
      });
      expect(result.results.map((entry) => [entry.messageId, entry.status])).toEqual([
        [a1.id, 'deleted'],
        [b1.id, 'deleted'],
      ]);
      expect(result.errors.map((entry) => entry.code)).toEqual([
        'not_found',
        'already_deleted',
        'conflict',
        'not_found',
      ]);
      expect(await h.fixture.blobs.exists(first!.message.blobKey)).toBe(true);
      const rest = await h.context.actions.bulk(admin, {
        action: 'delete',
        ids: [foreign.id],
        force: false,
        recipients: null,
      });
      expect(rest.success).toBe(true);
      expect(await h.fixture.blobs.exists(first!.message.blobKey)).toBe(false);
      expect(await h.fixture.blobs.exists(second!.message.blobKey)).toBe(true);
      expect(other2.status).toBe('quarantined');
    });

    it('lets users release only their own items, refuses malware to non-admins, and scopes query jobs to the caller', async () => {
      const h = await start();
      h.startWorker();
      const [spam] = await h.seed(1, () => ['ann@corp.test', 'bob@corp.test']);
      const [virus] = await h.seed(1, () => ['ann@corp.test'], { reason: 'malware' });
      const ann = user('ann@corp.test');
      const result = await h.context.actions.bulk(ann, {
        action: 'release',
        ids: [spam!.items[0]!.id, spam!.items[1]!.id, virus!.items[0]!.id],
        force: false,
        recipients: null,
      });
      expect(result.results.map((entry) => entry.messageId)).toEqual([spam!.items[0]!.id]);
      expect(result.errors).toEqual([
        { messageId: spam!.items[1]!.id, code: 'not_found', error: 'No such item.' },
        {
          messageId: virus!.items[0]!.id,
          code: 'forbidden',
          error: 'Releasing mail held as malware needs a higher role; request release instead.',
        },
      ]);
      const requestOnly = { ...user('bob@corp.test'), releaseMode: 'request' as const };
      const refused = await h.context.actions.bulk(requestOnly, {
        action: 'release',
        ids: [spam!.items[1]!.id],
        force: false,
        recipients: null,
      });
      expect(refused.errors).toEqual([
        {
          messageId: spam!.items[1]!.id,
          code: 'forbidden',
          error: 'Your account may only request release; an administrator approves it.',
        },
      ]);

      const { job } = await h.context.jobService.create(user('bob@corp.test'), {
        action: 'delete',
        query: '',
        force: false,
        recipients: null,
      });
      const done = await h.waitForJob(job.id);
      expect(done).toMatchObject({ state: 'completed', total: 1, counters: { ...zeroCounters(), ok: 1 } });
      expect(await h.fixture.items.getItem(spam!.items[1]!.id)).toMatchObject({ status: 'deleted' });
      expect(await h.fixture.items.getItem(virus!.items[0]!.id)).toMatchObject({ status: 'quarantined' });
    });

    it('retries 4xx answers with back-off: two 451s then 250 ends released, with the attempts recorded', async () => {
      const h = await start({
        env: { LAZARET_RELEASE_ATTEMPTS: '3' },
        downstream: {
          onData: (_delivery, attempt) =>
            attempt <= 2 ? { code: 451, message: '4.3.0 Try again later' } : undefined,
        },
      });
      h.startWorker();
      const seeded = await h.seed(8, (index) => [`t${index}@retry.test`, `u${index}@retry.test`]);
      const ids = seeded.flatMap((entry) => entry.items.map((item) => item.id));
      const { job } = await h.context.jobService.create(admin, {
        action: 'release',
        ids,
        force: false,
        recipients: null,
      });
      const done = await h.waitForJob(job.id);
      expect(done.counters).toEqual({ ...zeroCounters(), ok: 16 });
      expect(h.downstream.refusals).toHaveLength(16);
      expect(h.downstream.deliveries).toHaveLength(8);
      for (const [, attempts] of h.downstream.attempts) expect(attempts).toBe(3);
      const stored = await h.fixture.items.getItems(ids);
      for (const item of stored.values()) {
        expect(item).toMatchObject({ status: 'released', release: { attempts: 3 }, lastError: null });
      }
      const outcomes = await h.fixture.jobs.listJobItems(job.id, {}, { limit: 100 });
      expect(
        outcomes.items.every((entry) => entry.outcome?.code === 'ok' && entry.outcome.attempts === 3),
      ).toBe(true);
    });

    it('gives up after the configured attempts when the downstream stays at 451: delivery_deferred, still quarantined', async () => {
      const h = await start({
        env: { LAZARET_RELEASE_ATTEMPTS: '2' },
        downstream: { onData: () => ({ code: 451, message: '4.7.1 Greylisted, come back later' }) },
      });
      const seeded = await h.seed(3, (index) => [`g${index}@grey.test`]);
      const ids = seeded.map((entry) => entry.items[0]!.id);
      const result = await h.context.actions.bulk(admin, {
        action: 'release',
        ids,
        force: false,
        recipients: null,
      });
      expect(result.errors).toHaveLength(3);
      for (const error of result.errors) {
        expect(error).toMatchObject({
          code: 'delivery_deferred',
          reply: expect.stringMatching(/^451 .*Greylisted/),
        });
      }
      for (const item of (await h.fixture.items.getItems(ids)).values()) {
        expect(item).toMatchObject({
          status: 'quarantined',
          lease: null,
          lastError: { code: 'delivery_deferred', attempts: 2, reply: expect.stringMatching(/^451 /) },
        });
      }
      expect(h.downstream.deliveries).toHaveLength(0);
      expect([...h.downstream.attempts.values()]).toEqual([2, 2, 2]);
    });

    it('sends the items of one message to chosen recipients in one transaction', async () => {
      const h = await start();
      const [seeded] = await h.seed(1, () => ['p@corp.test', 'q@corp.test', 'r@corp.test']);
      const ids = seeded!.items.map((item) => item.id);
      const result = await h.context.actions.bulk(admin, {
        action: 'release',
        ids,
        force: false,
        recipients: ['helpdesk@corp.test'],
      });
      expect(result.success).toBe(true);
      expect(h.downstream.deliveries).toHaveLength(1);
      expect(h.downstream.deliveries[0]!.rcptTo).toEqual(['helpdesk@corp.test']);
      const header = h.downstream.deliveries[0]!.raw.toString('latin1').split('\r\n')[0]!;
      expect(header).toBe(
        `X-Lazaret-Release: item=${ids.join(',')}; by=${admin.label}; at=${header.split('at=')[1]}`,
      );
      for (const item of (await h.fixture.items.getItems(ids)).values()) {
        expect(item.release).toMatchObject({ to: ['helpdesk@corp.test'] });
      }
    });

    it('cancels mid-job: no new items start, the rest end cancelled and stay quarantined', async () => {
      const h = await start({
        env: { LAZARET_BULK_WINDOW: '4', LAZARET_RELAY_MAX_CONNECTIONS: '2' },
        downstream: { dataDelayMs: 15 },
      });
      h.startWorker();
      const seeded = await h.seed(150, (index) => [`c${index}@cancel.test`]);
      const { job } = await h.context.jobService.create(admin, {
        action: 'release',
        query: 'to:@cancel.test',
        force: false,
        recipients: null,
      });
      await h.waitForJobState(job.id, (current) => current.counters.ok >= 10);
      await h.fixture.jobs.requestCancel(job.id, new Date().toISOString());
      const done = await h.waitForJob(job.id);
      expect(done.state).toBe('cancelled');
      expect(done.counters.cancelled).toBeGreaterThan(50);
      expect(done.counters.ok + done.counters.cancelled).toBe(150);
      const cancelled = await h.fixture.jobs.listJobItems(job.id, { outcome: 'cancelled' }, { limit: 1000 });
      const stored = await h.fixture.items.getItems(cancelled.items.map((entry) => entry.itemId));
      expect([...stored.values()].every((item) => item.status === 'quarantined' && item.version === 1)).toBe(
        true,
      );
      expect(h.downstream.deliveries).toHaveLength(done.counters.ok);
      const audit = await h.waitForJobAudit(job.id);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ outcome: 'partial', params: { state: 'cancelled' } });
      expect(seeded).toHaveLength(150);
    });

    it('answers the same job for the same Idempotency-Key and refuses the key for a different request', async () => {
      const h = await start();
      const seeded = await h.seed(3, (index) => [`i${index}@idem.test`]);
      const ids = seeded.map((entry) => entry.items[0]!.id);
      const input = {
        action: 'delete' as const,
        ids,
        force: false,
        recipients: null,
        idempotencyKey: 'click-1',
      };
      const [first, second] = await Promise.all([
        h.context.jobService.create(admin, input),
        h.context.jobService.create(admin, input),
      ]);
      expect(first.job.id).toBe(second.job.id);
      expect([first.created, second.created].sort()).toEqual([false, true]);
      const third = await h.context.jobService.create(admin, input);
      expect(third).toMatchObject({ created: false, job: { id: first.job.id, total: 3, state: 'queued' } });
      await expect(h.context.jobService.create(admin, { ...input, ids: ids.slice(1) })).rejects.toSatisfy(
        (error) => isLazaretError(error, 'idempotency_conflict') && error.details?.jobId === first.job.id,
      );
      const other = await h.context.jobService.create(user('i0@idem.test'), input);
      expect(other.job.id).not.toBe(first.job.id);
    });

    it('completes under throttling: the window shrinks and grows, and nothing is delivered twice', async () => {
      const random = seededRandom(7);
      let store: FaultyItemStore | undefined;
      const h = await start({
        env: {
          LAZARET_BULK_WINDOW: '32',
          LAZARET_BULK_THROTTLE_BACKOFF_MS: '2',
          LAZARET_BULK_THROTTLE_TRIES: '30',
          // Small store calls: many of them, so that many meet an injected failure.
          LAZARET_BULK_STORE_BATCH_SIZE: '8',
          LAZARET_BULK_STORE_LINGER_MS: '0',
        },
        wrapItems: (items) => {
          store = new FaultyItemStore(items, {
            beforeCall: (method) =>
              ['getItems', 'transitionMany', 'listItems', 'countLiveItems'].includes(method) &&
              random() < 0.25
                ? { error: throttled(), applied: method === 'transitionMany' && random() < 0.5 }
                : undefined,
          });
          return store;
        },
      });
      h.startWorker();
      await h.seed(200, (index) => [`s${index}@throttle.test`, `t${index}@throttle.test`]);
      // A query job: the selection's listing is throttled too.
      const { job } = await h.context.jobService.create(admin, {
        action: 'release',
        query: 'to:@throttle.test',
        force: false,
        recipients: null,
      });
      const done = await h.waitForJob(job.id);
      expect(done.counters).toEqual({ ...zeroCounters(), ok: 400 });
      console.info(`[figures] throttling: ${store!.injected} injected, stats ${JSON.stringify(done.stats)}`);
      expect(store!.injected).toBeGreaterThan(20);
      expect(done.stats!.throttled).toBe(store!.injected);
      expect(done.stats!.window.min).toBeLessThan(done.stats!.window.initial);
      expect(done.stats!.window.shrinks).toBeGreaterThan(0);
      expect(done.stats!.window.grows).toBeGreaterThan(0);
      const delivered = h.deliveredTo();
      expect(delivered.size).toBe(400);
      for (const copies of delivered.values()) expect(copies).toHaveLength(1);
    });

    it('pauses a job while its store writes find the disk full, and finishes it once space returns', async () => {
      const disk = { full: false };
      let store: FaultyItemStore | undefined;
      const h = await start({
        env: { LAZARET_JOBS_FULL_DISK_PAUSE_MS: '20', LAZARET_BULK_STORE_LINGER_MS: '0' },
        downstream: { dataDelayMs: 2 },
        wrapItems: (items) => {
          store = new FaultyItemStore(items, {
            beforeCall: (method) =>
              disk.full && method === 'transitionMany'
                ? {
                    error: new LazaretError(
                      'insufficient_storage',
                      'Injected: SQLITE_FULL database or disk is full',
                    ),
                    applied: false,
                  }
                : undefined,
          });
          return store;
        },
      });
      h.startWorker();
      await h.seed(150, (index) => [`p${index}@full.test`, `q${index}@full.test`]);
      const { job } = await h.context.jobService.create(admin, {
        action: 'release',
        query: 'to:@full.test',
        force: false,
        recipients: null,
      });
      await h.downstream.waitForDeliveries(10);
      disk.full = true;
      // Many writes refused in a row: the job is waiting, not failing its items.
      await waitUntil('writes refused while the disk is full', () => store!.injected >= 30);
      const during = await h.context.jobs.getJob(job.id);
      expect(during!.state).toBe('running');
      expect(during!.counters.store_error).toBe(0);
      disk.full = false;
      const done = await h.waitForJob(job.id);
      expect(done.counters).toEqual({ ...zeroCounters(), ok: 300 });
      const delivered = h.deliveredTo();
      expect(delivered.size).toBe(300);
      for (const copies of delivered.values()) expect(copies).toHaveLength(1);
    });

    it('keeps all store calls flowing when each takes a network round trip', async () => {
      const h = await start({ wrapItems: (items) => new FaultyItemStore(items, { delayMs: 1 }) });
      // One item per message: every delete also checks its raw message, a store call of its own that
      // holds a store slot while the next writes queue.
      const seeded = await h.seed(300, (index) => [`n${index}@remote.test`]);
      const ids = seeded.flatMap((entry) => entry.items.map((item) => item.id));
      const deleted = await h.context.actions.bulk(admin, {
        action: 'delete',
        ids,
        force: false,
        recipients: null,
      });
      expect(deleted.summary).toMatchObject({ succeeded: 300, failed: 0 });
      expect(await h.fixture.blobs.exists(seeded[0]!.message.blobKey)).toBe(false);
    });

    it("shrinks its window on the backend's own throttle signal, also when the SDK's retries succeeded", async () => {
      const monitor = new ThrottleMonitor();
      const random = seededRandom(3);
      const h = await start({
        throttle: monitor,
        env: {
          LAZARET_BULK_WINDOW: '32',
          LAZARET_BULK_STORE_BATCH_SIZE: '8',
          LAZARET_BULK_STORE_LINGER_MS: '0',
        },
        wrapItems: (items) =>
          new FaultyItemStore(items, {
            beforeCall: (method) => {
              // What the SDK's adaptive retry does: a throttled attempt, retried, then the call succeeds.
              if (method === 'transitionMany' && random() < 0.3)
                monitor.record({ service: 'dynamodb', operation: 'UpdateItem' });
              return undefined;
            },
          }),
      });
      h.startWorker();
      const seeded = await h.seed(100, (index) => [`q${index}@signal.test`, `r${index}@signal.test`]);
      const { job } = await h.context.jobService.create(admin, {
        action: 'delete',
        ids: seeded.flatMap((entry) => entry.items.map((item) => item.id)),
        force: false,
        recipients: null,
      });
      const done = await h.waitForJob(job.id);
      expect(done.counters).toEqual({ ...zeroCounters(), ok: 200 });
      expect(monitor.count).toBeGreaterThan(3);
      expect(done.stats!.throttled).toBe(monitor.count);
      expect(done.stats!.window.shrinks).toBeGreaterThan(0);
      expect(done.stats!.window.min).toBeLessThan(32);
    });

    it('reports store_error for items whose claim the store failed, and delivers none of them', async () => {
      const failing = new Set<string>();
      const h = await start({
        wrapItems: (items) =>
          new FaultyItemStore(items, {
            beforeCall: (method, requests) =>
              method === 'transitionMany' &&
              requests?.some((request) => failing.has(request.id) && request.change.status === 'releasing')
                ? { error: new LazaretError('store_error', 'Injected: disk I/O error'), applied: false }
                : undefined,
          }),
      });
      const seeded = await h.seed(20, (index) => [`e${index}@err.test`]);
      const ids = seeded.map((entry) => entry.items[0]!.id);
      failing.add(ids[7]!);
      const result = await h.context.actions.bulk(admin, {
        action: 'release',
        ids,
        force: false,
        recipients: null,
      });
      expect(result.errors.find((error) => error.messageId === ids[7])).toMatchObject({
        code: 'store_error',
        error: expect.stringContaining('disk I/O error'),
      });
      expect(result.errors.every((error) => error.code === 'store_error')).toBe(true);
      expect(result.summary.succeeded + result.summary.failed).toBe(20);
      const delivered = h.deliveredTo();
      expect(delivered.size).toBe(result.summary.succeeded);
      expect(delivered.has('e7@err.test')).toBe(false);
      expect(await h.fixture.items.getItem(ids[7]!)).toMatchObject({ status: 'quarantined', version: 1 });
    });

    it('marks an item left releasing by a dead process interrupted, resends it only with force, and sweeps expired leases', async () => {
      const h = await start();
      const seeded = await h.seed(2, (index) => [`z${index}@crash.test`]);
      const [stuck, swept] = seeded.map((entry) => entry.items[0]!) as [QuarantineItem, QuarantineItem];
      const past = new Date(Date.now() - 1000).toISOString();
      for (const item of [stuck, swept]) {
        await h.fixture.items.transition(
          item.id,
          { status: ['quarantined'] },
          {
            status: 'releasing',
            at: past,
            lease: { owner: 'dead-node', until: past },
          },
        );
      }
      const first = await h.context.actions.bulk(admin, {
        action: 'release',
        ids: [stuck.id],
        force: false,
        recipients: null,
      });
      expect(first.errors).toEqual([
        {
          messageId: stuck.id,
          code: 'interrupted',
          error:
            'An earlier release of this item was interrupted and may have been delivered; use force to send it again.',
        },
      ]);
      expect(await h.fixture.items.getItem(stuck.id)).toMatchObject({
        status: 'quarantined',
        lastError: { code: 'interrupted', detail: expect.stringContaining('dead-node') },
      });
      expect(h.downstream.deliveries).toHaveLength(0);
      const forced = await h.context.actions.bulk(admin, {
        action: 'release',
        ids: [stuck.id],
        force: true,
        recipients: null,
      });
      expect(forced.success).toBe(true);
      expect(h.downstream.deliveries).toHaveLength(1);

      expect(await sweepExpiredLeases(h.context)).toBe(1);
      expect(await h.fixture.items.getItem(swept.id)).toMatchObject({
        status: 'quarantined',
        lastError: { code: 'interrupted' },
      });
      expect(await sweepExpiredLeases(h.context)).toBe(0);
    });

    it('never stores a job cursor past an item whose outcome is not committed', async () => {
      const h = await start({ env: { LAZARET_JOBS_LEASE_MS: '1000', LAZARET_BULK_WINDOW: '8' } });
      const jobs = h.fixture.jobs;
      const committed = new Set<number>();
      const violations: string[] = [];
      const check = (cursor: number, when: string) => {
        for (let seq = 1; seq <= cursor; seq += 1) {
          if (!committed.has(seq)) {
            violations.push(`${when}: cursor ${cursor} passes uncommitted item ${seq}`);
            return;
          }
        }
      };
      // A slow store for outcomes, so that lease renewals happen while a batch is being written.
      h.context.jobs = Object.assign(Object.create(jobs), {
        renewLease: (...args: Parameters<typeof jobs.renewLease>) => {
          if (args[3]) check(args[3].cursor, 'renewLease');
          return jobs.renewLease(...args);
        },
        recordOutcomes: async (...args: Parameters<typeof jobs.recordOutcomes>) => {
          check(args[3].cursor, 'recordOutcomes');
          await new Promise((resolve) => setTimeout(resolve, 150));
          const job = await jobs.recordOutcomes(...args);
          for (const outcome of args[2]) committed.add(outcome.seq);
          return job;
        },
      });
      h.startWorker();
      const seeded = await h.seed(300, (index) => [`w${index}@cursor.test`]);
      const { job } = await h.context.jobService.create(admin, {
        action: 'delete',
        ids: seeded.map((entry) => entry.items[0]!.id),
        force: false,
        recipients: null,
      });
      const done = await h.waitForJob(job.id);
      expect(done).toMatchObject({ state: 'completed', cursor: 300, counters: { ok: 300 } });
      expect(violations).toEqual([]);
    });

    it('keeps one run of a job whose lease ran out while it ran (renewals failing): every item ok, each delivered once', async () => {
      const total = 300;
      let claims = 0;
      let deliveredAtReclaim: number | undefined;
      const h: BulkHarness = await start({
        env: {
          LAZARET_JOBS_LEASE_MS: '1000',
          LAZARET_BULK_WINDOW: '4',
          LAZARET_RELAY_MAX_CONNECTIONS: '2',
        },
        downstream: { dataDelayMs: 20 },
        // Once the first run has delivered, renewals fail until the lease has run out under it and the
        // worker's own polling has claimed the job again (from the first delivery, not from the start: on
        // a slow machine the lease could run out before the first run had delivered anything).
        wrapJobs: (jobs) =>
          Object.assign(Object.create(jobs), {
            renewLease: (...args: Parameters<typeof jobs.renewLease>) =>
              h.downstream.deliveries.length > 0 && claims < 2
                ? Promise.reject(new LazaretError('store_error', 'renewal refused by the test'))
                : jobs.renewLease(...args),
            claimJob: async (...args: Parameters<typeof jobs.claimJob>) => {
              const job = await jobs.claimJob(...args);
              if (job) claims += 1;
              if (job && claims === 2) deliveredAtReclaim = h.downstream.deliveries.length;
              return job;
            },
          }),
      });
      const seeded = await h.seed(total, (index) => [`l${index}@lapse.test`]);
      h.startWorker();
      const { job } = await h.context.jobService.create(admin, {
        action: 'release',
        query: 'to:@lapse.test',
        force: false,
        recipients: null,
      });
      const done = await h.waitForJob(job.id);
      // Claimed again while the first run was still delivering.
      expect(deliveredAtReclaim).toBeGreaterThan(0);
      expect(deliveredAtReclaim).toBeLessThan(total);
      expect(done).toMatchObject({ state: 'completed', counters: { ...zeroCounters(), ok: total } });
      const delivered = h.deliveredTo();
      expect(delivered.size).toBe(total);
      for (const copies of delivered.values()) expect(copies).toHaveLength(1);
      const stored = await h.fixture.items.getItems(seeded.map((entry) => entry.items[0]!.id));
      expect([...stored.values()].every((item) => item.status === 'released')).toBe(true);
    });

    it('shows a job to its owner and to administrators only', async () => {
      const h = await start();
      const ann = user('ann@corp.test');
      const bob = user('bob@corp.test');
      const { job } = await h.context.jobService.create(ann, {
        action: 'delete',
        query: 'to:ann',
        force: false,
        recipients: null,
      });
      expect((await h.context.jobService.visible(ann, job.id)).id).toBe(job.id);
      expect((await h.context.jobService.visible(admin, job.id)).id).toBe(job.id);
      await expect(h.context.jobService.visible(bob, job.id)).rejects.toSatisfy((error) =>
        isLazaretError(error, 'not_found'),
      );
      await expect(h.context.jobService.listItems(bob, job.id, {}, { limit: 10 })).rejects.toSatisfy(
        (error) => isLazaretError(error, 'not_found'),
      );
      await expect(h.context.jobService.cancel(bob, job.id)).rejects.toSatisfy((error) =>
        isLazaretError(error, 'not_found'),
      );
      expect((await h.context.jobService.list(bob, { limit: 10 })).items).toEqual([]);
      expect((await h.context.jobService.list(ann, { limit: 10 })).items.map((each) => each.id)).toEqual([
        job.id,
      ]);
      expect((await h.context.jobService.list(admin, { limit: 10 })).items.map((each) => each.id)).toEqual([
        job.id,
      ]);
      expect(await h.context.jobService.cancel(ann, job.id)).toMatchObject({ cancelRequested: true });
    });

    it('refuses a credential without the release scope for bulk actions and jobs', async () => {
      const h = await start();
      const readOnly = { ...user('ro@corp.test'), scopes: ['read' as const] };
      await expect(
        h.context.actions.bulk(readOnly, {
          action: 'delete',
          ids: [newId()],
          force: false,
          recipients: null,
        }),
      ).rejects.toSatisfy((error) => isLazaretError(error, 'forbidden'));
      await expect(
        h.context.jobService.create(readOnly, {
          action: 'delete',
          query: 'x',
          force: false,
          recipients: null,
        }),
      ).rejects.toSatisfy((error) => isLazaretError(error, 'forbidden'));
      await expect(
        h.context.jobService.create(admin, {
          action: 'delete',
          query: 'nonsense:x',
          force: false,
          recipients: null,
        }),
      ).rejects.toSatisfy((error) => isLazaretError(error, 'bad_query'));
    });
  });
}
