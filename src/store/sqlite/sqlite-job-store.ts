import type { Database, Statement } from 'better-sqlite3';
import { storeError } from '../../core/errors.js';
import type { ItemOutcome } from '../../core/outcomes.js';
import { decodeCursor, decodeSeqCursor, encodeCursor, encodeSeqCursor, pageOf } from '../cursor.js';
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
import { type MigrationSet, migrate } from './sqlite-database.js';
import { StatementCache } from './sqlite-statements.js';

/** Schema of durable bulk jobs; a set of its own so that it grows independently of items. */
export const JOB_MIGRATIONS: MigrationSet = {
  name: 'jobs',
  steps: [
    `
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    idempotency_key TEXT,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    lease_owner TEXT,
    lease_until TEXT,
    data TEXT NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX jobs_by_idempotency_key ON jobs (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX jobs_by_time ON jobs (created_at DESC, id DESC);
  CREATE INDEX jobs_by_owner ON jobs (owner_id, created_at DESC, id DESC);
  CREATE INDEX jobs_runnable ON jobs (state, created_at) WHERE state IN ('queued', 'running');

  CREATE TABLE job_items (
    job_id TEXT NOT NULL REFERENCES jobs(id),
    seq INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    code TEXT,
    outcome TEXT,
    PRIMARY KEY (job_id, seq)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX job_items_by_code ON job_items (job_id, code, seq);
  `,
  ],
};

interface JobRow {
  id: string;
  data: string;
}

function toJob(row: JobRow): Job {
  return JSON.parse(row.data) as Job;
}

/** Jobs in the embedded database: the record as JSON beside the columns that are queried. */
export class SqliteJobStore implements JobStore {
  private readonly statements: StatementCache;

  constructor(private readonly db: Database) {
    this.statements = new StatementCache(db);
    migrate(db, JOB_MIGRATIONS);
  }

  private statement(sql: string): Statement {
    return this.statements.get(sql);
  }

  private run<T>(operation: string, work: () => T): Promise<T> {
    try {
      return Promise.resolve(this.db.transaction(work).immediate());
    } catch (error) {
      return Promise.reject(storeError(operation, error));
    }
  }

