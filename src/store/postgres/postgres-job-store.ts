import type pg from 'pg';
import { LazaretError } from '../../core/errors.js';
import type { ItemOutcome } from '../../core/outcomes.js';
import { decodeCursor, encodeCursor, pageOf } from '../cursor.js';
import type { Page, PageRequest } from '../item-store.js';
import {
  type Job,
  type JobFilter,
  type JobItem,
  type JobItemFilter,
  type JobState,
  type JobStats,
  type JobStore,
  type RunProgress,
  type SelectionProgress,
  withCancelRequested,
} from '../job-store.js';
import { postgresError } from './postgres-errors.js';
import { migratePostgres, type PostgresMigrationSet } from './postgres-migrations.js';
import { inTransaction, jsonParam, queryRows } from './postgres-query.js';

/** Durable bulk jobs: the record as JSON beside the columns that are queried, and the ordered items. */
export const POSTGRES_JOB_MIGRATIONS: PostgresMigrationSet = {
  name: 'jobs',
  steps: [
    `
  CREATE TABLE jobs (
    id text COLLATE "C" PRIMARY KEY,
    owner_id text COLLATE "C" NOT NULL,
    idempotency_key text COLLATE "C",
    state text COLLATE "C" NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    lease_owner text COLLATE "C",
    lease_until text COLLATE "C",
    data jsonb NOT NULL
  );
  CREATE UNIQUE INDEX jobs_by_idempotency_key ON jobs (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX jobs_by_time ON jobs (created_at DESC, id DESC);
  CREATE INDEX jobs_by_owner ON jobs (owner_id, created_at DESC, id DESC);
  CREATE INDEX jobs_runnable ON jobs (created_at, id) WHERE state IN ('queued', 'running');

  CREATE TABLE job_items (
    job_id text COLLATE "C" NOT NULL REFERENCES jobs(id),
    seq integer NOT NULL,
    item_id text COLLATE "C" NOT NULL,
    code text COLLATE "C",
    outcome jsonb,
    PRIMARY KEY (job_id, seq)
  );
  CREATE INDEX job_items_by_code ON job_items (job_id, code, seq);
  CREATE INDEX job_items_pending ON job_items (job_id, seq) WHERE code IS NULL;
  `,
  ],
};

function encodeSeq(seq: number): string {
  return Buffer.from(jsonParam({ seq }), 'utf8').toString('base64url');
}

function decodeSeq(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { seq?: unknown };
    if (typeof parsed.seq === 'number' && Number.isInteger(parsed.seq)) return parsed.seq;
  } catch {
    // fall through
  }
  throw new LazaretError('bad_cursor', 'The cursor is not one this server issued; start again without it.');
}

async function writeJob(client: pg.PoolClient, job: Job): Promise<Job> {
  await client.query(
    'UPDATE jobs SET state = $1, lease_owner = $2, lease_until = $3, data = $4 WHERE id = $5',
    [job.state, job.lease?.owner ?? null, job.lease?.until ?? null, jsonParam(job), job.id],
  );
  return job;
}

/**
 * Jobs on PostgreSQL. Every change reads the job row FOR UPDATE and writes it back in one
 * transaction, so concurrent workers and cancels serialise on the row; claims skip rows another
 * node is claiming (FOR UPDATE SKIP LOCKED).
 */
