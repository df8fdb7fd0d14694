import type { Actor } from '../core/actor.js';
import type { ItemOutcome, OutcomeCode, OutcomeCounters } from '../core/outcomes.js';
import type { Lease, Timestamp } from '../core/types.js';
import type { Page, PageRequest } from './item-store.js';

export const JOB_ACTIONS = ['release', 'delete'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

/**
 * preparing: the ids of an explicit selection are still being stored (not runnable yet);
 * queued: waiting for a worker (a query selection is then evaluated by the worker);
 * running: a worker holds the lease; completed / cancelled / failed: final.
 */
export const JOB_STATES = ['preparing', 'queued', 'running', 'completed', 'cancelled', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_JOB_STATES: readonly JobState[] = ['completed', 'cancelled', 'failed'];

/**
 * The job with its cancellation asked for, or null when it has ended already (a finished job is not
 * changed). Every job store applies it inside its own conditional write.
 */
export function withCancelRequested(job: Job, at: string): Job | null {
  if (FINAL_JOB_STATES.includes(job.state)) return null;
  return { ...job, cancelRequested: true, updatedAt: at };
}

export type JobSelection = { kind: 'ids' } | { kind: 'query'; query: string };

export interface JobOptions {
  force: boolean;
  /** Deliver to these instead of each item's recipient (release only). */
  recipients: string[] | null;
}

/** How the engine ran: exported so operators (and tests) can see the adaptive window at work. */
export interface JobStats {
  window: { initial: number; current: number; min: number; max: number; shrinks: number; grows: number };
  /** Store calls answered with a throttling signal (each was retried after a back-off). */
  throttled: number;
  smtpTransactions: number;
  /** Time spent running, summed over every run of the job (a takeover continues the sum). */
  elapsedMs: number;
  itemsPerSecond: number;
}

export interface Job {
  id: string;
  action: JobAction;
  selection: JobSelection;
  options: JobOptions;
  /** Who created it; the job runs with this actor's access scope. */
  owner: Actor;
  idempotencyKey: string | null;
  /** Fingerprint of the creating request, to tell a repeated request from a different one with the same key. */
  requestHash: string | null;
  state: JobState;
  cancelRequested: boolean;
  /** Items in the selection so far (final once selectionComplete). */
  total: number;
  selectionComplete: boolean;
  /** Where evaluation of a query selection stopped (a listing cursor), for a worker that takes over. */
  selectionCursor: string | null;
  /** Recorded outcomes by code; always equal to the job's item outcomes. */
  counters: OutcomeCounters;
  /** Every item with seq <= cursor has an outcome; a worker continues after it. */
  cursor: number;
  /** Tenants of the items processed, for the audit entry. */
  tenants: string[];
  stats: JobStats | null;
  error: string | null;
  lease: Lease | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
}

/** One item of a job's selection, in selection order (seq from 1), with its outcome once it has one. */
export interface JobItem {
  seq: number;
  itemId: string;
  outcome: (Omit<ItemOutcome, 'itemId'> & { at: Timestamp }) | null;
}

export interface JobFilter {
  ownerId?: string;
}

export interface JobItemFilter {
  /** One outcome code, or `pending` for items without an outcome yet. */
  outcome?: OutcomeCode | 'pending';
}

export interface SelectionProgress {
  /** Listing cursor after the appended ids (query selections), or null. */
  selectionCursor: string | null;
  /** True when these are the last ids of the selection: the job becomes runnable (`queued`). */
  complete: boolean;
}

export interface RunProgress {
  cursor: number;
  stats: JobStats;
}

/**
 * Durable bulk jobs: the job record and its ordered item list with per-item outcomes. Every backend
 * passes test/contract/job-store.contract.ts. Methods reject like ItemStore's (`store_throttled` on an
 * overload signal — retry after a back-off — and `store_error` otherwise). Methods taking `owner`
 * act only while that lease owner holds the job and it is `running`; otherwise they change nothing and
 * answer null, which tells a worker that it lost the job.
 */
export interface JobStore {
  /**
   * Stores a new job. With an idempotency key, a job of the same owner (`owner.id`) with the same
   * key is returned instead (created: false), also under concurrent calls: exactly one is created.
   */
  createJob(job: Job): Promise<{ job: Job; created: boolean }>;

  getJob(id: string): Promise<Job | null>;

  /** Newest first, cursor paged. */
  listJobs(filter: JobFilter, page: PageRequest): Promise<Page<Job>>;

  /**
   * Adds item ids at seq `firstSeq`, `firstSeq + 1`, …; a seq already stored is left as it is, so a
   * repeated append after a crash is harmless. Raises `total` to cover them and records `progress`;
   * with `complete` a `preparing` job becomes `queued`. Allowed while the job is preparing, or while
   * `owner` holds its lease; answers the job, or null when not allowed.
   */
  appendItems(
    jobId: string,
    firstSeq: number,
    itemIds: readonly string[],
    progress: SelectionProgress,
    owner?: string,
  ): Promise<Job | null>;

  /**
   * Takes the oldest job that is `queued`, or `running` with a lease that ended at or before `now`
   * (its worker died): sets it `running` with a lease for `owner` until `leaseUntil`. Of concurrent
   * claims exactly one gets a given job. Null when none is runnable.
   */
  claimJob(owner: string, now: Timestamp, leaseUntil: Timestamp): Promise<Job | null>;

  /** Extends the lease and stores progress; answers the job as now stored (e.g. cancelRequested). */
  renewLease(jobId: string, owner: string, until: Timestamp, progress?: RunProgress): Promise<Job | null>;

  /** Items after `afterSeq` that have no outcome yet, in seq order, at most `limit`. */
  pendingItems(jobId: string, afterSeq: number, limit: number): Promise<{ seq: number; itemId: string }[]>;

  /**
   * Records outcomes (by seq) and progress. An item that already has an outcome keeps it and is not
   * counted again, so that once the call resolves the counters equal the recorded outcomes — also
   * when the same batch is recorded twice (a retry after an error whose write went through). A
   * backend without multi-item transactions must keep that promise another way, for example by
   * deriving the counters from per-batch count records written with conditions, rather than by
   * incrementing a counter after each outcome. Answers null (writing nothing) if `owner` lost the job.
   */
  recordOutcomes(
    jobId: string,
    owner: string,
    outcomes: readonly (ItemOutcome & { seq: number })[],
    progress: RunProgress,
  ): Promise<Job | null>;

  /** Gives every item without an outcome the outcome `cancelled` (counted), in one step. */
  cancelPending(jobId: string, owner: string, message: string): Promise<Job | null>;

  /** Ends the job in a final state, clears the lease and records the final stats and error. */
  finishJob(
    jobId: string,
    owner: string,
    state: 'completed' | 'cancelled' | 'failed',
    end: { stats: JobStats | null; error: string | null; at: Timestamp },
  ): Promise<Job | null>;

  /**
   * Asks the job to stop: the worker stops starting items and records `cancelled` for the rest.
   * Answers the job (unchanged when it is final already), or null for an unknown id.
   */
  requestCancel(jobId: string, at: Timestamp): Promise<Job | null>;

  /** The job's items in seq order, cursor paged, optionally only those with one outcome. */
  listJobItems(jobId: string, filter: JobItemFilter, page: PageRequest): Promise<Page<JobItem>>;
}
