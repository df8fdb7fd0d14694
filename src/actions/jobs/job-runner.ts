import type { Logger } from 'pino';
import { scopeFilter } from '../../auth/access-policy.js';
import { isLazaretError } from '../../core/errors.js';
import { parseSearchQuery } from '../../core/search-query.js';
import type { Metrics } from '../../metrics.js';
import type { AuditStore } from '../../store/audit-store.js';
import type { ItemStore } from '../../store/item-store.js';
import type { Job, JobStats, JobStore } from '../../store/job-store.js';
import { filterFromQuery } from '../../store/query-filter.js';
import { auditBulk } from '../bulk/bulk-audit.js';
import type { BulkEngine, BulkSettings, SelectionEntry, SeqOutcome } from '../bulk/bulk-engine.js';
import { retryThrottled } from '../bulk/retry.js';

export interface JobRunnerDeps {
  jobs: JobStore;
  audit: AuditStore;
  items: Pick<ItemStore, 'listItems'>;
  logger: Logger;
  now: () => Date;
  nodeName: string;
  jobLeaseMs: number;
  bulk: Pick<BulkSettings, 'throttleTries' | 'throttleBackoffMs' | 'fullDiskPauseMs'>;
  metrics?: Metrics;
  /** Builds the engine a run feeds (ItemActions.engine), told of each pause for disk space. */
  engine: (onFullDisk: () => void) => BulkEngine;
}

const PAGE = 500;
const FLUSH_EVERY = 250;
const FLUSH_MS = 200;

/**
 * Everything up to `cursor` has a stored outcome. Seqs are fetched in increasing order; the
 * cursor moves past each one once its outcome is stored, so it never passes an item still running.
 */
export class Watermark {
  private seqs: number[] = [];
  private head = 0;
  private readonly done = new Set<number>();

  constructor(public cursor: number) {}

  fetched(seq: number): void {
    this.seqs.push(seq);
  }

  stored(seq: number): void {
    this.done.add(seq);
    while (this.head < this.seqs.length && this.done.has(this.seqs[this.head]!)) {
      this.cursor = this.seqs[this.head]!;
      this.done.delete(this.cursor);
      this.head += 1;
    }
    if (this.head > 10_000) {
      this.seqs = this.seqs.slice(this.head);
      this.head = 0;
    }
  }
}

/** Thrown inside the runner when the lease was lost: another worker owns the job now. */
class LeaseLost extends Error {}

/**
 * Runs one claimed job to its end: evaluates a query selection (within the owner's scope), feeds
 * the pending items to the engine, stores outcomes and progress in batches (renewing the lease),
 * honours cancel, finishes the job and writes its one audit entry. Resumes from the job's cursor;
 * items a dead earlier run of the job left in `releasing` are marked interrupted, not resent.
 */
