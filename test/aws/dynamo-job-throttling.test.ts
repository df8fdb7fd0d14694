import { afterEach, describe, expect, it } from 'vitest';
import { zeroCounters } from '../../src/core/outcomes.js';
import { FINAL_JOB_STATES, type Job, type JobStore } from '../../src/store/job-store.js';
import { dynamoS3Stores, makeDynamoS3 } from '../contract/dynamodb-s3.stores.js';
import { injectThrottling, type ThrottleInjector } from '../support/aws-faults.js';
import { admin } from '../support/builders.js';
import { BulkHarness } from '../support/bulk-harness.js';
import { throttled } from '../support/faulty-item-store.js';
import { seededRandom } from '../support/seeded-random.js';

async function waitForFinal(jobs: JobStore, id: string, timeoutMs = 120_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await jobs.getJob(id);
    if (job && FINAL_JOB_STATES.includes(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not end: ${JSON.stringify(job?.state)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a bulk job on DynamoDB under throttling (ProvisionedThroughputExceededException injected; dynalite never throttles)', () => {
  let harness: BulkHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('completes with every item delivered exactly once and counters equal to the outcomes', async () => {
    const random = seededRandom(11);
    let injector: ThrottleInjector | undefined;
    harness = await new BulkHarness(
      dynamoS3Stores({
        // Few SDK attempts, so that some calls stay throttled after the SDK's retries and the
        // throttling reaches the engine and the job runner, not only the SDK.
        connection: { maxAttempts: 2, minSendRate: 1000 },
        onConnection: (connection) => {
          injector = injectThrottling(connection.client, { share: 0.25, random, limit: 150 });
          injector.enabled = false;
        },
      }),
      {
        env: {
          LAZARET_BULK_WINDOW: '32',
          LAZARET_BULK_THROTTLE_BACKOFF_MS: '2',
          LAZARET_BULK_THROTTLE_TRIES: '30',
          LAZARET_BULK_STORE_BATCH_SIZE: '8',
          LAZARET_BULK_STORE_LINGER_MS: '0',
        },
      },
    ).start();
    const h = harness;
    // The test's own view of the table, never throttled.
    const clean = await h.fixture.reopen();
    const seeded = await h.seed(150, (index) => [`a${index}@dthrottle.test`, `b${index}@dthrottle.test`]);
    h.startWorker();
    const { job } = await h.context.jobService.create(admin, {
      action: 'release',
      query: 'to:@dthrottle.test',
      force: false,
      recipients: null,
    });
    injector!.enabled = true;
    const done = await waitForFinal(clean.jobs, job.id);
    injector!.enabled = false;
    console.info(
      `[figures] DynamoDB job throttling: ${injector!.injected} injected, stats ${JSON.stringify(done.stats)}`,
    );

    expect(done.state).toBe('completed');
    expect(done.counters).toEqual({ ...zeroCounters(), ok: 300 });
    expect(injector!.injected).toBe(150);
    // Some calls stayed throttled after the SDK's attempts: the engine backed off and retried them.
    expect(done.stats!.throttled).toBeGreaterThan(0);
    const outcomes = [];
    let cursor: string | undefined;
    do {
      const page = await clean.jobs.listJobItems(job.id, {}, { limit: 100, cursor });
      outcomes.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(outcomes).toHaveLength(300);
    expect(outcomes.every((entry) => entry.outcome?.code === 'ok')).toBe(true);
    const ids = seeded.flatMap((entry) => entry.items.map((item) => item.id));
    expect(outcomes.map((entry) => entry.itemId).sort()).toEqual([...ids].sort());
    const stored = await clean.items.getItems(ids);
    expect([...stored.values()].every((item) => item.status === 'released')).toBe(true);
    const delivered = h.deliveredTo();
    expect(delivered.size).toBe(300);
    for (const copies of delivered.values()) expect(copies).toHaveLength(1);
  }, 180_000);

  it("completes when the calls that end the job are throttled past the SDK's retries", async () => {
    const throttledCalls: string[] = [];
    harness = await new BulkHarness(makeDynamoS3, {
      env: { LAZARET_BULK_THROTTLE_BACKOFF_MS: '2' },
      // The first renewal and the first finish of the job answer store_throttled, as a DynamoDB call
      // still throttled after all its attempts does.
      wrapJobs: (jobs) =>
        new Proxy(jobs, {
          get(target, property, receiver) {
            const value = Reflect.get(target, property, receiver);
            if ((property !== 'finishJob' && property !== 'renewLease') || typeof value !== 'function') {
              return typeof value === 'function' ? value.bind(target) : value;
            }
            return (...args: unknown[]) => {
              if (!throttledCalls.includes(property)) {
                throttledCalls.push(property);
                return Promise.reject(throttled());
              }
              return value.apply(target, args);
            };
          },
        }),
    }).start();
    const h = harness;
    const seeded = await h.seed(10, (index) => [`c${index}@dfinish.test`]);
    h.startWorker();
    const { job } = await h.context.jobService.create(admin, {
      action: 'release',
      ids: seeded.flatMap((entry) => entry.items.map((item) => item.id)),
      force: false,
      recipients: null,
    });
    const done = await waitForFinal(h.fixture.jobs, job.id);
    expect(throttledCalls.sort()).toEqual(['finishJob', 'renewLease']);
    expect(done).toMatchObject({ state: 'completed', counters: { ...zeroCounters(), ok: 10 } });
    expect(done.stats!.throttled).toBeGreaterThanOrEqual(1);
    // Finished by its first run, not by a takeover after the lease (5 s in the harness) ran out.
    expect(done.stats!.elapsedMs).toBeLessThan(5000);
    expect(Date.parse(done.finishedAt!) - Date.parse(done.createdAt)).toBeLessThan(5000);
    for (const copies of h.deliveredTo().values()) expect(copies).toHaveLength(1);
    expect(h.deliveredTo().size).toBe(10);
  });
});