export class PostgresJobStore implements JobStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PostgresJobStore> {
    try {
      await migratePostgres(pool, [POSTGRES_JOB_MIGRATIONS]);
    } catch (error) {
      throw postgresError('migrate', error);
    }
    return new PostgresJobStore(pool);
  }

  /**
   * Locks the job, lets `change` mutate it (and its items through the client), and stores it; null
   * when there is no such job or `change` answers null (nothing is written then).
   */
  private withJob(
    operation: string,
    jobId: string,
    change: (job: Job, client: pg.PoolClient) => Promise<Job | null>,
  ): Promise<Job | null> {
    return inTransaction(this.pool, operation, async (client) => {
      const found = await client.query<{ data: Job }>('SELECT data FROM jobs WHERE id = $1 FOR UPDATE', [
        jobId,
      ]);
      const job = found.rows[0]?.data;
      if (!job) return null;
      const changed = await change(job, client);
      return changed ? writeJob(client, changed) : null;
    });
  }

  /** Like withJob, only while `owner` holds the job's lease and it runs: the guard of every worker write. */
  private withHeldJob(
    operation: string,
    jobId: string,
    owner: string,
    change: (job: Job, client: pg.PoolClient) => Promise<Job>,
  ): Promise<Job | null> {
    return this.withJob(operation, jobId, (job, client) =>
      job.state === 'running' && job.lease?.owner === owner ? change(job, client) : Promise.resolve(null),
    );
  }

  async createJob(job: Job): Promise<{ job: Job; created: boolean }> {
    // ON CONFLICT waits for a concurrent insert of the same key to commit, so exactly one is created.
    const inserted = await queryRows(
      this.pool,
      'createJob',
      `INSERT INTO jobs (id, owner_id, idempotency_key, state, created_at, lease_owner, lease_until, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id`,
      [
        job.id,
        job.owner.id,
        job.idempotencyKey,
        job.state,
        job.createdAt,
        job.lease?.owner ?? null,
        job.lease?.until ?? null,
        jsonParam(job),
      ],
    );
    if (inserted.length > 0) return { job, created: true };
    const existing = await queryRows<{ data: Job }>(
      this.pool,
      'createJob',
      'SELECT data FROM jobs WHERE owner_id = $1 AND idempotency_key = $2',
      [job.owner.id, job.idempotencyKey],
    );
    if (!existing[0])
      throw postgresError('createJob', new Error('the job with this idempotency key vanished'));
    return { job: existing[0].data, created: false };
  }

  async getJob(id: string): Promise<Job | null> {
    const rows = await queryRows<{ data: Job }>(this.pool, 'getJob', 'SELECT data FROM jobs WHERE id = $1', [
      id,
    ]);
    return rows[0]?.data ?? null;
  }

  async listJobs(filter: JobFilter, page: PageRequest): Promise<Page<Job>> {
    const conditions = ['true'];
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.ownerId !== undefined) conditions.push(`owner_id = ${param(filter.ownerId)}`);
    if (page.cursor !== undefined) {
      const after = decodeCursor(page.cursor);
      conditions.push(`(created_at, id) < (${param(after.receivedAt)}, ${param(after.id)})`);
    }
    const rows = await queryRows<{ data: Job }>(
      this.pool,
      'listJobs',
      `SELECT data FROM jobs WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${param(page.limit + 1)}`,
      values,
    );
    return pageOf(
      rows,
      page.limit,
      (last) => encodeCursor({ receivedAt: last.createdAt, id: last.id }),
      (row) => row.data,
    );
  }

  appendItems(
    jobId: string,
    firstSeq: number,
    itemIds: readonly string[],
    progress: SelectionProgress,
    owner?: string,
  ): Promise<Job | null> {
    const append = async (job: Job, client: pg.PoolClient): Promise<Job> => {
      if (itemIds.length > 0) {
        await client.query(
          `INSERT INTO job_items (job_id, seq, item_id)
           SELECT $1, $2 + ordinality - 1, item_id FROM unnest($3::text[]) WITH ORDINALITY AS ids(item_id, ordinality)
           ON CONFLICT (job_id, seq) DO NOTHING`,
          [jobId, firstSeq, [...itemIds]],
        );
      }
      job.total = Math.max(job.total, firstSeq + itemIds.length - 1);
      job.selectionCursor = progress.selectionCursor;
      if (progress.complete) {
        job.selectionComplete = true;
        if (job.state === 'preparing') job.state = 'queued';
      }
      return job;
    };
    if (owner !== undefined) return this.withHeldJob('appendItems', jobId, owner, append);
    return this.withJob('appendItems', jobId, (job, client) =>
      job.state === 'preparing' ? append(job, client) : Promise.resolve(null),
    );
  }

  claimJob(owner: string, now: string, leaseUntil: string): Promise<Job | null> {
    return inTransaction(this.pool, 'claimJob', async (client) => {
      const found = await client.query<{ data: Job }>(
        `SELECT data FROM jobs
         WHERE state IN ('queued', 'running')
           AND (state = 'queued' OR lease_until IS NULL OR lease_until <= $1)
         ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [now],
      );
      const job = found.rows[0]?.data;
      if (!job) return null;
      job.state = 'running';
      job.lease = { owner, until: leaseUntil };
      job.startedAt ??= now;
      job.updatedAt = now;
      return writeJob(client, job);
    });
  }

  renewLease(jobId: string, owner: string, until: string, progress?: RunProgress): Promise<Job | null> {
    return this.withHeldJob('renewLease', jobId, owner, async (job) => {
      job.lease = { owner, until };
      if (progress) {
        job.cursor = Math.max(job.cursor, progress.cursor);
        job.stats = progress.stats;
      }
      return job;
    });
  }

  async pendingItems(
    jobId: string,
    afterSeq: number,
    limit: number,
  ): Promise<{ seq: number; itemId: string }[]> {
    const rows = await queryRows<{ seq: number; item_id: string }>(
      this.pool,
      'pendingItems',
      'SELECT seq, item_id FROM job_items WHERE job_id = $1 AND code IS NULL AND seq > $2 ORDER BY seq LIMIT $3',
      [jobId, afterSeq, limit],
    );
    return rows.map((row) => ({ seq: row.seq, itemId: row.item_id }));
  }

  recordOutcomes(
    jobId: string,
    owner: string,
    outcomes: readonly (ItemOutcome & { seq: number })[],
    progress: RunProgress,
  ): Promise<Job | null> {
    return this.withHeldJob('recordOutcomes', jobId, owner, async (job, client) => {
      const at = new Date().toISOString();
      const tenants = new Set(job.tenants);
      const records = outcomes.map(({ seq, itemId: _itemId, tenant, ...outcome }) => {
        if (tenant) tenants.add(tenant);
        return { seq, code: outcome.code, outcome: { ...outcome, at } };
      });
      if (records.length > 0) {
        // Only items without an outcome change, and only those are counted: a repeated batch counts nothing.
        const recorded = await client.query<{ code: keyof Job['counters'] }>(
          `UPDATE job_items SET code = r.code, outcome = r.outcome
           FROM jsonb_to_recordset($2::jsonb) AS r(seq int, code text, outcome jsonb)
           WHERE job_items.job_id = $1 AND job_items.seq = r.seq AND job_items.code IS NULL
           RETURNING job_items.code`,
          [jobId, jsonParam(records)],
        );
        for (const row of recorded.rows) job.counters[row.code] += 1;
      }
      job.tenants = [...tenants].sort();
      job.cursor = Math.max(job.cursor, progress.cursor);
      job.stats = progress.stats;
      job.updatedAt = at;
      return job;
    });
  }

  cancelPending(jobId: string, owner: string, message: string): Promise<Job | null> {
    return this.withHeldJob('cancelPending', jobId, owner, async (job, client) => {
      const at = new Date().toISOString();
      const changed = await client.query(
        `UPDATE job_items SET code = 'cancelled', outcome = $2 WHERE job_id = $1 AND code IS NULL`,
        [jobId, jsonParam({ code: 'cancelled', message, at })],
      );
      job.counters.cancelled += changed.rowCount ?? 0;
      job.updatedAt = at;
      return job;
    });
  }

  finishJob(
    jobId: string,
    owner: string,
    state: 'completed' | 'cancelled' | 'failed',
    end: { stats: JobStats | null; error: string | null; at: string },
  ): Promise<Job | null> {
    return this.withHeldJob('finishJob', jobId, owner, async (job) => {
      job.state = state as JobState;
      job.lease = null;
      job.stats = end.stats ?? job.stats;
      job.error = end.error;
      job.finishedAt = end.at;
      job.updatedAt = end.at;
      return job;
    });
  }

  async requestCancel(jobId: string, at: string): Promise<Job | null> {
    let current: Job | null = null;
    const changed = await this.withJob('requestCancel', jobId, async (job) => {
      current = job;
      return withCancelRequested(job, at);
    });
    return changed ?? current;
  }

  async listJobItems(jobId: string, filter: JobItemFilter, page: PageRequest): Promise<Page<JobItem>> {
    const conditions = ['job_id = $1'];
    const values: unknown[] = [jobId];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.outcome === 'pending') conditions.push('code IS NULL');
    else if (filter.outcome !== undefined) conditions.push(`code = ${param(filter.outcome)}`);
    if (page.cursor !== undefined) conditions.push(`seq > ${param(decodeSeq(page.cursor))}`);
    const rows = await queryRows<{ seq: number; item_id: string; outcome: JobItem['outcome'] }>(
      this.pool,
      'listJobItems',
      `SELECT seq, item_id, outcome FROM job_items WHERE ${conditions.join(' AND ')} ORDER BY seq LIMIT ${param(page.limit + 1)}`,
      values,
    );
    return pageOf(
      rows,
      page.limit,
      (last) => encodeSeq(last.seq),
      (row) => ({ seq: row.seq, itemId: row.item_id, outcome: row.outcome }),
    );
  }
}