export class JobRunner {
  private lost = false;
  private cancelRequested: boolean;
  private stopping = false;
  private readonly engine: BulkEngine;
  private readonly itemLeaseOwner: string;
  private readonly startedAt = Date.now();
  /** Stats of earlier runs of this job (before a takeover or restart), which this run adds to. */
  private readonly prior: JobStats | null;
  private processedNow = 0;
  /** Throttling signals met by the runner's own store calls (selection, paging). */
  private throttled = 0;
  private lastSpaceWarning = 0;
  private buffer: SeqOutcome[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private renewing = false;
  private readonly watermark: Watermark;

  constructor(
    private readonly deps: JobRunnerDeps,
    private job: Job,
    private readonly owner: string,
  ) {
    this.cancelRequested = job.cancelRequested;
    this.engine = deps.engine(() => this.pausedForSpace());
    this.itemLeaseOwner = `job:${job.id}@${owner}`;
    this.prior = job.stats;
    this.watermark = new Watermark(job.cursor);
  }

  get jobId(): string {
    return this.job.id;
  }

  /** Stop starting items (shutdown); the job stays runnable and its lease is given up. */
  stop(): void {
    this.stopping = true;
  }

  stats(): JobStats {
    const engine = this.engine.stats();
    const elapsedMs = (this.prior?.elapsedMs ?? 0) + (Date.now() - this.startedAt);
    const seconds = (Date.now() - this.startedAt) / 1000;
    return {
      window: engine.window,
      throttled: engine.throttled + this.throttled + (this.prior?.throttled ?? 0),
      smtpTransactions: engine.smtpTransactions + (this.prior?.smtpTransactions ?? 0),
      elapsedMs,
      itemsPerSecond: seconds > 0 ? Math.round((this.processedNow / seconds) * 10) / 10 : 0,
    };
  }

  async run(): Promise<void> {
    const log = this.deps.logger.child({ jobId: this.job.id });
    log.info({ event: 'JOB_STARTED', action: this.job.action, cursor: this.job.cursor, owner: this.owner });
    this.heartbeat = setInterval(
      () => void this.renew(),
      Math.max(200, Math.floor(this.deps.jobLeaseMs / 3)),
    );
    try {
      if (!this.cancelRequested && !this.job.selectionComplete) {
        const selecting = Date.now();
        await this.evaluateSelection();
        log.info({ event: 'JOB_SELECTED', total: this.job.total, ms: Date.now() - selecting });
      }
      if (!this.cancelRequested && !this.stopping) {
        await this.engine.run({
          action: this.job.action,
          actor: this.job.owner,
          force: this.job.options.force,
          recipients: this.job.options.recipients,
          leaseOwner: this.itemLeaseOwner,
          jobId: this.job.id,
          isAbandonedLease: (lease) =>
            lease.owner.startsWith(`job:${this.job.id}@`) && lease.owner !== this.itemLeaseOwner,
          pages: this.pages(),
          onOutcome: (outcome) => this.collect(outcome),
          shouldStop: () => this.lost || this.cancelRequested || this.stopping,
        });
      }
      await this.flush();
      if (this.lost) throw new LeaseLost();
      if (this.stopping && !this.cancelRequested) {
        const until = new Date(Date.now() + this.deps.jobLeaseMs).toISOString();
        if (!(await this.deps.jobs.renewLease(this.job.id, this.owner, until, this.progress())))
          throw new LeaseLost();
        log.info({ event: 'JOB_PAUSED', cursor: this.watermark.cursor });
        return;
      }
      await this.finish(this.cancelRequested ? 'cancelled' : 'completed', null);
    } catch (error) {
      if (error instanceof LeaseLost || this.lost) {
        log.warn({ event: 'JOB_LEASE_LOST' });
        return;
      }
      log.error({ event: 'JOB_FAILED', err: error });
      await this.finish('failed', (error as Error).message).catch((finishError: unknown) =>
        log.error({ event: 'JOB_FINISH_FAILED', err: finishError }),
      );
    } finally {
      clearInterval(this.heartbeat);
      clearTimeout(this.flushTimer);
    }
  }

  /** A store call of the runner itself, retried on throttling like the engine's. */
  private store<T>(work: () => Promise<T>): Promise<T> {
    return retryThrottled(work, {
      tries: this.deps.bulk.throttleTries,
      backoffMs: this.deps.bulk.throttleBackoffMs,
      onThrottle: () => {
        this.throttled += 1;
      },
      fullDiskPauseMs: this.deps.bulk.fullDiskPauseMs,
      onFullDisk: () => this.pausedForSpace(),
    });
  }

  /** Logs a job waiting for disk space, at most once a minute. */
  private pausedForSpace(): void {
    const now = Date.now();
    if (now - this.lastSpaceWarning < 60_000) return;
    this.lastSpaceWarning = now;
    this.deps.logger.warn({ event: 'JOB_WAITING_FOR_SPACE', jobId: this.job.id });
  }

  private progress() {
    return { cursor: this.watermark.cursor, stats: this.stats() };
  }

  private async renew(): Promise<void> {
    if (this.lost || this.renewing) return;
    this.renewing = true;
    try {
      // Throttled renewals are tried again at once (with back-off), not only at the next heartbeat:
      // a few in a row would otherwise let the lease run out under a job that is still running.
      const job = await this.store(() =>
        this.deps.jobs.renewLease(
          this.job.id,
          this.owner,
          new Date(Date.now() + this.deps.jobLeaseMs).toISOString(),
          this.progress(),
        ),
      );
      if (!job) this.lost = true;
      else if (job.cancelRequested) this.cancelRequested = true;
    } catch (error) {
      // The next renewal tries again; the lease is long enough to survive a few misses.
      this.deps.logger.warn({ event: 'JOB_RENEW_FAILED', jobId: this.job.id, err: error });
    } finally {
      this.renewing = false;
    }
  }

  /** Lists the query's items within the owner's scope into the job, page by page, resumable. */
  private async evaluateSelection(): Promise<void> {
    if (this.job.selection.kind !== 'query') return;
    const query = parseSearchQuery(this.job.selection.query);
    const filter = { ...filterFromQuery(query), ...scopeFilter(this.job.owner) };
    let cursor = this.job.selectionCursor ?? undefined;
    for (;;) {
      if (this.lost) throw new LeaseLost();
      if (this.cancelRequested || this.stopping) return;
      const page = await this.store(() => this.deps.items.listItems(filter, { limit: PAGE, cursor }));
      const job = await this.store(() =>
        this.deps.jobs.appendItems(
          this.job.id,
          this.job.total + 1,
          page.items.map((item) => item.id),
          { selectionCursor: page.nextCursor, complete: page.nextCursor === null },
          this.owner,
        ),
      );
      if (!job) throw new LeaseLost();
      this.job = job;
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }

  private async *pages(): AsyncGenerator<SelectionEntry[]> {
    let after = this.job.cursor;
    for (;;) {
      const page = await this.store(() => this.deps.jobs.pendingItems(this.job.id, after, PAGE));
      if (page.length === 0) return;
      for (const entry of page) this.watermark.fetched(entry.seq);
      after = page.at(-1)!.seq;
      yield page;
    }
  }

  private collect(outcome: SeqOutcome): void {
    this.buffer.push(outcome);
    this.processedNow += 1;
    if (this.buffer.length >= FLUSH_EVERY) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Stores buffered outcomes; flushes run one after another so progress is written in order. */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0 || this.lost) return;
      for (let attempt = 1; ; attempt += 1) {
        try {
          // The cursor written with this batch is the one before it: a cursor must never pass an item
          // whose outcome is not committed yet (a resumed job continues after it).
          const job = await this.deps.jobs.recordOutcomes(this.job.id, this.owner, batch, this.progress());
          if (!job) {
            this.lost = true;
            return;
          }
          for (const outcome of batch) this.watermark.stored(outcome.seq);
          this.job = job;
          if (job.cancelRequested) this.cancelRequested = true;
          return;
        } catch (error) {
          if (isLazaretError(error, 'insufficient_storage')) {
            // Waiting for space does not use up the tries: the outcomes are kept until they can be written.
            attempt -= 1;
            this.pausedForSpace();
            await new Promise((resolve) => setTimeout(resolve, this.deps.bulk.fullDiskPauseMs));
            continue;
          }
          this.deps.logger.warn({ event: 'JOB_RECORD_FAILED', jobId: this.job.id, attempt, err: error });
          if (attempt >= 10) {
            // Without stored outcomes the job cannot go on honestly; another run resumes it.
            this.lost = true;
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
        }
      }
    });
    return this.flushing;
  }