  private read(id: string): Job | null {
    const row = this.statement('SELECT id, data FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  private write(job: Job): Job {
    this.statement('UPDATE jobs SET state = ?, lease_owner = ?, lease_until = ?, data = ? WHERE id = ?').run(
      job.state,
      job.lease?.owner ?? null,
      job.lease?.until ?? null,
      JSON.stringify(job),
      job.id,
    );
    return job;
  }

  /** The job if `owner` holds its lease and it runs; the guard of every worker write. */
  private held(jobId: string, owner: string): Job | null {
    const job = this.read(jobId);
    return job && job.state === 'running' && job.lease?.owner === owner ? job : null;
  }

  createJob(job: Job): Promise<{ job: Job; created: boolean }> {
    return this.run('createJob', () => {
      if (job.idempotencyKey !== null) {
        const row = this.statement(
          'SELECT id, data FROM jobs WHERE owner_id = ? AND idempotency_key = ?',
        ).get(job.owner.id, job.idempotencyKey) as JobRow | undefined;
        if (row) return { job: toJob(row), created: false };
      }
      this.statement(
        `INSERT INTO jobs (id, owner_id, idempotency_key, state, created_at, lease_owner, lease_until, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        job.id,
        job.owner.id,
        job.idempotencyKey,
        job.state,
        job.createdAt,
        job.lease?.owner ?? null,
        job.lease?.until ?? null,
        JSON.stringify(job),
      );
      return { job, created: true };
    });
  }

  getJob(id: string): Promise<Job | null> {
    return this.run('getJob', () => this.read(id));
  }

  listJobs(filter: JobFilter, page: PageRequest): Promise<Page<Job>> {
    return this.run('listJobs', () => {
      const conditions = ['1'];
      const params: unknown[] = [];
      if (filter.ownerId !== undefined) {
        conditions.push('owner_id = ?');
        params.push(filter.ownerId);
      }
      if (page.cursor !== undefined) {
        const after = decodeCursor(page.cursor);
        conditions.push('(created_at < ? OR (created_at = ? AND id < ?))');
        params.push(after.receivedAt, after.receivedAt, after.id);
      }
      const rows = this.statement(
        `SELECT id, data FROM jobs WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
      ).all(...params, page.limit + 1) as JobRow[];
      return pageOf(
        rows,
        page.limit,
        (last) => encodeCursor({ receivedAt: last.createdAt, id: last.id }),
        toJob,
      );
    });
  }

  appendItems(
    jobId: string,
    firstSeq: number,
    itemIds: readonly string[],
    progress: SelectionProgress,
    owner?: string,
  ): Promise<Job | null> {
    return this.run('appendItems', () => {
      const job = owner === undefined ? this.read(jobId) : this.held(jobId, owner);
      if (!job || (owner === undefined && job.state !== 'preparing')) return null;
      // One statement for the page of ids: seq = firstSeq + the id's place in it.
      this.statement(
        'INSERT OR IGNORE INTO job_items (job_id, seq, item_id) SELECT ?, ? + key, value FROM json_each(?)',
      ).run(jobId, firstSeq, JSON.stringify(itemIds));
      job.total = Math.max(job.total, firstSeq + itemIds.length - 1);
      job.selectionCursor = progress.selectionCursor;
      if (progress.complete) {
        job.selectionComplete = true;
        if (job.state === 'preparing') job.state = 'queued';
      }
      return this.write(job);
    });
  }

  claimJob(owner: string, now: string, leaseUntil: string): Promise<Job | null> {
    return this.run('claimJob', () => {
      const row = this.statement(
        `SELECT id, data FROM jobs WHERE state = 'queued' OR (state = 'running' AND (lease_until IS NULL OR lease_until <= ?))
         ORDER BY created_at, id LIMIT 1`,
      ).get(now) as JobRow | undefined;
      if (!row) return null;
      const job = toJob(row);
      job.state = 'running';
      job.lease = { owner, until: leaseUntil };
      job.startedAt ??= now;
      job.updatedAt = now;
      return this.write(job);
    });
  }

  renewLease(jobId: string, owner: string, until: string, progress?: RunProgress): Promise<Job | null> {
    return this.run('renewLease', () => {
      const job = this.held(jobId, owner);
      if (!job) return null;
      job.lease = { owner, until };
      if (progress) {
        job.cursor = Math.max(job.cursor, progress.cursor);
        job.stats = progress.stats;
      }
      return this.write(job);
    });
  }

  pendingItems(jobId: string, afterSeq: number, limit: number): Promise<{ seq: number; itemId: string }[]> {
    return this.run('pendingItems', () =>
      (
        this.statement(
          'SELECT seq, item_id FROM job_items WHERE job_id = ? AND code IS NULL AND seq > ? ORDER BY seq LIMIT ?',
        ).all(jobId, afterSeq, limit) as { seq: number; item_id: string }[]
      ).map((row) => ({ seq: row.seq, itemId: row.item_id })),
    );
  }

  recordOutcomes(
    jobId: string,
    owner: string,
    outcomes: readonly (ItemOutcome & { seq: number })[],
    progress: RunProgress,
  ): Promise<Job | null> {
    return this.run('recordOutcomes', () => {
      const job = this.held(jobId, owner);
      if (!job) return null;
      const update = this.statement(
        'UPDATE job_items SET code = ?, outcome = ? WHERE job_id = ? AND seq = ? AND code IS NULL',
      );
      const at = new Date().toISOString();
      const tenants = new Set(job.tenants);
      for (const { seq, itemId: _itemId, tenant, ...outcome } of outcomes) {
        const changed = update.run(outcome.code, JSON.stringify({ ...outcome, at }), jobId, seq).changes;
        if (changed > 0) job.counters[outcome.code] += 1;
        if (tenant) tenants.add(tenant);
      }
      job.tenants = [...tenants].sort();
      job.cursor = Math.max(job.cursor, progress.cursor);
      job.stats = progress.stats;
      job.updatedAt = at;
      return this.write(job);
    });
  }

  cancelPending(jobId: string, owner: string, message: string): Promise<Job | null> {
    return this.run('cancelPending', () => {
      const job = this.held(jobId, owner);
      if (!job) return null;
      const at = new Date().toISOString();
      const changed = this.statement(
        `UPDATE job_items SET code = 'cancelled', outcome = ? WHERE job_id = ? AND code IS NULL`,
      ).run(JSON.stringify({ code: 'cancelled', message, at }), jobId).changes;
      job.counters.cancelled += changed;
      job.updatedAt = at;
      return this.write(job);
    });
  }

  finishJob(
    jobId: string,
    owner: string,
    state: 'completed' | 'cancelled' | 'failed',
    end: { stats: JobStats | null; error: string | null; at: string },
  ): Promise<Job | null> {
    return this.run('finishJob', () => {
      const job = this.held(jobId, owner);
      if (!job) return null;
      job.state = state as JobState;
      job.lease = null;
      job.stats = end.stats ?? job.stats;
      job.error = end.error;
      job.finishedAt = end.at;
      job.updatedAt = end.at;
      return this.write(job);
    });
  }

  requestCancel(jobId: string, at: string): Promise<Job | null> {
    return this.run('requestCancel', () => {
      const job = this.read(jobId);
      if (!job) return null;
      const cancelling = withCancelRequested(job, at);
      return cancelling ? this.write(cancelling) : job;
    });
  }

  listJobItems(jobId: string, filter: JobItemFilter, page: PageRequest): Promise<Page<JobItem>> {
    return this.run('listJobItems', () => {
      const conditions = ['job_id = ?'];
      const params: unknown[] = [jobId];
      if (filter.outcome === 'pending') conditions.push('code IS NULL');
      else if (filter.outcome !== undefined) {
        conditions.push('code = ?');
        params.push(filter.outcome);
      }
      if (page.cursor !== undefined) {
        conditions.push('seq > ?');
        params.push(decodeSeqCursor(page.cursor));
      }
      const rows = this.statement(
        `SELECT seq, item_id, outcome FROM job_items WHERE ${conditions.join(' AND ')} ORDER BY seq LIMIT ?`,
      ).all(...params, page.limit + 1) as { seq: number; item_id: string; outcome: string | null }[];
      return pageOf(
        rows,
        page.limit,
        (last) => encodeSeqCursor(last.seq),
        (row) => ({
          seq: row.seq,
          itemId: row.item_id,
          outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as JobItem['outcome']),
        }),
      );
    });
  }
}
