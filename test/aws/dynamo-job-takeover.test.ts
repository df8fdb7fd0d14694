import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { zeroCounters } from '../../src/core/outcomes.js';
import { DynamoJobStore } from '../../src/store/dynamodb/dynamo-job-store.js';
import { type Emulators, startEmulators } from '../support/aws-emulators.js';
import { buildJob } from '../support/builders.js';
import { type DynamoTable, freshTable } from '../support/dynamo-fixture.js';

const T0 = '2026-11-20T10:00:00.000Z';
const T1 = '2026-11-20T10:00:30.000Z';
const T2 = '2026-11-20T10:01:00.000Z';

const newJob = () => buildJob({ createdAt: T0 });

describe('DynamoDB job store: a worker that died between writing outcomes and counting them', () => {
  let emulators: Emulators;
  let table: DynamoTable;
  beforeAll(async () => {
    emulators = await startEmulators();
    table = await freshTable(emulators, 'takeover');
  });
  afterAll(async () => {
    await table.drop();
    await emulators.stop();
  });

  it('is recounted by the worker that takes the job over: counters equal the outcomes', async () => {
    const connection = table.connect();
    const jobs = new DynamoJobStore(connection);
    const job = newJob();
    await jobs.createJob(job);
    const ids = Array.from({ length: 250 }, () => newId());
    await jobs.appendItems(job.id, 1, ids, { selectionCursor: null, complete: true });
    expect(await jobs.claimJob('node-a', T0, T1)).toMatchObject({ state: 'running' });
    const stats = {
      window: { initial: 8, current: 8, min: 8, max: 8, shrinks: 0, grows: 0 },
      throttled: 0,
      smtpTransactions: 0,
      elapsedMs: 0,
      itemsPerSecond: 0,
    };
    const first = await jobs.pendingItems(job.id, 0, 100);
    await jobs.recordOutcomes(
      job.id,
      'node-a',
      first.map((entry) => ({ ...entry, code: 'ok' as const, message: 'released' })),
      { cursor: 100, stats },
    );
    // Node A writes the outcomes of seqs 101..130 (in two count blocks) and dies before counting them.
    for (let seq = 101; seq <= 130; seq += 1) {
      await connection.doc.send(
        new UpdateCommand({
          TableName: table.table,
          Key: { pk: `JOBITEM#${job.id}`, sk: String(seq).padStart(10, '0') },
          UpdateExpression: 'SET #code = :code, #outcome = :outcome',
          ExpressionAttributeNames: { '#code': 'code', '#outcome': 'outcome' },
          ExpressionAttributeValues: {
            ':code': 'interrupted',
            ':outcome': { code: 'interrupted', message: 'may have been delivered', at: T0 },
          },
        }),
      );
    }
    expect((await jobs.getJob(job.id))?.counters).toEqual({ ...zeroCounters(), ok: 100 });

    // Before the lease ends nobody else gets the job; after it, node B does, with the true counts.
    expect(await jobs.claimJob('node-b', T0, T1)).toBeNull();
    const taken = await jobs.claimJob('node-b', T1, T2);
    expect(taken).toMatchObject({ state: 'running', lease: { owner: 'node-b', until: T2 } });
    expect(taken!.counters).toEqual({ ...zeroCounters(), ok: 100, interrupted: 30 });
    expect((await jobs.pendingItems(job.id, 100, 1000)).map((entry) => entry.seq)[0]).toBe(131);
    // The dead worker's lease is gone: it can change nothing any more.
    expect(await jobs.renewLease(job.id, 'node-a', T2)).toBeNull();
  });
});