  private async finish(state: 'completed' | 'cancelled' | 'failed', error: string | null): Promise<void> {
    // Store the cursor past the last committed batch before the job ends. These calls are retried on
    // throttling like the others: a throttled end must not turn a finished job into a failed one.
    const until = new Date(Date.now() + this.deps.jobLeaseMs).toISOString();
    if (!(await this.store(() => this.deps.jobs.renewLease(this.job.id, this.owner, until, this.progress()))))
      throw new LeaseLost();
    if (state === 'cancelled') {
      const job = await this.store(() =>
        this.deps.jobs.cancelPending(
          this.job.id,
          this.owner,
          'The job was cancelled before this item was started.',
        ),
      );
      if (!job) throw new LeaseLost();
      this.job = job;
    }
    const at = new Date().toISOString();
    const finished = await this.store(() =>
      this.deps.jobs.finishJob(this.job.id, this.owner, state, { stats: this.stats(), error, at }),
    );
    if (!finished) throw new LeaseLost();
    this.job = finished;
    this.deps.logger.info({
      event: 'JOB_FINISHED',
      jobId: finished.id,
      state,
      counters: finished.counters,
      stats: finished.stats,
    });
    const firstIds = await this.deps.jobs.listJobItems(finished.id, {}, { limit: 1000 });
    await auditBulk(
      { audit: this.deps.audit, now: () => new Date(at) },
      {
        actor: finished.owner,
        action: `job.${finished.action}`,
        itemIds: firstIds.items.map((item) => item.itemId),
        jobId: finished.id,
        tenants: finished.tenants,
        params: {
          state,
          total: finished.total,
          selection: finished.selection,
          ...(finished.options.force ? { force: true } : {}),
          ...(finished.options.recipients ? { recipients: finished.options.recipients } : {}),
        },
        counters: finished.counters,
      },
    );
  }
}
