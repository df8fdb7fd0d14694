import { describe, expect, it } from 'vitest';
import { releaseItem } from '../../src/actions/release/release-item.js';
import { isLazaretError } from '../../src/core/errors.js';
import { zeroCounters } from '../../src/core/outcomes.js';
import { admin } from '../support/builders.js';
import { BulkHarness } from '../support/bulk-harness.js';
import { seededRandom } from '../support/seeded-random.js';
import type { MakeStores } from './stores.js';

/**
 * Large jobs over one backend pair: run them against every backend; they must take seconds. `scale`
 * shrinks the sizes for a backend emulated in this process (see `Backend.scale`).
 */
export function bulkScaleContract(backend: string, makeStores: MakeStores, scale = 1): void {
  const messages = Math.round(2000 * scale);
  const total = messages * 5;
  const raced = Math.round(1000 * scale);
  const singleReleases = Math.round(200 * scale);
  describe(`bulk jobs at scale: ${backend}`, () => {
    it(`releases ${total} items selected by query exactly once each, byte for byte, with counters, outcomes and audit agreeing`, async () => {
      const harness = await new BulkHarness(makeStores, {
        env: { LAZARET_BULK_WINDOW: '256', LAZARET_RELAY_MAX_CONNECTIONS: '16' },
      }).start();
      try {
        // `messages` messages with 1, 3, 5, 7 or 9 recipients (5 on average): `total` items (10,000 at scale 1).
        const seedStart = Date.now();
        const seeded = await harness.seed(
          messages,
          (index) => Array.from({ length: 1 + 2 * (index % 5) }, (_, n) => `r${n}.m${index}@big.test`),
          { subject: 'bigjob' },
        );
        const items = seeded.flatMap((entry) => entry.items);
        expect(items).toHaveLength(total);
        const seedMs = Date.now() - seedStart;
        harness.startWorker();

        const started = Date.now();
        const { job } = await harness.context.jobService.create(admin, {
          action: 'release',
          query: 'subject:bigjob to:@big.test',
          force: false,
          recipients: null,
        });
        const done = await harness.waitForJob(job.id);
        const seconds = (Date.now() - started) / 1000;
        console.info(
          `[figures] ${total} items release job (${backend}): ${seconds.toFixed(2)} s, ${Math.round(total / seconds)} items/s, ` +
            `${done.stats?.smtpTransactions} SMTP transactions; seeding took ${seedMs} ms; stats ${JSON.stringify(done.stats)}`,
        );

        expect(done).toMatchObject({ state: 'completed', total, selectionComplete: true });
        expect(done.counters).toEqual({ ...zeroCounters(), ok: total });
        expect(done.cursor).toBe(total);
        const delivered = harness.deliveredTo();
        for (const entry of seeded) {
          for (const item of entry.items) {
            const copies = delivered.get(item.recipient) ?? [];
            expect(copies, item.recipient).toHaveLength(1);
            expect(Buffer.compare(copies[0]!, entry.raw)).toBe(0);
          }
        }
        expect(delivered.size).toBe(total);
        // One SMTP transaction per message: items of the same message went together.
        expect(harness.downstream.deliveries).toHaveLength(messages);

        const okItems = await harness.fixture.jobs.listJobItems(job.id, { outcome: 'ok' }, { limit: 1000 });
        expect(okItems.items).toHaveLength(Math.min(1000, total));
        expect(
          (await harness.fixture.jobs.listJobItems(job.id, { outcome: 'pending' }, { limit: 10 })).items,
        ).toEqual([]);
        const stored = await harness.fixture.items.getItems(items.map((item) => item.id));
        expect([...stored.values()].every((item) => item.status === 'released')).toBe(true);

        const audit = { items: await harness.waitForJobAudit(job.id) };
        expect(audit.items).toHaveLength(1);
        expect(audit.items[0]).toMatchObject({
          action: 'job.release',
          outcome: 'ok',
          counts: { ok: total },
          tenants: ['big.test'],
        });
      } finally {
        await harness.close();
      }
    });

    it(`delivers each of ${raced * 5} items exactly once under two simultaneous jobs on two nodes plus ${singleReleases} single releases`, async () => {
      const harness = await new BulkHarness(makeStores, {
        env: { LAZARET_JOBS_CONCURRENCY: '1', LAZARET_RELAY_MAX_CONNECTIONS: '8' },
      }).start();
      try {
        const seeded = await harness.seed(raced, (index) =>
          Array.from({ length: 5 }, (_, n) => `r${n}.m${index}@race.test`),
        );
        const items = seeded.flatMap((entry) => entry.items);
        const nodeA = harness.context;
        const nodeB = harness.buildContext();
        harness.startWorker(nodeA);
        harness.startWorker(nodeB);
        const random = seededRandom(42);
        const singles = Array.from(
          { length: singleReleases },
          () => items[Math.floor(random() * items.length)]!.id,
        );

        const [jobA, jobB, ...singleResults] = await Promise.all([
          nodeA.jobService.create(admin, {
            action: 'release',
            query: 'to:@race.test',
            force: false,
            recipients: null,
          }),
          nodeB.jobService.create(admin, {
            action: 'release',
            ids: items.map((item) => item.id),
            force: false,
            recipients: null,
          }),
          ...singles.map((id) =>
            releaseItem(nodeA, id, admin).then(
              () => 'ok',
              (error: unknown) => (isLazaretError(error) ? error.code : 'unexpected'),
            ),
          ),
        ]);
        const [doneA, doneB] = await Promise.all([
          harness.waitForJob(jobA.job.id),
          harness.waitForJob(jobB.job.id),
        ]);

        const delivered = harness.deliveredTo();
        for (const item of items) expect(delivered.get(item.recipient), item.recipient).toHaveLength(1);
        expect(delivered.size).toBe(raced * 5);
        const singleOk = singleResults.filter((code) => code === 'ok').length;
        expect(doneA.counters.ok + doneB.counters.ok + singleOk).toBe(raced * 5);
        expect(new Set(singleResults.filter((code) => code !== 'ok'))).toSatisfy((codes: Set<string>) =>
          [...codes].every((code) => ['already_released', 'conflict'].includes(code)),
        );
        for (const done of [doneA, doneB]) {
          expect(done.state).toBe('completed');
          expect(done.counters.ok + done.counters.already_released + done.counters.conflict).toBe(raced * 5);
        }
        // Both jobs did real work at the same time: neither found everything done already.
        expect(doneA.counters.ok).toBeGreaterThan(0);
        expect(doneB.counters.ok).toBeGreaterThan(0);
        const stored = await harness.fixture.items.getItems(items.map((item) => item.id));
        expect([...stored.values()].every((item) => item.status === 'released')).toBe(true);
      } finally {
        await harness.close();
      }
    });
  });
}
