import { setTimeout as delay } from 'node:timers/promises';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LazaretError } from '../../core/errors.js';
import { type ItemOutcome, OUTCOME_CODES, type OutcomeCode, zeroCounters } from '../../core/outcomes.js';
import type { Timestamp } from '../../core/types.js';
import { awsStoreError, isConditionFailed } from '../aws/aws-errors.js';
import { decodeSeqCursor, encodeCursor, encodeSeqCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import {
  FINAL_JOB_STATES,
  type Job,
  type JobFilter,
  type JobItem,
  type JobItemFilter,
  type JobStats,
  type JobStore,
  type RunProgress,
  type SelectionProgress,
  withCancelRequested,
} from '../job-store.js';
import { batchGet, batchWrite, type Record_ } from './batch.js';
import { isNew } from './conditions.js';
import type { DynamoConnection } from './dynamo-client.js';
import { queryPartition } from './dynamo-query.js';
import { collectBatched, lastKeyPart, newestFirstIds, queryRange } from './query-streams.js';
import { PK, SINGLE, SK } from './table-layout.js';

/** Job items are counted in blocks of this many seqs (see recordOutcomes). */
const BLOCK = 100;
/** An idempotency key whose job is still missing after this long belonged to a creation that died. */
const ORPHAN_KEY_MS = 60_000;

const jobKeys = {
  job: (id: string) => ({ [PK]: `JOB#${id}`, [SK]: SINGLE }),
  idempotency: (ownerId: string, key: string) => ({ [PK]: `JOBKEY#${ownerId}#${key}`, [SK]: SINGLE }),
  list: (createdAt: string, id: string) => ({ [PK]: 'JOBS', [SK]: `${createdAt}#${id}` }),
  ownerList: (ownerId: string, createdAt: string, id: string) => ({
    [PK]: `UJOBS#${ownerId}`,
    [SK]: `${createdAt}#${id}`,
  }),
  /** Jobs not final yet, oldest first: where claimJob looks. */
  queue: (createdAt: string, id: string) => ({ [PK]: 'JOBQ', [SK]: `${createdAt}#${id}` }),
  itemPartition: (jobId: string) => `JOBITEM#${jobId}`,
  item: (jobId: string, seq: number) => ({ [PK]: `JOBITEM#${jobId}`, [SK]: seqKey(seq) }),
  blockPartition: (jobId: string) => `JOBBLOCK#${jobId}`,
  block: (jobId: string, block: number) => ({ [PK]: `JOBBLOCK#${jobId}`, [SK]: seqKey(block) }),
};

function seqKey(seq: number): string {
  return String(seq).padStart(10, '0');
}

function blockOf(seq: number): number {
  return Math.floor((seq - 1) / BLOCK);
}

/**
 * Durable bulk jobs in the DynamoDB table. The job record is changed by read, modify and a write
 * conditional on its revision (optimistic locking), so the guards — lease owner, state — are
 * checked against the record as written. Job items live one record per seq; their counters are
 * derived rather than incremented: each block of 100 seqs has a count record recomputed from its
 * items after outcomes are written, and the job's counters are the sum of its blocks, so a batch
 * recorded twice, or cut off half way and retried, is still counted exactly once.
 */
export class DynamoJobStore implements JobStore {
  constructor(private readonly conn: DynamoConnection) {}

  private get table(): string {
    return this.conn.table;
  }

  private async readRecord(id: string): Promise<{ job: Job; rev: number } | null> {
    const output = await this.conn.doc.send(
      new GetCommand({ TableName: this.table, Key: jobKeys.job(id), ConsistentRead: true }),
    );
    const record = output.Item as Record_ | undefined;
    return record ? { job: record.job as Job, rev: record.rev as number } : null;
  }

  /**
   * Applies `mutate` to the job as stored, writing only if no one changed it meanwhile; tries again
   * on a concurrent change. `mutate` answers null to write nothing (a guard failed).
   */
  private async update(
    id: string,
    mutate: (job: Job) => Job | null | Promise<Job | null>,
  ): Promise<Job | null> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const current = await this.readRecord(id);
      if (!current) return null;
      const next = await mutate(structuredClone(current.job));
      if (!next) return null;
      try {
        await this.conn.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...jobKeys.job(id), type: 'job', job: next, rev: current.rev + 1 },
            ConditionExpression: '#rev = :rev',
            ExpressionAttributeNames: { '#rev': 'rev' },
            ExpressionAttributeValues: { ':rev': current.rev },
          }),
        );
        return next;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    }
    throw new LazaretError('conflict', `Job ${id} kept changing while it was being updated; try again.`, {
      jobId: id,
    });
  }

  private static held(job: Job, owner: string): boolean {
    return job.state === 'running' && job.lease?.owner === owner;
  }

  async createJob(job: Job): Promise<{ job: Job; created: boolean }> {
    try {
      if (job.idempotencyKey !== null) {
        const existing = await this.claimIdempotencyKey(job);
        if (existing) return { job: existing, created: false };
      }
      await batchWrite(this.conn, [
        { PutRequest: { Item: jobKeys.list(job.createdAt, job.id) } },
        { PutRequest: { Item: jobKeys.ownerList(job.owner.id, job.createdAt, job.id) } },
        ...(FINAL_JOB_STATES.includes(job.state)
          ? []
          : [{ PutRequest: { Item: jobKeys.queue(job.createdAt, job.id) } }]),
      ]);
      await this.conn.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...jobKeys.job(job.id), type: 'job', job, rev: 1 },
          ...isNew,
        }),
      );
      return { job, created: true };
    } catch (error) {
      throw awsStoreError('createJob', error);
    }
  }

  /**
   * Takes the idempotency key for `job`, or answers the job that holds it. A key whose job never
   * appeared (its creator died in between) is taken over once it is older than a creation can take;
   * until then a concurrent creation is still writing, and the caller is asked to retry.
   */
  private async claimIdempotencyKey(job: Job): Promise<Job | null> {
    const key = jobKeys.idempotency(job.owner.id, job.idempotencyKey!);
    const claimedAt = new Date().toISOString();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      if (await this.putIfNew({ ...key, jobId: job.id, claimedAt })) return null;
      const holder = (
        await this.conn.doc.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))
      ).Item;
      if (!holder) continue;
      for (let wait = 0; wait < 10; wait += 1) {
        const found = await this.readRecord(holder.jobId as string);
        if (found) return found.job;
        await delay(20 * (wait + 1));
      }
      if (Date.parse(holder.claimedAt as string) > Date.now() - ORPHAN_KEY_MS) {
        throw new LazaretError('conflict', 'A job with this idempotency key is being created; try again.', {
          idempotencyKey: job.idempotencyKey,
        });
      }
      try {
        await this.conn.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key,
            UpdateExpression: 'SET #jobId = :new, #claimedAt = :at',
            ConditionExpression: '#jobId = :old',
            ExpressionAttributeNames: { '#jobId': 'jobId', '#claimedAt': 'claimedAt' },
            ExpressionAttributeValues: { ':new': job.id, ':old': holder.jobId, ':at': claimedAt },
          }),
        );
        return null;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    }
    throw new LazaretError('conflict', 'The idempotency key kept changing hands; try again.', {
      idempotencyKey: job.idempotencyKey,
    });
  }

  private async putIfNew(item: Record_): Promise<boolean> {
    try {
      await this.conn.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ...isNew,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  async getJob(id: string): Promise<Job | null> {
    try {
      return (await this.readRecord(id))?.job ?? null;
    } catch (error) {
      throw awsStoreError('getJob', error);
    }
  }

  async listJobs(filter: JobFilter, page: PageRequest): Promise<Page<Job>> {
    try {
      const owner = filter.ownerId === undefined ? 'JOBS' : `UJOBS#${filter.ownerId}`;
      const found = await collectBatched(
        newestFirstIds(this.conn, owner, page),
        page.limit + 1,
        async (ids) => {
          const records = await batchGet(
            this.conn,
            ids.map((id) => jobKeys.job(id)),
            { consistent: true },
          );
          const byId = new Map(records.map((record) => [(record.job as Job).id, record.job as Job]));
          return ids.map((id) => byId.get(id)).filter((job): job is Job => job !== undefined);
        },
      );
      return pageOf(found, page.limit, (last) => encodeCursor({ receivedAt: last.createdAt, id: last.id }));
    } catch (error) {
      throw awsStoreError('listJobs', error);
    }
  }

  async appendItems(
    jobId: string,
    firstSeq: number,
    itemIds: readonly string[],
    progress: SelectionProgress,
    owner?: string,
  ): Promise<Job | null> {
    try {
      const allowed = (job: Job) =>
        owner === undefined ? job.state === 'preparing' : DynamoJobStore.held(job, owner);
      const current = await this.readRecord(jobId);
      if (!current || !allowed(current.job)) return null;
      const seqs = itemIds.map((_, index) => firstSeq + index);
      const existing = new Set(
        (
          await batchGet(
            this.conn,
            seqs.map((seq) => jobKeys.item(jobId, seq)),
            { consistent: true, projection: '#pk, #sk', names: { '#pk': PK, '#sk': SK } },
          )
        ).map((record) => Number(record[SK])),
      );
      await batchWrite(
        this.conn,
        itemIds.flatMap((itemId, index) =>
          existing.has(firstSeq + index)
            ? []
            : [{ PutRequest: { Item: { ...jobKeys.item(jobId, firstSeq + index), itemId } } }],
        ),
      );
      return await this.update(jobId, (job) => {
        if (!allowed(job)) return null;
        job.total = Math.max(job.total, firstSeq + itemIds.length - 1);
        job.selectionCursor = progress.selectionCursor;
        if (progress.complete) {
          job.selectionComplete = true;
          if (job.state === 'preparing') job.state = 'queued';
        }
        return job;
      });
    } catch (error) {
      throw awsStoreError('appendItems', error);
    }
  }

  async claimJob(owner: string, now: Timestamp, leaseUntil: Timestamp): Promise<Job | null> {
    try {
      const runnable = (job: Job) =>
        job.state === 'queued' || (job.state === 'running' && (job.lease === null || job.lease.until <= now));
      const entries = queryPartition(this.conn, { partition: 'JOBQ', descending: false, pageSize: 25 });
      for await (const entry of entries) {
        const id = lastKeyPart(entry[SK]);
        const current = await this.readRecord(id);
        if (current && FINAL_JOB_STATES.includes(current.job.state)) {
          await this.dropFromQueue(current.job);
          continue;
        }
        if (!current || !runnable(current.job)) continue;
        // The worker that died may have written outcomes without recounting their blocks yet:
        // recount every block from its items, before the claim makes the counters visible.
        if (current.job.state === 'running' && current.job.total > 0) {
          await this.recountBlocks(
            id,
            Array.from({ length: blockOf(current.job.total) + 1 }, (_, block) => block),
          );
        }
        const claimed = await this.update(id, async (job) => {
          if (!runnable(job)) return null;
          const takeover = job.state === 'running';
          job.state = 'running';
          job.lease = { owner, until: leaseUntil };
          job.startedAt ??= now;
          job.updatedAt = now;
          if (takeover) job.counters = await this.countOutcomes(id);
          return job;
        });
        if (claimed) return claimed;
      }
      return null;
    } catch (error) {
      throw awsStoreError('claimJob', error);
    }
  }

  private async dropFromQueue(job: Job): Promise<void> {
    await batchWrite(this.conn, [{ DeleteRequest: { Key: jobKeys.queue(job.createdAt, job.id) } }]);
  }

  async renewLease(
    jobId: string,
    owner: string,
    until: Timestamp,
    progress?: RunProgress,
  ): Promise<Job | null> {
    try {
      return await this.update(jobId, (job) => {
        if (!DynamoJobStore.held(job, owner)) return null;
        job.lease = { owner, until };
        if (progress) {
          job.cursor = Math.max(job.cursor, progress.cursor);
          job.stats = progress.stats;
        }
        return job;
      });
    } catch (error) {
      throw awsStoreError('renewLease', error);
    }
  }

  async pendingItems(
    jobId: string,
    afterSeq: number,
    limit: number,
  ): Promise<{ seq: number; itemId: string }[]> {
    try {
      const found: { seq: number; itemId: string }[] = [];
      for await (const record of queryRange(this.conn, {
        partitionAttribute: PK,
        partitionValue: jobKeys.itemPartition(jobId),
        sortAttribute: SK,
        low: seqKey(afterSeq + 1),
        high: '9999999999',
        highExclusive: false,
        pageSize: Math.min(1000, Math.max(limit, 100)),
        descending: false,
      })) {
        if (record.code !== undefined) continue;
        found.push({ seq: Number(record[SK]), itemId: record.itemId as string });
        if (found.length >= limit) break;
      }
      return found;
    } catch (error) {
      throw awsStoreError('pendingItems', error);
    }
  }

  /** Writes one outcome unless the item has one; answers whether it did. */
  private async writeOutcome(jobId: string, seq: number, outcome: Record_): Promise<boolean> {
    try {
      await this.conn.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: jobKeys.item(jobId, seq),
          UpdateExpression: 'SET #code = :code, #outcome = :outcome',
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#code)',
          ExpressionAttributeNames: { '#pk': PK, '#code': 'code', '#outcome': 'outcome' },
          ExpressionAttributeValues: { ':code': outcome.code, ':outcome': outcome },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Recomputes the count records of these blocks from their items: idempotent, whatever was counted before. */
  private async recountBlocks(jobId: string, blocks: Iterable<number>): Promise<void> {
    for (const block of new Set(blocks)) {
      const counts: Partial<Record<OutcomeCode, number>> = {};
      for await (const record of queryRange(this.conn, {
        partitionAttribute: PK,
        partitionValue: jobKeys.itemPartition(jobId),
        sortAttribute: SK,
        low: seqKey(block * BLOCK + 1),
        high: seqKey((block + 1) * BLOCK),
        highExclusive: false,
        pageSize: BLOCK,
        descending: false,
      })) {
        const code = record.code as OutcomeCode | undefined;
        if (code !== undefined) counts[code] = (counts[code] ?? 0) + 1;
      }
      await this.conn.doc.send(
        new PutCommand({ TableName: this.table, Item: { ...jobKeys.block(jobId, block), counts } }),
      );
    }
  }

  /** The job's counters: the sum of its block count records. */
  private async countOutcomes(jobId: string): Promise<Record<OutcomeCode, number>> {
    const counters = zeroCounters();
    for await (const record of queryRange(this.conn, {
      partitionAttribute: PK,
      partitionValue: jobKeys.blockPartition(jobId),
      sortAttribute: SK,
      low: '0',
      high: '9999999999',
      highExclusive: false,
      pageSize: 1000,
      descending: false,
    })) {
      for (const [code, count] of Object.entries((record.counts ?? {}) as Record<string, number>)) {
        if ((OUTCOME_CODES as readonly string[]).includes(code)) counters[code as OutcomeCode] += count;
      }
    }
    return counters;
  }

  async recordOutcomes(
    jobId: string,
    owner: string,
    outcomes: readonly (ItemOutcome & { seq: number })[],
    progress: RunProgress,
  ): Promise<Job | null> {
    try {
      const current = await this.readRecord(jobId);
      if (!current || !DynamoJobStore.held(current.job, owner)) return null;
      const at = new Date().toISOString();
      const limit = 10;
      for (let start = 0; start < outcomes.length; start += limit) {
        await Promise.all(
          outcomes
            .slice(start, start + limit)
            .map(({ seq, itemId: _itemId, tenant: _tenant, ...outcome }) =>
              this.writeOutcome(jobId, seq, { ...outcome, at }),
            ),
        );
      }
      await this.recountBlocks(
        jobId,
        outcomes.map((outcome) => blockOf(outcome.seq)),
      );
      const counters = await this.countOutcomes(jobId);
      return await this.update(jobId, (job) => {
        if (!DynamoJobStore.held(job, owner)) return null;
        const tenants = new Set(job.tenants);
        for (const outcome of outcomes) if (outcome.tenant) tenants.add(outcome.tenant);
        job.tenants = [...tenants].sort();
        job.counters = counters;
        job.cursor = Math.max(job.cursor, progress.cursor);
        job.stats = progress.stats;
        job.updatedAt = at;
        return job;
      });
    } catch (error) {
      throw awsStoreError('recordOutcomes', error);
    }
  }

  async cancelPending(jobId: string, owner: string, message: string): Promise<Job | null> {
    try {
      const current = await this.readRecord(jobId);
      if (!current || !DynamoJobStore.held(current.job, owner)) return null;
      const at = new Date().toISOString();
      const pending = await this.pendingItems(jobId, 0, Number.MAX_SAFE_INTEGER);
      for (let start = 0; start < pending.length; start += 10) {
        await Promise.all(
          pending
            .slice(start, start + 10)
            .map(({ seq }) => this.writeOutcome(jobId, seq, { code: 'cancelled', message, at })),
        );
      }
      await this.recountBlocks(
        jobId,
        pending.map((entry) => blockOf(entry.seq)),
      );
      const counters = await this.countOutcomes(jobId);
      return await this.update(jobId, (job) => {
        if (!DynamoJobStore.held(job, owner)) return null;
        job.counters = counters;
        job.updatedAt = at;
        return job;
      });
    } catch (error) {
      throw awsStoreError('cancelPending', error);
    }
  }

  async finishJob(
    jobId: string,
    owner: string,
    state: 'completed' | 'cancelled' | 'failed',
    end: { stats: JobStats | null; error: string | null; at: Timestamp },
  ): Promise<Job | null> {
    try {
      const finished = await this.update(jobId, (job) => {
        if (!DynamoJobStore.held(job, owner)) return null;
        job.state = state;
        job.lease = null;
        job.stats = end.stats ?? job.stats;
        job.error = end.error;
        job.finishedAt = end.at;
        job.updatedAt = end.at;
        return job;
      });
      if (finished) await this.dropFromQueue(finished);
      return finished;
    } catch (error) {
      throw awsStoreError('finishJob', error);
    }
  }

  async requestCancel(jobId: string, at: Timestamp): Promise<Job | null> {
    try {
      let current: Job | null = null;
      const changed = await this.update(jobId, (job) => {
        current = job;
        return withCancelRequested(job, at);
      });
      return changed ?? current;
    } catch (error) {
      throw awsStoreError('requestCancel', error);
    }
  }

  async listJobItems(jobId: string, filter: JobItemFilter, page: PageRequest): Promise<Page<JobItem>> {
    try {
      const after = page.cursor === undefined ? 0 : decodeSeqCursor(page.cursor);
      const found: JobItem[] = [];
      for await (const record of queryRange(this.conn, {
        partitionAttribute: PK,
        partitionValue: jobKeys.itemPartition(jobId),
        sortAttribute: SK,
        low: seqKey(after + 1),
        high: '9999999999',
        highExclusive: false,
        pageSize: Math.min(1000, Math.max(page.limit + 1, 100)),
        descending: false,
      })) {
        const code = record.code as string | undefined;
        if (filter.outcome === 'pending' && code !== undefined) continue;
        if (filter.outcome !== undefined && filter.outcome !== 'pending' && code !== filter.outcome) continue;
        found.push({
          seq: Number(record[SK]),
          itemId: record.itemId as string,
          outcome: (record.outcome ?? null) as JobItem['outcome'],
        });
        if (found.length > page.limit) break;
      }
      return pageOf(found, page.limit, (last) => encodeSeqCursor(last.seq));
    } catch (error) {
      throw awsStoreError('listJobItems', error);
    }
  }
}
